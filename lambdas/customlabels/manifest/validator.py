"""validate_manifests: file checks for both manifests, one streaming pass each, then the terminal
content rules within and across the datasets."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from botocore.exceptions import BotoCoreError, ClientError

from customlabels.manifest import codes, content_rules, limits
from customlabels.manifest.codes import Code
from customlabels.manifest.dataset import DatasetResult, scan_dataset
from customlabels.manifest.images import probe_image
from customlabels.manifest.line import NOT_DETERMINED, Issue
from customlabels.manifest.report import ValidationReport
from customlabels.manifest.sampling import StratifiedSampler
from customlabels.manifest.source import ManifestFileError, ManifestSource, open_manifest
from customlabels.s3uri import is_s3_uri

IMAGE_CHECK_WORKERS = 16  # header probes in flight at once (threads); `make bench` measures this setting


def _percent(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} lines ({100 * part / whole if whole else 0:.1f}%)"


DATASET_RULES: tuple[tuple[Callable[[DatasetResult], bool], Code, Callable[[DatasetResult], str]], ...] = (
    (content_rules.too_many_invalid_rows, codes.TOO_MANY_INVALID_ROWS,
     lambda d: f"{_percent(d.invalid, d.total)} are invalid; the maximum is 20%"),
    (content_rules.too_many_records_in_error, codes.TOO_MANY_RECORDS_IN_ERROR,
     lambda d: f"{_percent(d.dropped, d.total)} are unparseable, lack a usable source-ref or repeat one"),
    (content_rules.rows_exceed_maximum, codes.ROWS_EXCEED_MAXIMUM,
     lambda d: f"only the first {d.total:,} lines were checked"),
    (content_rules.images_in_multiple_buckets, codes.IMAGES_IN_MULTIPLE_BUCKETS,
     lambda d: "buckets: " + ", ".join(f"{b} (first on line {n})" for b, n in list(d.buckets.items())[:5])),
    (content_rules.invalid_permissions_images_bucket, codes.INVALID_PERMISSIONS_IMAGES_BUCKET,
     lambda d: f"access was denied to {d.images.denied:,} images"),
    (content_rules.failed_images_s3_copy, codes.FAILED_IMAGES_S3_COPY,
     lambda d: f"none of the {d.images.checked:,} images could be read"),
    (content_rules.too_few_labels, codes.TOO_FEW_LABELS,
     lambda d: f"{len(d.labels)} labels on valid lines for use case {d.use_case}"),
    (content_rules.too_many_labels, codes.TOO_MANY_LABELS, lambda d: f"{len(d.labels)} labels (maximum 250)"),
    (content_rules.too_few_usable_labels, codes.TOO_FEW_USABLE_LABELS,
     lambda d: f"{len(d.usable_labels)} labels on {d.use_case} lines; lines of the other kind are not used"),
)
AUTOSPLIT_RULE = (content_rules.insufficient_images_per_label_for_autosplit,
                  codes.INSUFFICIENT_IMAGES_FOR_AUTOSPLIT,
                  lambda d: "labels with fewer than 2 images: " + ", ".join(sorted(
                      label for label, count in d.label_images.get(d.use_case, {}).items()
                      if count < limits.AUTOSPLIT_MIN_IMAGES_PER_LABEL)[:10]))
OVERLAP = str(int(limits.MIN_LABEL_OVERLAP * 100))  # the {} of the overlap messages


def validate_manifests(training: str, testing: str | None = None, *, s3=None, check_images: bool = True,
                       max_workers: int = IMAGE_CHECK_WORKERS, max_rows: int = limits.MAX_ROWS,
                       image_fraction: float = 1.0) -> ValidationReport:
    """Validate like CreateProjectVersion does. `training`/`testing` are local paths or s3:// URIs;
    `s3` is a boto3 S3 client (default: boto3.client("s3"), which honours AWS_ENDPOINT_URL).
    `image_fraction` < 1 checks a stratified sample of each label's images (sampling.py)."""
    if s3 is None and (check_images or is_s3_uri(training) or is_s3_uri(testing or "")):
        import boto3

        s3 = boto3.client("s3")
    sources: list[ManifestSource] = []
    report = ValidationReport()
    pool = ThreadPoolExecutor(max_workers=max_workers) if check_images else None
    try:
        sources.append(open_manifest(training, s3))
        if testing is not None:
            sources.append(open_manifest(testing, s3))
        probe = partial(probe_image, s3) if check_images else None
        for name, source in zip(("training", "testing"), sources, strict=False):
            sampler = StratifiedSampler(image_fraction) if check_images and image_fraction < 1 else None
            setattr(report, name, scan_dataset(name, source, max_rows=max_rows, probe=probe, pool=pool,
                                               sampler=sampler))
    except ManifestFileError as failure:
        report.close()
        return ValidationReport(file_failure=failure)
    finally:
        for source in sources:
            source.close()
        if pool is not None:
            pool.shutdown()
    _apply_content_rules(report, has_testing=testing is not None, s3=s3 if check_images else None)
    return report


def _apply_content_rules(report: ValidationReport, *, has_testing: bool, s3) -> None:
    training, testing = report.training, report.testing
    training.use_case = content_rules.choose_use_case(training.use_case_lines)
    rules = (*DATASET_RULES, AUTOSPLIT_RULE) if not has_testing else DATASET_RULES
    training.errors = _dataset_errors(training, rules, s3)
    if not has_testing:
        return
    testing.use_case = (training.use_case if training.use_case != NOT_DETERMINED
                        else content_rules.choose_use_case(testing.use_case_lines))
    testing.errors = _dataset_errors(testing, DATASET_RULES, s3)
    if content_rules.insufficient_label_overlap(training, testing):
        report.errors.append(Issue(codes.INSUFFICIENT_LABEL_OVERLAP, attribute=OVERLAP,
                                   detail=_overlap(training.labels, testing.labels)))
    if content_rules.insufficient_usable_label_overlap(training, testing):
        report.errors.append(Issue(codes.INSUFFICIENT_USABLE_LABEL_OVERLAP, attribute=OVERLAP,
                                   detail=_overlap(training.usable_labels, testing.usable_labels)))


def _overlap(training: set[str], testing: set[str]) -> str:
    return f"{len(training & testing)} of {len(training)} training labels are in the testing manifest"


def _dataset_errors(dataset: DatasetResult, rules, s3) -> list[Issue]:
    errors = [Issue(code, detail=detail(dataset)) for rule, code, detail in rules if rule(dataset)]
    if s3 is not None and dataset.manifest_bucket and dataset.buckets:
        images_bucket = next(iter(dataset.buckets))
        images_owner, manifest_owner = _owner(s3, images_bucket), _owner(s3, dataset.manifest_bucket)
        if content_rules.invalid_images_bucket_owner(images_owner, manifest_owner):
            detail = f"{images_bucket} and {dataset.manifest_bucket} have different owners"
            errors.append(Issue(codes.INVALID_IMAGES_BUCKET_OWNER, detail=detail))
    return errors


def _owner(s3, bucket: str) -> str | None:
    """Owner ID of a bucket, or None when it cannot be read (the check is then skipped)."""
    try:
        return s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
    except (ClientError, BotoCoreError, KeyError):
        return None
