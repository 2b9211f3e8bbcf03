// The console's only script: threshold sliders, evaluation filters, live model status.
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

function describeAt(threshold, m) {
  return `at ${threshold.toFixed(3)}: precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)}, F1 ${m.f1.toFixed(3)}`;
}

function setUpSliders() {
  const data = document.getElementById("label-scores");
  if (!data) return;
  const byLabel = new Map(JSON.parse(data.textContent).map(s => [s.label, s]));
  for (const slider of document.querySelectorAll("input.threshold")) {
    const output = slider.parentElement.querySelector("output.at-threshold");
    slider.addEventListener("input", () => {
      const threshold = Number(slider.value);
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

document.addEventListener("DOMContentLoaded", () => {
  setUpSliders();
  setUpFilters();
  setUpModelPolling();
});
