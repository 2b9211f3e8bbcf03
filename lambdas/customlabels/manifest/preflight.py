"""The training state machine's manifest pre-flight: validate the manifests before any dataset is created.

Input:  {"trainingManifest": "s3://...", "testingManifest": "s3://..." | null,
         "outputPrefix": "s3://bucket/validation/<project>/<execution>", "checkImages": true}
Output: {"canTrain", "statusMessage", "fileError", "summaryUri", "files", "useCase",
         "counts": {"training": {...}, "testing": {...}}, "terminalErrors": [{"code", "message"}],
         "topLineErrors": [{"dataset", "code", "count", "lines", "firstLines"}],
         "imageChecks": {"sampled", "fraction", "reason", "checked", "notSampled"}}
A manifest-file error gives canTrain false with fileError set and no files (as the service does).
When checking every image would not fit the function's time, the plan (logged before the pass starts,
and returned) is a stratified sample of each label's images (customlabels.manifest.sampling).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from customlabels.manifest import ManifestFileError, ValidationReport, validate_manifests
from customlabels.manifest.report import SUMMARY_FILE
from customlabels.manifest.sampling import IMAGE_BUDGET_SECONDS, ImagePlan, plan_image_checks
from customlabels.s3uri import is_s3_uri, parse_s3_uri

logger = Logger(child=True)
TOP_LINE_ERRORS = 10


class InvalidEventError(ValueError):
    """The state passed to the step is malformed (a wiring bug, not a manifest problem)."""


def _parse_event(event: dict[str, Any]) -> tuple[str, str | None, str, bool]:
    training, testing = event.get("trainingManifest"), event.get("testingManifest")
    output, check_images = event.get("outputPrefix"), event.get("checkImages", True)
    problems = []
    if not is_s3_uri(training):
        problems.append(f"trainingManifest must be an s3:// URI, got {training!r}")
    if testing is not None and not is_s3_uri(testing):
        problems.append(f"testingManifest must be an s3:// URI or null, got {testing!r}")
    if not is_s3_uri(output):
        problems.append(f"outputPrefix must be an s3:// prefix, got {output!r}")
    if not isinstance(check_images, bool):
        problems.append(f"checkImages must be true or false, got {check_images!r}")
    if problems:
        raise InvalidEventError("; ".join(problems))
    return training, testing, output, check_images


def file_failure_message(failure: ManifestFileError, training: str, testing: str | None) -> str:
    """The service's message, then which file (training or testing manifest, or the output) and why."""
    which = {training: "training manifest", testing: "testing manifest"}.get(
        failure.location, "validation output"
    )
    return f"{failure.error.value} The {which} {failure.location}: {failure.detail}."


def _failure(failure: ManifestFileError, training: str, testing: str | None) -> dict[str, Any]:
    message = file_failure_message(failure, training, testing)
    return {
        "canTrain": False,
        "statusMessage": message,
        "fileError": failure.error.value,
        "fileErrorDetail": f"{failure.location}: {failure.detail}",
        "summaryUri": None,
        "files": {},
        "useCase": None,
        "counts": {},
        "terminalErrors": [],
        "topLineErrors": [],
    }


def _counts(report: ValidationReport) -> dict[str, dict[str, int]]:
    return {
        dataset.name: {
            "total": dataset.total,
            "valid": dataset.valid,
            "invalid": dataset.invalid,
            "ignored": dataset.ignored,
        }
        for dataset in (report.training, report.testing)
    }


def _top_line_errors(report: ValidationReport) -> list[dict[str, Any]]:
    found = [
        {"dataset": dataset.name, "code": code, "count": entry.count, "lines": entry.lines,
         "firstLines": entry.first_lines}
        for dataset in (report.training, report.testing)
        for code, entry in dataset.code_lines.items()
    ]
    return sorted(found, key=lambda item: -item["count"])[:TOP_LINE_ERRORS]


def _image_checks(report: ValidationReport, plan: ImagePlan) -> dict[str, Any]:
    datasets = (report.training, report.testing)
    return {**plan.entry(), "checked": sum(dataset.images.checked for dataset in datasets),
            "notSampled": sum(dataset.images.not_sampled for dataset in datasets)}


def plan_for(s3: Any, manifests: list[str], check_images: bool, budget_seconds: float) -> ImagePlan:
    """Decided before the pass, from the manifests' sizes (a manifest that cannot be read counts 0:
    the pass reports it)."""
    if not check_images:
        return ImagePlan(1.0, "image checks are off (checkImages is false)")
    total = 0
    for manifest in manifests:
        uri = parse_s3_uri(manifest)
        try:
            total += s3.head_object(Bucket=uri.bucket, Key=uri.key)["ContentLength"]
        except (ClientError, BotoCoreError):
            continue
    return plan_image_checks(total, budget_seconds=budget_seconds)


EVERY_IMAGE = ImagePlan()


def result(report: ValidationReport, files: dict[str, str], plan: ImagePlan = EVERY_IMAGE) -> dict[str, Any]:
    return {
        "canTrain": report.can_train,
        "statusMessage": report.status_message,
        "fileError": None,
        "summaryUri": files[SUMMARY_FILE],
        "files": files,
        "useCase": report.use_case,
        "counts": _counts(report),
        "terminalErrors": [issue.entry() for _, issue in report.terminal_issues()],
        "topLineErrors": _top_line_errors(report),
        "imageChecks": _image_checks(report, plan),
    }


def preflight(event: dict[str, Any], *, image_budget_seconds: float = IMAGE_BUDGET_SECONDS) -> dict[str, Any]:
    training, testing, output, check_images = _parse_event(event)
    s3 = boto3.client("s3")
    plan = plan_for(s3, [training, *([testing] if testing else [])], check_images, image_budget_seconds)
    logger.info("image checks planned", extra=plan.entry())
    with validate_manifests(training, testing, s3=s3, check_images=check_images,
                            image_fraction=plan.fraction) as report:
        if report.file_failure is not None:
            logger.warning("manifest file error", extra={"detail": str(report.file_failure)})
            return _failure(report.file_failure, training, testing)
        try:
            files = report.write(output, s3)
        except ManifestFileError as failure:
            logger.warning("cannot write validation files", extra={"detail": str(failure)})
            return _failure(failure, training, testing)
        outcome = result(report, files, plan)
    logger.info(
        "manifests validated",
        extra={
            "canTrain": outcome["canTrain"],
            "counts": outcome["counts"],
            "terminalErrors": outcome["terminalErrors"],
        },
    )
    return outcome
