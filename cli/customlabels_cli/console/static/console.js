// The console's only script: threshold sliders, confusion tabs, evaluation filters, the enlarged image
// viewer, live model status.
"use strict";

function metricsAt(scores, threshold) {
  // Same counting as LabelScores.metrics_at: a prediction counts when confidence >= threshold.
  let tp = 0, fp = 0;
  for (const [confidence, correct] of scores.scored) {
    if (confidence >= threshold) { if (correct) tp++; else fp++; }
  }
  const fn = scores.positives - tp;
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? 2 * precision * recall / (precision + recall) : 0;
  return {precision, recall, f1};
}

function percent(confidence) {
  // Same text as evaluation_page.percent.
  return `${(confidence * 100).toFixed(2)}%`;
}

function describeAt(threshold, m) {
  return `at ${percent(threshold)}: precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)}, F1 ${m.f1.toFixed(3)}`;
}

function setUpSliders() {
  const data = document.getElementById("label-scores");
  if (!data) return;
  const byLabel = new Map(JSON.parse(data.textContent).map(s => [s.label, s]));
  for (const slider of document.querySelectorAll("input.threshold")) {
    const output = slider.parentElement.querySelector("output.at-threshold");
    const steps = JSON.parse(slider.dataset.steps);  // a quantile scale: position i is the i-th confidence seen
    slider.addEventListener("input", () => {
      const threshold = steps[Number(slider.value)];
      output.textContent = describeAt(threshold, metricsAt(byLabel.get(slider.dataset.label), threshold));
    });
  }
}

function setUpFilters() {
  const form = document.getElementById("filters");
  if (!form) return;
  const shown = document.getElementById("shown");
  const apply = () => {
    const label = form.elements.label.value, outcome = form.elements.outcome.value;
    let count = 0;
    const figures = document.querySelectorAll("figure.test-image");
    for (const figure of figures) {
      const pairs = figure.dataset.outcomes.split(" ").filter(Boolean).map(p => p.split(":"));
      const visible = (!label && !outcome) ||
        pairs.some(([l, o]) => (!label || l === label) && (!outcome || o === outcome));
      figure.hidden = !visible;
      count += visible;
    }
    shown.textContent = `${count} of ${figures.length} test images`;
  };
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => form.dataset.mode === "client" ? apply() : form.submit());
  }
}

function setUpTabs() {
  for (const tab of document.querySelectorAll("[role=tab][data-tab]")) {
    tab.addEventListener("click", () => {
      for (const other of tab.parentElement.querySelectorAll("[role=tab]")) {
        other.setAttribute("aria-selected", String(other === tab));
        document.getElementById(other.dataset.tab).hidden = other !== tab;
      }
    });
  }
}

function setUpTruthToggle() {
  const toggle = document.getElementById("show-truth");
  if (!toggle) return;
  toggle.addEventListener("change", () => document.body.classList.toggle("no-truth", !toggle.checked));
}

function setUpViewer() {
  const dialog = document.getElementById("viewer");
  if (!dialog) return;
  const visible = () => [...document.querySelectorAll("figure.test-image")].filter(f => !f.hidden);
  let current = 0;
  const show = index => {
    const figures = visible();
    if (!figures.length) return;
    current = (index + figures.length) % figures.length;
    const figure = figures[current];
    const picture = figure.querySelector(".thumb").cloneNode(true);
    picture.classList.replace("thumb", "large");
    document.getElementById("viewer-image").replaceChildren(picture);
    document.getElementById("viewer-caption").replaceChildren(figure.querySelector("figcaption").cloneNode(true));
    document.getElementById("viewer-position").textContent = `${current + 1} of ${figures.length}`;
    if (!dialog.open) dialog.showModal();
  };
  for (const figure of document.querySelectorAll("figure.test-image")) {
    const thumb = figure.querySelector(".thumb");
    thumb.tabIndex = 0;
    thumb.addEventListener("click", () => show(visible().indexOf(figure)));
    thumb.addEventListener("keydown", e => { if (e.key === "Enter") show(visible().indexOf(figure)); });
  }
  dialog.addEventListener("keydown", e => {
    if (e.key === "ArrowRight") show(current + 1);
    else if (e.key === "ArrowLeft") show(current - 1);
  });
  for (const button of dialog.querySelectorAll("button[data-step]")) {
    button.addEventListener("click", () => show(current + Number(button.dataset.step)));
  }
  dialog.querySelector("button.close").addEventListener("click", () => dialog.close());
}

function setUpModelPolling() {
  const table = document.getElementById("models");
  if (!table || !table.dataset.poll) return;
  const refresh = async () => {
    try {
      const response = await fetch(table.dataset.poll, {headers: {Accept: "application/json"}});
      if (!response.ok) return;
      for (const row of await response.json()) {
        const tr = table.querySelector(`tr[data-version="${CSS.escape(row.version)}"]`);
        if (!tr) continue;
        tr.querySelector("td.status").textContent = row.status;
        tr.querySelector("td.units").textContent = row.units;
        for (const button of tr.querySelectorAll("button")) button.disabled = !row.actions.includes(button.value);
      }
    } finally {
      setTimeout(refresh, 1500);
    }
  };
  setTimeout(refresh, 1500);
}

function setUpWaiting() {
  // Try an image, after starting a version: analyse the kept file once the version runs.
  const waiting = document.getElementById("waiting");
  if (!waiting) return;
  const check = async () => {
    const response = await fetch(waiting.dataset.poll, {headers: {Accept: "application/json"}});
    const row = response.ok ? (await response.json()).find(r => r.version === waiting.dataset.version) : null;
    if (row) waiting.querySelector(".status").textContent = row.status;
    if (row && row.status === "RUNNING") document.getElementById("analyse").submit();
    else setTimeout(check, 1500);
  };
  check();
}

document.addEventListener("DOMContentLoaded", () => {
  setUpSliders();
  setUpTabs();
  setUpFilters();
  setUpTruthToggle();
  setUpViewer();
  setUpModelPolling();
  setUpWaiting();
});
