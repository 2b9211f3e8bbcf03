"""Shadow tests on plain inputs: sampling is stable per image version, agreement counts label sets, the
comparison counter holds --images N, and bad requests are refused with what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from customlabels.monitoring import shadow
from customlabels.monitoring.shadow import ShadowTest
from customlabels.monitoring.shadow_control import ShadowError, _check_request
from customlabels_cli.main import build_parser
from tests.fixtures.tables import create_table

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def record(image: str, champion: list[str], challenger: list[str]) -> dict:
    return {"image": image, "champion": {"labels": champion}, "challenger": {"labels": challenger}}


def test_sampling_is_stable_and_close_to_the_fraction() -> None:
    keys = [f"uploads/{index}.png" for index in range(2000)]
    first = [shadow.sampled(key, "v1", 0.25) for key in keys]
    assert first == [shadow.sampled(key, "v1", 0.25) for key in keys]
    assert 0.2 < sum(first) / len(keys) < 0.3
    assert all(shadow.sampled(key, "v1", 1.0) for key in keys)


def test_agreement_rate_per_label_and_the_images_that_differ() -> None:
    report = shadow.agreement(
        [record("a", ["3"], ["3"]), record("b", ["3"], ["8"]), record("c", [], []), record("d", ["8"], ["8"])]
    )
    assert report["compared"] == 4 and report["agreementRate"] == 0.75
    assert report["labels"] == [
        {"label": "3", "images": 2, "agreementRate": 0.5},
        {"label": "8", "images": 2, "agreementRate": 0.5},
    ]
    assert report["disagreements"] == [{"image": "b", "champion": ["3"], "challenger": ["8"]}]
    assert shadow.agreement([])["agreementRate"] is None


@mock_aws
def test_the_counter_stops_at_the_images_asked_for_and_the_time_limit() -> None:
    dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
    create_table(dynamodb, "results", [("image", "HASH"), ("version", "RANGE")])
    table = dynamodb.Table("results")
    test = ShadowTest("v2", "arn:v2", 1.0, shadow.ACTIVE, NOW.isoformat(), max_images=3)
    claims = [shadow.claim(table, "p", test, NOW, agreed=index % 2 == 0) for index in range(5)]
    assert claims == [True, True, True, False, False]
    assert shadow.counts(table, "p", test) == (3, 2)
    timed = ShadowTest("v3", "arn:v3", 1.0, shadow.ACTIVE, NOW.isoformat(), ends_at=NOW.isoformat())
    assert not shadow.claim(table, "p", timed, NOW + timedelta(seconds=1), agreed=True)
    assert timed.is_done(0, NOW + timedelta(seconds=1)) and test.is_done(3, NOW)


@pytest.mark.parametrize(
    ("sample", "hours", "images", "says"),
    [
        (0.0, None, None, "not a fraction"),
        (0.5, 1.0, 10, "not both"),
        (0.5, -1.0, None, "more than 0"),
        (0.5, None, 0, "1 or more"),
    ],
)
def test_bad_requests_say_what_to_fix(sample, hours, images, says) -> None:
    with pytest.raises(ShadowError, match=says):
        _check_request(sample, hours, images)


def test_the_cli_refuses_a_sample_outside_zero_to_one_and_both_limits(capsys) -> None:
    parser = build_parser()
    for arguments in (["--sample", "1.5"], ["--hours", "1", "--images", "5"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["shadow", "start", "v2", *arguments])
    assert "not allowed with argument" in capsys.readouterr().err
    args = parser.parse_args(["shadow", "start", "v2", "--sample", "0.5", "--images", "20"])
    assert (args.sample, args.images, args.hours) == (0.5, 20, None)


@pytest.mark.parametrize(
    ("state", "says"),
    [
        (None, "has no shadow test"),
        ({"versionName": "v1", "status": "STOPPED", "agreementRate": 1.0}, "has no shadow test"),
        ({"versionName": "v2", "status": "ACTIVE"}, "still running"),
        ({"versionName": "v2", "status": "STOPPED", "agreementRate": 0.8}, "agreement 80.0%"),
        ({"versionName": "v2", "status": "STOPPED", "agreementRate": None}, "no image compared"),
    ],
)
def test_shadow_min_agreement_refuses_a_promotion_without_a_finished_agreeing_test(state, says) -> None:
    refusal = shadow.promotion_refusal("v2", state, 0.9)
    assert refusal and says in refusal and "customlabels shadow start v2" in refusal
    assert (
        shadow.promotion_refusal("v2", {"versionName": "v2", "status": "STOPPED", "agreementRate": 0.95}, 0.9)
        is None
    )
