"""`customlabels console` in a real browser (headless Chromium) against the offline stack: one deployed
stack for the module, a shapes (object detection) version trained and left stopped, and a digits
(classification) version trained, promoted and running."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from customlabels_cli.console.evaluation_page import PAGE_SIZE, describe_at, slider_steps
from customlabels_cli.support import version_evaluation
from customlabels_cli.support.evaluation_images import FN, FP, filtered
from customlabels_cli.support.stack import Stack, cdk_json_project
from local import samples
from local.samples import digit_samples, shape_samples, write_samples
from tests.browser.conftest import screenshot
from tests.browser.serving import serving

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
DIGITS, SHAPES = "digits-v1", "shapes-v1"
SHAPE_NAMES = set(samples.SHAPES)
TRAINING_TIMEOUT = 150
WAIT = 30


def _train(stack: Any, project: str, manifests: dict[str, str], version: str, deploy: bool) -> None:
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.outputs["TrainingStateMachineArn"],
        name=f"browser-{version}",
        input=json.dumps(
            {
                "projectName": project,
                "trainingManifest": manifests["train"],
                "testingManifest": manifests["test"],
                "versionName": version,
                "f1Threshold": 0.3,
                "requireImprovement": False,
                "deploy": deploy,
            }
        ),
    )["executionArn"]
    deadline = time.monotonic() + TRAINING_TIMEOUT
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"training {version} still running"
        time.sleep(0.3)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")


def mislabel_test_lines(s3: Any, manifests: dict[str, str], count: int = 3) -> dict[str, str]:
    """The first `count` test lines get another label, so the evaluation has false positives (the
    model predicts what the image shows) and a confusion matrix off its diagonal."""
    bucket, key = manifests["test"].removeprefix("s3://").split("/", 1)
    lines = [json.loads(line) for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().splitlines()]
    for line in lines[:count]:
        if "digit-metadata" in line:
            metadata = line["digit-metadata"]
            metadata["class-name"] = str((int(metadata["class-name"]) + 1) % 10)
        else:
            annotation = line["bounding-box"]["annotations"][0]
            annotation["class_id"] = (annotation["class_id"] + 1) % len(samples.SHAPES)
            line["bounding-box-metadata"]["class-map"] = {
                str(i): shape for i, shape in enumerate(samples.SHAPES)
            }
    s3.put_object(Bucket=bucket, Key=key, Body="\n".join(json.dumps(line) for line in lines).encode())
    return manifests


@pytest.fixture(scope="module")
def console(deployed_stack) -> Iterator[tuple[str, Stack]]:
    """Both versions trained, then the console served on a free port of 127.0.0.1."""
    project = cdk_json_project(ROOT)
    assert project
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", deployed_stack.endpoint_url)
        s3, bucket = deployed_stack.client("s3"), deployed_stack.outputs["ConsoleBucketName"]
        shapes = write_samples(s3, shape_samples(60), bucket, f"datasets/{project}/shapes")
        mislabel_test_lines(s3, shapes)
        _train(deployed_stack, project, shapes, SHAPES, deploy=False)
        digits = write_samples(s3, digit_samples(120), bucket, f"datasets/{project}/digits")
        mislabel_test_lines(s3, digits)
        _train(deployed_stack, project, digits, DIGITS, deploy=True)
        stack = Stack(dict(deployed_stack.outputs), project, deployed_stack.session)
        with serving(stack) as url:
            yield url, stack


def _row_status(browser, version: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, f'tr[data-version="{version}"] td.status').text


def _wait_for_status(browser, version: str, status: str) -> None:
    # after a click the page navigates: a row read mid-way is stale or not there yet
    retry = (StaleElementReferenceException, NoSuchElementException)
    WebDriverWait(browser, WAIT, 0.3, ignored_exceptions=retry).until(
        lambda b: _row_status(b, version) == status
    )


def test_models_page_lists_the_versions_and_stop_and_start_change_the_status(browser, console):
    url, _ = console
    browser.get(url)
    versions = [
        row.get_attribute("data-version")
        for row in browser.find_elements(By.CSS_SELECTOR, "#models tr[data-version]")
    ]
    assert sorted(versions) == [DIGITS, SHAPES]
    digits_row = browser.find_element(By.CSS_SELECTOR, f'tr[data-version="{DIGITS}"]')
    assert "champion" in digits_row.text and "passed" in digits_row.text
    gate_reason = digits_row.find_element(By.CSS_SELECTOR, "td.gate .gate-reason").text
    assert "F1" in gate_reason  # the gate's reason is on the page, not in a tooltip
    assert _row_status(browser, DIGITS) == "RUNNING" and _row_status(browser, SHAPES) == "TRAINING_COMPLETED"
    assert digits_row.find_element(By.CSS_SELECTOR, "td.units").text == "1"
    screenshot(browser, "models")

    digits_row.find_element(By.CSS_SELECTOR, "button.stop").click()
    assert "stop digits-v1: started" in browser.find_element(By.CSS_SELECTOR, ".message").text
    _wait_for_status(browser, DIGITS, "STOPPED")  # the page polls the live status
    browser.find_element(By.CSS_SELECTOR, f'tr[data-version="{DIGITS}"] button.start').click()
    _wait_for_status(browser, DIGITS, "RUNNING")
    screenshot(browser, "models-after-restart")


def test_starting_a_version_that_is_not_the_champion_asks_first_and_says_it_bills(browser, console):
    url, _ = console
    browser.get(url)
    browser.find_element(By.CSS_SELECTOR, f'tr[data-version="{SHAPES}"] button.start').click()
    warning = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "start-warning")).text
    assert f"{SHAPES} is not the champion" in warning and "bills" in warning
    screenshot(browser, "models-confirm-start")
    browser.find_element(By.LINK_TEXT, "cancel").click()
    assert _row_status(browser, SHAPES) == "TRAINING_COMPLETED"  # nothing started


def test_a_state_changing_request_without_the_token_is_refused(browser, console):
    url, stack = console
    browser.get(url)
    statuses = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const path = `/models/${arguments[0]}/stop`;
        const stop = body => fetch(path, {method: "POST", body}).then(r => r.status);
        const wrong = new FormData(); wrong.append("token", "not-the-token");
        Promise.all([stop(new FormData()), stop(wrong)]).then(done);
        """,
        DIGITS,
    )
    assert statuses == [403, 403]
    time.sleep(1)
    browser.refresh()
    assert _row_status(browser, DIGITS) == "RUNNING"
    executions = stack.client("stepfunctions").list_executions(
        stateMachineArn=stack.output("ModelControlStateMachineArn")
    )["executions"]
    assert not [e for e in executions if e["status"] == "RUNNING"]


def _gallery_in_view(browser) -> bool:
    return browser.execute_script(
        "const top = document.getElementById('gallery').getBoundingClientRect().top;"
        "return window.scrollY > 0 && top >= -5 && top < window.innerHeight;"
    )


def test_the_evaluation_of_the_detection_model_draws_boxes_and_filters_to_false_positives(browser, console):
    url, stack = console
    view = version_evaluation.load(stack, stack.registry().get_version(stack.project, SHAPES))
    browser.get(f"{url}evaluation/{SHAPES}")
    assert browser.find_element(By.TAG_NAME, "h1").text == f"Evaluation of {SHAPES}"
    assert browser.find_elements(By.CSS_SELECTOR, "figure.test-image svg rect.truth")
    assert browser.find_elements(By.CSS_SELECTOR, "figure.test-image svg rect.tp")
    assert (
        browser.find_element(By.ID, "shown").text == f"{len(view.images)} of {len(view.images)} test images"
    )
    assert "gate threshold" in browser.find_element(By.CSS_SELECTOR, "dl.lineage").text
    screenshot(browser, "evaluation-shapes")

    Select(browser.find_element(By.NAME, "outcome")).select_by_value(FP)
    WebDriverWait(browser, WAIT).until(lambda b: "outcome=FP" in b.current_url)
    assert browser.current_url.endswith("#test-images") and _gallery_in_view(browser)
    false_positives = filtered(view.images, None, FP)
    assert 0 < len(false_positives) < len(view.images)
    assert (
        browser.find_element(By.ID, "shown").text
        == f"{len(false_positives)} of {len(view.images)} test images"
    )
    figures = browser.find_elements(By.CSS_SELECTOR, "figure.test-image")
    assert len(figures) == min(len(false_positives), PAGE_SIZE)
    assert all(":FP" in figure.get_attribute("data-outcomes") for figure in figures)
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.test-image rect.fp")) >= len(figures)
    screenshot(browser, "evaluation-shapes-false-positives")


def test_in_the_false_negative_filter_missed_objects_are_drawn_and_an_enlarged_image_labels_its_boxes(
    browser, console
):
    url, stack = console
    view = version_evaluation.load(stack, stack.registry().get_version(stack.project, SHAPES))
    missed = filtered(view.images, None, FN)
    assert missed, "the mislabelled test lines give false negatives"
    browser.get(f"{url}evaluation/{SHAPES}?outcome=FN#test-images")
    figures = browser.find_elements(By.CSS_SELECTOR, "figure.test-image")
    assert len(figures) == min(len(missed), PAGE_SIZE)
    assert all(figure.find_elements(By.CSS_SELECTOR, "rect.fn") for figure in figures)

    figures[0].find_element(By.CSS_SELECTOR, ".thumb").click()
    viewer = WebDriverWait(browser, WAIT).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "dialog#viewer[open]")
    )
    large = viewer.find_element(By.CSS_SELECTOR, "#viewer-image .large")
    assert large.size["width"] >= 500
    labels = [text.text for text in large.find_elements(By.TAG_NAME, "text") if text.is_displayed()]
    assert any(re.fullmatch(r"missed \w+ \(FN\)", label) for label in labels)
    assert all(
        re.search(r"\d+\.\d\d% \((TP|FP)\)$", label) for label in labels if label.split()[0] in SHAPE_NAMES
    )
    assert len(labels) == len(large.find_elements(By.TAG_NAME, "rect"))  # every box labelled
    screenshot(browser, "evaluation-shapes-enlarged-false-negative")
    if len(figures) > 1:
        viewer.send_keys(Keys.ARROW_RIGHT)
        assert browser.find_element(By.ID, "viewer-position").text == f"2 of {len(figures)}"
    viewer.send_keys(Keys.ESCAPE)
    WebDriverWait(browser, WAIT).until(lambda b: not b.find_elements(By.CSS_SELECTOR, "dialog#viewer[open]"))

    browser.find_element(By.ID, "show-truth").click()  # ground truth off
    truth = browser.find_elements(By.CSS_SELECTOR, "figure.test-image rect.truth")
    assert truth and not any(rect.is_displayed() for rect in truth)


@pytest.mark.parametrize("version", [DIGITS, SHAPES])
def test_the_confusion_matrix_diagonal_is_each_labels_recall_at_its_threshold(browser, console, version):
    url, stack = console
    view = version_evaluation.load(stack, stack.registry().get_version(stack.project, version))
    browser.get(f"{url}evaluation/{version}")
    matrix = browser.find_element(
        By.CSS_SELECTOR, "svg[aria-label='confusion matrix at the assumed thresholds']"
    )
    diagonal = {
        cell.get_attribute("data-true"): float(cell.get_attribute("data-share"))
        for cell in matrix.find_elements(By.CSS_SELECTOR, "rect[data-true]")
        if cell.get_attribute("data-true") == cell.get_attribute("data-predicted")
    }
    recall = {m.label: m.recall for m in view.evaluation.labels}
    assert diagonal.keys() == recall.keys()
    assert diagonal == pytest.approx(recall, abs=1e-6)
    assert matrix.find_elements(By.CSS_SELECTOR, "rect[data-predicted='no label']")
    assert "diagonal is each label's recall" in browser.find_element(By.ID, "at-thresholds").text
    screenshot(browser, f"confusion-{version}")


def test_the_threshold_slider_steps_through_the_confidences_seen_in_percent(browser, console):
    url, stack = console
    for version in (DIGITS, SHAPES):
        view = version_evaluation.load(stack, stack.registry().get_version(stack.project, version))
        scores = {s.label: s for s in view.scores}
        browser.get(f"{url}evaluation/{version}")
        for metrics in view.evaluation.labels[:3]:
            output = browser.find_element(By.CSS_SELECTOR, f'output[data-label="{metrics.label}"]')
            assert output.text == describe_at(metrics.threshold, scores[metrics.label])
            assert output.text.startswith(f"at {metrics.threshold * 100:.2f}%")
            slider = browser.find_element(By.CSS_SELECTOR, f'input.threshold[data-label="{metrics.label}"]')
            steps = slider_steps(scores[metrics.label], metrics.threshold)
            assert int(slider.get_attribute("max")) == len(steps) - 1
            assert steps[int(slider.get_attribute("value"))] == metrics.threshold
            for position in {0, len(steps) // 2, len(steps) - 1}:
                browser.execute_script(
                    "arguments[0].value = arguments[1];"
                    "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                    slider,
                    position,
                )
                assert output.text == describe_at(steps[position], scores[metrics.label])
        screenshot(browser, f"evaluation-{version.split('-')[0]}")


def test_try_an_image_shows_the_labels_of_an_uploaded_digit(browser, console, tmp_path):
    url, stack = console
    sample = next(s for s in digit_samples(120) if s.split == "test")
    path = tmp_path / "digit.png"
    path.write_bytes(sample.png)
    browser.get(f"{url}analyse")
    Select(browser.find_element(By.NAME, "version")).select_by_value(DIGITS)
    browser.find_element(By.NAME, "file").send_keys(str(path))
    browser.find_element(By.NAME, "min_confidence").send_keys("0")
    browser.find_element(By.ID, "analyse-button").click()
    found = WebDriverWait(browser, WAIT).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#labels-found li"))
    shown = [item.text for item in found]

    version_arn = stack.registry().get_version(stack.project, DIGITS)["versionArn"]
    expected = boto3.client("rekognition").detect_custom_labels(
        ProjectVersionArn=version_arn, Image={"Bytes": sample.png}, MinConfidence=0
    )["CustomLabels"]
    assert shown == [
        f"{label['Name']} {label['Confidence']:.1f}%"
        for label in sorted(expected, key=lambda found: -found["Confidence"])
    ]
    assert all(re.fullmatch(r"\d \d+\.\d%", text) for text in shown)
    assert Image.open(io.BytesIO(sample.png)).size == (64, 64)
    screenshot(browser, "try-an-image")

    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image")
    browser.find_element(By.NAME, "file").send_keys(str(text_file))
    browser.find_element(By.ID, "analyse-button").click()
    error = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.CSS_SELECTOR, "p.error")).text
    assert error.startswith("notes.txt is not a PNG or JPEG image") and "BytesIO" not in error


def test_starting_a_stopped_version_from_try_an_image_keeps_the_file_and_analyses_it(
    browser, console, tmp_path
):
    url, _ = console
    sample = next(s for s in shape_samples(60) if s.split == "test")
    path = tmp_path / "shapes.png"
    path.write_bytes(sample.png)
    browser.get(f"{url}analyse")
    Select(browser.find_element(By.NAME, "version")).select_by_value(SHAPES)
    browser.find_element(By.NAME, "file").send_keys(str(path))
    browser.find_element(By.ID, "analyse-button").click()
    refused = WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "not-running"))
    assert "not RUNNING" in refused.text and "shapes.png is analysed once it runs" in refused.text
    refused.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "confirm-start")).click()
    assert (
        "Kept: shapes.png" in WebDriverWait(browser, WAIT).until(lambda b: b.find_element(By.ID, "kept")).text
    )
    found = WebDriverWait(browser, TRAINING_TIMEOUT, 0.5).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#labels-found li")
    )
    assert all(re.fullmatch(r"(circle|square|triangle) \d+\.\d%", item.text) for item in found)
    assert browser.find_elements(By.CSS_SELECTOR, ".analysed rect")
    screenshot(browser, "try-an-image-after-start")


def test_results_page_shows_labelled_uploads(browser, console):
    url, stack = console
    sample = next(s for s in digit_samples(120) if s.split == "test")
    s3, bucket = stack.client("s3"), stack.output("InferenceBucketName")
    s3.put_object(Bucket=bucket, Key="uploads/browser/one.png", Body=sample.png, ContentType="image/png")
    s3.put_object(Bucket=bucket, Key="uploads/browser/broken.png", Body=b"not an image")

    def shown(driver) -> bool:
        driver.get(f"{url}results")
        errors = driver.find_elements(By.ID, "errors")
        return bool(driver.find_elements(By.CSS_SELECTOR, "figure.result")) and bool(errors)

    WebDriverWait(browser, WAIT, 0.5).until(shown)
    figure = browser.find_element(By.CSS_SELECTOR, "figure.result")
    assert "browser/one.png" in figure.text and re.search(r"\d \d+\.\d%", figure.text)
    assert "browser/broken.png" in browser.find_element(By.ID, "errors").text
    screenshot(browser, "results")


def test_a_deleted_version_is_shown_as_deleted_and_its_evaluation_says_so(browser, console):
    url, stack = console
    rekognition = stack.client("rekognition")
    arn = stack.registry().get_version(stack.project, SHAPES)["versionArn"]
    if _live_status(rekognition, stack, SHAPES) in ("RUNNING", "STARTING"):
        rekognition.stop_project_version(ProjectVersionArn=arn)
    deadline = time.monotonic() + WAIT
    while _live_status(rekognition, stack, SHAPES) == "STOPPING":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    rekognition.delete_project_version(ProjectVersionArn=arn)
    deadline = time.monotonic() + WAIT
    while _live_status(rekognition, stack, SHAPES) is not None:
        assert time.monotonic() < deadline
        time.sleep(0.3)
    browser.get(url)
    assert _row_status(browser, SHAPES) == "DELETED"
    assert not [
        b
        for b in browser.find_elements(By.CSS_SELECTOR, f'tr[data-version="{SHAPES}"] button')
        if b.is_enabled()
    ]
    browser.find_element(By.CSS_SELECTOR, f'tr[data-version="{SHAPES}"] a').click()
    assert f"The model {SHAPES} was deleted" in browser.find_element(By.ID, "deleted").text
    assert browser.find_elements(By.CSS_SELECTOR, "figure.test-image")  # its stored snapshot
    screenshot(browser, "evaluation-deleted")


def _live_status(rekognition, stack: Stack, version: str) -> str | None:
    project_arn = stack.registry().get_version(stack.project, version)["projectArn"]
    found = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[version])
    return found["ProjectVersionDescriptions"][0]["Status"] if found["ProjectVersionDescriptions"] else None
