"""The Results page at scale, in a real browser: 2,000 result documents stored (each with its image),
one page shows at most PAGE_SIZE tiles and a link to the next, and a video result is a timeline (no
broken image). What a page costs as the table grows is measured by `python -m bench results_page`,
never timed here: a timing ratio on a shared CI machine fails on load, not on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from customlabels_cli.console.results import PAGE_SIZE
from customlabels_cli.support.stack import Stack, cdk_json_project
from local.samples import digit_samples
from tests.browser.conftest import screenshot
from tests.browser.serving import serving
from tests.browser.test_console import ROOT
from tests.fixtures.results import image_key, image_result, store, video_result

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
MODEL = "arn:aws:rekognition:us-east-1:123456789012:project/customlabels/version/digits-v1/1"
FEW, MANY = 20, 2000


@pytest.fixture(scope="module")
def console(deployed_stack) -> Iterator[tuple[str, Stack]]:
    project = cdk_json_project(ROOT)
    assert project
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", deployed_stack.endpoint_url)
        stack = Stack(dict(deployed_stack.outputs), project, deployed_stack.session)
        with serving(stack) as url:
            yield url, stack


def _store(stack: Stack, indices: range) -> None:
    """Results `indices` (one in 500 a video), each image stored outside uploads/ (no detection runs)."""
    s3, bucket = stack.client("s3"), stack.output("InferenceBucketName")
    table = stack.session.resource("dynamodb").Table(stack.output("ResultsTableName"))
    png = next(digit_samples(1)).png
    made = []
    for index in indices:
        if index % 500 == 499:
            made.append(video_result(index, MODEL, bucket))
            continue
        s3.put_object(Bucket=bucket, Key=image_key(index), Body=png, ContentType="image/png")
        made.append(image_result(index, MODEL, str(index % 10), 50 + index % 50, bucket))
    store(table, s3, bucket, made)


def _no_broken_image(browser: Any) -> bool:
    return browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const images = [...document.querySelectorAll("#gallery img")];
        images.forEach(img => { img.loading = "eager"; });
        Promise.all(images.map(img => img.decode().then(() => true, () => false)))
          .then(loaded => done(loaded.every(Boolean) && images.every(img => img.naturalWidth > 0)));
        """
    )


def test_with_2000_results_the_page_shows_one_page_of_tiles_and_a_link_to_the_next(browser, console):
    url, stack = console
    browser.set_script_timeout(60)
    _store(stack, range(FEW))
    browser.get(f"{url}results")
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.result")) == FEW
    assert not browser.find_elements(By.ID, "next-page")

    _store(stack, range(FEW, MANY))
    browser.get(f"{url}results")
    tiles = browser.find_elements(By.CSS_SELECTOR, "figure.result")
    assert len(tiles) == PAGE_SIZE <= 100
    assert tiles[0].get_attribute("data-image").endswith(f"clips/{MANY - 1:05d}.mp4")  # newest first
    assert not tiles[0].find_elements(By.TAG_NAME, "img")
    assert tiles[0].find_elements(By.CSS_SELECTOR, ".timeline .segment")
    assert _no_broken_image(browser)
    screenshot(browser, "results-2000")

    browser.find_element(By.ID, "next-page").click()
    second = [
        tile.get_attribute("data-image") for tile in browser.find_elements(By.CSS_SELECTOR, "figure.result")
    ]
    assert len(second) == PAGE_SIZE and second[0].endswith(image_key(MANY - 1 - PAGE_SIZE))
    assert _no_broken_image(browser)


def test_results_filter_by_label_and_confidence_and_keep_the_filter_on_the_next_page(browser, console):
    url, _ = console
    browser.get(f"{url}results?label=7&min_confidence=90")
    tiles = browser.find_elements(By.CSS_SELECTOR, "figure.result")
    assert tiles and all("7 9" in tile.find_element(By.CSS_SELECTOR, ".mark").text for tile in tiles)
    next_page = browser.find_elements(By.ID, "next-page")
    if next_page:
        next_page[0].click()
        assert "label=7" in browser.current_url and "min_confidence=90" in browser.current_url
    screenshot(browser, "results-filtered")
