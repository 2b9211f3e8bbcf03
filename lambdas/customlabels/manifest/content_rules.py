"""One predicate per terminal manifest-content error (spec 03 §4), over a scanned dataset's statistics,
plus the use-case choice they depend on."""

from __future__ import annotations

from customlabels.manifest import limits
from customlabels.manifest.dataset import DatasetResult
from customlabels.manifest.line import IMAGE_LEVEL_LABELS, NOT_DETERMINED, OBJECT_LOCALIZATION

MIN_LABELS = {IMAGE_LEVEL_LABELS: limits.MIN_LABELS_IMAGE_LEVEL,
              OBJECT_LOCALIZATION: limits.MIN_LABELS_OBJECT_LOCALIZATION,
              NOT_DETERMINED: limits.MIN_LABELS_OBJECT_LOCALIZATION}


def choose_use_case(use_case_lines: dict[str, int]) -> str:
    """The kind with more valid lines; a tie goes to image-level labels; no valid line: NOT_DETERMINED."""
    image_level = use_case_lines.get(IMAGE_LEVEL_LABELS, 0)
    localization = use_case_lines.get(OBJECT_LOCALIZATION, 0)
    if not image_level and not localization:
        return NOT_DETERMINED
    return OBJECT_LOCALIZATION if localization > image_level else IMAGE_LEVEL_LABELS


def _fraction(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def too_many_invalid_rows(dataset: DatasetResult) -> bool:
    return _fraction(dataset.invalid, dataset.total) > limits.MAX_INVALID_FRACTION


def too_many_records_in_error(dataset: DatasetResult) -> bool:
    return _fraction(dataset.dropped, dataset.total) > limits.MAX_INVALID_FRACTION


def rows_exceed_maximum(dataset: DatasetResult) -> bool:
    return dataset.rows_exceeded


def images_in_multiple_buckets(dataset: DatasetResult) -> bool:
    return len(dataset.buckets) > 1


def invalid_permissions_images_bucket(dataset: DatasetResult) -> bool:
    return dataset.images.denied > 0


def failed_images_s3_copy(dataset: DatasetResult) -> bool:
    return dataset.images.checked > 0 and dataset.images.readable == 0


def invalid_images_bucket_owner(images_owner: str | None, manifest_owner: str | None) -> bool:
    return images_owner is not None and manifest_owner is not None and images_owner != manifest_owner


def too_few_labels(dataset: DatasetResult) -> bool:
    return len(dataset.labels) < MIN_LABELS[dataset.use_case]


def too_many_labels(dataset: DatasetResult) -> bool:
    return len(dataset.labels) > limits.MAX_LABELS


def too_few_usable_labels(dataset: DatasetResult) -> bool:
    """Only once there are enough labels overall: then the shortfall is the other kind's lines."""
    return not too_few_labels(dataset) and len(dataset.usable_labels) < MIN_LABELS[dataset.use_case]


def insufficient_images_per_label_for_autosplit(dataset: DatasetResult) -> bool:
    counts = dataset.label_images.get(dataset.use_case, {})
    return any(count < limits.AUTOSPLIT_MIN_IMAGES_PER_LABEL for count in counts.values())


def _overlap_too_low(training: set[str], testing: set[str]) -> bool:
    return bool(training) and len(training & testing) / len(training) < limits.MIN_LABEL_OVERLAP


def insufficient_label_overlap(training: DatasetResult, testing: DatasetResult) -> bool:
    return _overlap_too_low(training.labels, testing.labels)


def insufficient_usable_label_overlap(training: DatasetResult, testing: DatasetResult) -> bool:
    """Only when the all-label overlap passes: then the shortfall comes from filtered-out lines."""
    return (not insufficient_label_overlap(training, testing)
            and _overlap_too_low(training.usable_labels, testing.usable_labels))
