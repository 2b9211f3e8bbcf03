"""When checking every image would not fit the validation function's time, it says so up front and checks
a stratified sample: every label keeps checked images, at the same fraction."""

from __future__ import annotations

from customlabels.manifest.preflight import preflight
from customlabels.manifest.sampling import (
    IMAGE_BUDGET_SECONDS,
    IMAGES_PER_SECOND,
    StratifiedSampler,
    plan_image_checks,
)
from tests.unit.manifest.conftest import MANIFESTS, cls


def test_the_plan_checks_everything_that_fits_and_samples_beyond():
    fits = int(IMAGE_BUDGET_SECONDS * IMAGES_PER_SECOND)
    assert not plan_image_checks(fits * 200).sampled
    plan = plan_image_checks(250_000 * 4 * 200)  # four 250,000-line manifests' worth of bytes
    assert plan.sampled and plan.fraction == fits / 1_000_000
    assert "stratified sample of 18.0% of each label's images" in plan.reason


def test_the_sample_is_stratified_by_label():
    sampler = StratifiedSampler(0.25)
    taken = {"common": 0, "rare": 0}
    for number in range(400):
        label = "rare" if number % 40 == 0 else "common"
        taken[label] += sampler.take({label})
    assert taken == {"common": 98, "rare": 3}  # per label: the first, then every fourth (390 and 10 seen)


def test_the_lambda_says_up_front_that_it_samples_and_reports_what_it_checked(s3, put_image, put_manifest,
                                                                             caplog):
    lines = []
    for number in range(40):
        label = "cat" if number % 4 else "dog"
        put_image(f"s/{number}.jpg")
        lines.append(cls(f"s/{number}.jpg", label))
    event = {"trainingManifest": put_manifest(lines, "big.manifest"), "testingManifest": None,
             "checkImages": True, "outputPrefix": f"s3://{MANIFESTS}/validation/sampled"}
    budget = 10 / IMAGES_PER_SECOND  # room for 10 images; the manifest's size suggests more
    result = preflight(event, image_budget_seconds=budget)
    checks = result["imageChecks"]
    assert checks["sampled"] and 0 < checks["fraction"] < 1 and "stratified sample" in checks["reason"]
    assert checks["checked"] + checks["notSampled"] == 40 and checks["checked"] < 40
    assert result["canTrain"] is True
    planned = [record for record in caplog.records if record.getMessage() == "image checks planned"]
    validated = [record for record in caplog.records if record.getMessage() == "manifests validated"]
    assert planned and validated and planned[0].created <= validated[0].created
