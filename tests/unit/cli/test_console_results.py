"""The Results page reads the results table a page at a time: newest first, by model version, by
label and confidence, by day; a video result is a timeline, never an image."""

from __future__ import annotations

import re

import boto3
import pytest

from customlabels_cli.console import results
from customlabels_cli.console.app import create_app
from customlabels_cli.support.stack import Stack
from tests.fixtures.results import image_result, store, video_result
from tests.fixtures.tables import create_registry_table, create_results_table

V1 = "arn:aws:rekognition:us-east-1:1:project/proj/version/proj.v1/1"
V2 = "arn:aws:rekognition:us-east-1:1:project/proj/version/proj.v2/2"
COUNT = 150  # results 0..149; even ones by v1 ("circle" at 60-99 %), odd ones by v2 ("square")


@pytest.fixture
def table(local_client):
    dynamodb = boto3.resource("dynamodb")
    create_results_table(dynamodb, "results")
    create_registry_table(dynamodb, "registry")
    made = [
        image_result(i, V1, "circle", 60 + i % 40) if i % 2 == 0 else image_result(i, V2, "square", 99.0)
        for i in range(COUNT)
    ]
    store(dynamodb.Table("results"), None, "b", [*made, video_result(COUNT, V1)])
    return dynamodb.Table("results")


def _names(page: results.ResultPage) -> list[str]:
    return [tile["file"] for tile in page.tiles]


def test_pages_are_newest_first_and_the_next_page_starts_where_the_last_ended(table):
    first = results.query_results(table, results.ResultFilter())
    assert len(first.tiles) == results.PAGE_SIZE and first.next_cursor
    assert _names(first)[:2] == [f"{COUNT:05d}.mp4", f"{COUNT - 1:05d}.png"]
    second = results.query_results(table, results.ResultFilter(cursor=first.next_cursor))
    third = results.query_results(table, results.ResultFilter(cursor=second.next_cursor))
    shown = _names(first) + _names(second) + _names(third)
    assert len(shown) == COUNT + 1 == len(set(shown)) and third.next_cursor is None


def test_a_page_filtered_by_version_label_and_confidence_reads_a_bounded_number_of_items(table):
    wanted = results.ResultFilter(version_arn=V1, label="circle", min_confidence=95)
    page = results.query_results(table, wanted)
    images = [f"{i:05d}.png" for i in range(COUNT - 1, -1, -1) if i % 2 == 0 and 60 + i % 40 >= 95]
    assert _names(page) == [f"{COUNT:05d}.mp4", *images] and page.next_cursor is None
    assert all(tile["labels"][0][1] >= 95 for tile in page.tiles)
    assert page.items_read <= results.MAX_QUERIES * results.PAGE_SIZE


def test_the_day_filter_and_bad_filters_say_what_to_enter():
    with pytest.raises(results.BadFilter, match="YYYY-MM-DD"):
        results.ResultFilter.parse({"until": "yesterday"}, None)
    with pytest.raises(results.BadFilter, match="0 to 100"):
        results.ResultFilter.parse({"min_confidence": "150"}, None)
    with pytest.raises(results.BadFilter, match="damaged"):
        results.decode_cursor("not-a-cursor")


def test_a_video_result_is_a_timeline_of_its_segments_and_captions_wrap(table):
    stack = Stack({"ResultsTableName": "results", "RegistryTableName": "registry"}, "proj", boto3.Session())
    page = create_app(stack, "t").test_client().get("/results").get_data(as_text=True)
    video = page[page.index('<figure class="result video"') :].split("</figure>")[0]
    assert "<img" not in video and 'aria-label="timeline of 00150.mp4"' in video
    assert re.search(r'class="segment" style="left:20.00%;width:30.00%" title="circle 2.0-5.0 s"', video)
    assert page.count("<figure") == results.PAGE_SIZE and 'id="next-page"' in page
    assert "00149.png" in page and "square 99.0%" in page
    refused = create_app(stack, "t").test_client().get("/results?until=soon").get_data(as_text=True)
    assert "enter a day as YYYY-MM-DD" in refused
