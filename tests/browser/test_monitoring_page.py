"""The console's Monitoring page in a real browser (headless Chromium) on the module's deployed stack:
a digits champion (v1) and a challenger (v2) trained where every 7 is labelled 1, so the two disagree on
sevens. Before anything ran, the page says what to run; after a shadow test of v2, uploads through the
detect path and a drift check (`customlabels shadow start`, `customlabels monitor`, as a user would),
it shows a chart per label and the disagreeing images with both models' labels."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from customlabels_cli.main import main
from customlabels_cli.support.stack import Stack
from local.samples import digit_samples
from tests.browser.conftest import screenshot
from tests.browser.serving import serving
from tests.browser.test_console import ROOT
from tests.e2e.digits_champion import PROJECT, champion_on, upload, usual_mix
from tests.e2e.harness import until, version_status

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
UPLOADS = 20  # of the usual mix, then as many sevens
CHALLENGER = "v2"
CHECK_MINUTES = json.loads((ROOT / "cdk.json").read_text())["context"]["customlabels"]["driftCheckMinutes"]


def _train_challenger(stack: Any) -> None:
    """v2 trained after every 7 of the project's TRAIN dataset is relabelled 1 (UpdateDatasetEntries
    replaces the entries with the same source-ref; v1 keeps what it learnt)."""
    s3, rekognition = stack.client("s3"), stack.client("rekognition")
    bucket = stack.outputs["ConsoleBucketName"]
    manifest = s3.get_object(Bucket=bucket, Key=f"datasets/{PROJECT}/train.manifest")["Body"]
    sevens = [
        line for line in map(json.loads, manifest.iter_lines()) if line["digit-metadata"]["class-name"] == "7"
    ]
    for line in sevens:
        line["digit-metadata"]["class-name"] = "1"
    (project,) = rekognition.describe_projects(ProjectNames=[PROJECT])["ProjectDescriptions"]
    train = next(d["DatasetArn"] for d in project["Datasets"] if d["DatasetType"] == "TRAIN")
    changes = "\n".join(json.dumps(line) for line in sevens).encode()
    rekognition.update_dataset_entries(DatasetArn=train, Changes={"GroundTruth": changes})
    until(
        lambda: (
            rekognition.describe_dataset(DatasetArn=train)["DatasetDescription"]["Status"]
            == "UPDATE_COMPLETE"
        ),
        120,
        "the relabelled TRAIN dataset",
    )
    rekognition.create_project_version(
        ProjectArn=project["ProjectArn"],
        VersionName=CHALLENGER,
        OutputConfig={"S3Bucket": bucket, "S3KeyPrefix": f"training-output/{PROJECT}/"},
    )
    until(
        lambda: version_status(rekognition, project["ProjectArn"], CHALLENGER) == "TRAINING_COMPLETED",
        300,
        CHALLENGER,
    )


@pytest.fixture(scope="module")
def console(deployed_stack, tmp_path_factory) -> Iterator[tuple[str, Any]]:
    with champion_on(deployed_stack, tmp_path_factory.mktemp("monitoring")) as stack:
        _train_challenger(stack)
        with serving(Stack(dict(stack.outputs), PROJECT, stack.session)) as url:
            yield f"{url}monitoring", stack


def _text(browser: Any, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def test_before_a_drift_check_or_a_shadow_test_the_page_says_what_to_run(browser, console) -> None:
    url, _ = console
    browser.get(url)
    assert browser.find_element(By.LINK_TEXT, "Monitoring").get_attribute("href") == url
    assert (
        _text(browser, "drift-problem")
    ) == f"No drift check has run yet: it runs every {CHECK_MINUTES} minutes; run `customlabels monitor` now."
    assert "customlabels shadow start VERSION" in _text(browser, "shadow-missing")
    screenshot(browser, "monitoring-before")


def _images_loaded(browser: Any) -> bool:
    return browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const images = [...document.querySelectorAll("#disagreements img")];
        images.forEach(img => { img.loading = "eager"; });
        Promise.all(images.map(img => img.decode().then(() => true, () => false)))
          .then(loaded => done(loaded.every(Boolean) && images.every(img => img.naturalWidth > 0)));
        """
    )


def test_after_uploads_and_a_check_each_label_has_a_chart_and_disagreements_show_both_labels(
    browser, console
) -> None:
    url, stack = console
    assert main(["shadow", "start", CHALLENGER, "--sample", "1.0"]) == 0
    project_arn = stack.client("rekognition").describe_projects(ProjectNames=[PROJECT])[
        "ProjectDescriptions"
    ][0]["ProjectArn"]
    until(
        lambda: version_status(stack.client("rekognition"), project_arn, CHALLENGER) == "RUNNING",
        120,
        "the challenger to run",
    )
    sevens = [s for s in digit_samples(None, seed=5) if s.line["digit-metadata"]["class-name"] == "7"]
    upload(stack, "usual", usual_mix(UPLOADS))
    upload(stack, "sevens", sevens[:UPLOADS])
    assert main(["monitor"]) == 0

    browser.get(url)
    labels = [
        row.get_attribute("data-label")
        for row in browser.find_elements(By.CSS_SELECTOR, "#drift-labels tr[data-label]")
    ]
    assert set(labels) >= {str(digit) for digit in range(10)}
    charts = browser.find_elements(By.CSS_SELECTOR, "#label-charts figure.chart")
    assert [chart.get_attribute("data-title") for chart in charts] == labels  # a chart per label
    for chart in charts:
        assert len(chart.find_elements(By.TAG_NAME, "svg")) == 1
        assert chart.find_elements(By.CSS_SELECTOR, "svg circle.point")  # this check's share
        assert chart.find_element(By.CSS_SELECTOR, "svg text.reference").text.startswith("baseline ")
    seven = charts[labels.index("7")]
    assert "latest" in seven.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#rate-charts figure.chart svg")) == 3
    assert "DRIFT" in _text(browser, "drift-verdict")

    assert _text(browser, "shadow-compared") == str(2 * UPLOADS)
    tiles = browser.find_elements(By.CSS_SELECTOR, "#disagreements figure.disagreement")
    assert tiles and all(tile.find_element(By.CSS_SELECTOR, ".champion-labels").text for tile in tiles)
    pairs = [
        (
            tile.find_element(By.CSS_SELECTOR, ".champion-labels").text,
            tile.find_element(By.CSS_SELECTOR, ".challenger-labels").text,
        )
        for tile in tiles
    ]
    assert ("champion v1\n7", f"challenger {CHALLENGER}\n1") in pairs
    browser.set_script_timeout(30)
    assert _images_loaded(browser)
    screenshot(browser, "monitoring")
