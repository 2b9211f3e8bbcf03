"""Manifest validation engine: every manifest rule of Rekognition Custom Labels, run before training.

Public API (stable; the CLI, the validate_manifest Lambda and the local Custom Labels service use it):

- `validate_manifests(training, testing=None, *, s3=None, check_images=True, max_workers=16)
  -> ValidationReport`: training/testing are local paths or s3:// URIs. Streams each manifest once.
- `ValidationReport`: `can_train`, `use_case`, `summary` (manifest_summary.json, None after a
  manifest-file error), `terminal_errors` (codes), `status_message` (the StatusMessage of a
  TRAINING_FAILED version), `file_error` (manifest-file message, no code), `training` / `testing`
  (`DatasetResult`: counts, `outcomes` per line, `entries` = what the service trains on,
  `validation_lines()`), `validation_lines(dataset)`, `write(destination, s3=None)` -> {file: location}.
- `validate_line(text, line_number) -> LineResult` (status valid/invalid/ignored, `issues` with code and
  attachment level, `obj` (None for a line the fast path found clean), `labels` per use case,
  `validation_line()`), `probe_image(s3, source_ref) -> ImageProbe` and `apply_image(line_result, probe)`
  for one line's image check (CreateDataset / UpdateDatasetEntries in the local service).
- `customlabels.manifest.builders`: manifest line builders for converters.
- `codes` (every code, message and fix) and `limits` (every number).
"""

from customlabels.manifest import codes, limits
from customlabels.manifest.check_line import apply_image, validate_line
from customlabels.manifest.dataset import DatasetResult, LineOutcome
from customlabels.manifest.images import ImageProbe, probe_image
from customlabels.manifest.json_line import parse_line
from customlabels.manifest.line import (
    IMAGE_LEVEL_LABELS,
    NOT_DETERMINED,
    OBJECT_LOCALIZATION,
    Issue,
    LineResult,
    Status,
    Where,
)
from customlabels.manifest.report import SUMMARY_FILE, TESTING_FILE, TRAINING_FILE, ValidationReport
from customlabels.manifest.source import ManifestFileError
from customlabels.manifest.validator import validate_manifests

__all__ = [
    "IMAGE_LEVEL_LABELS",
    "NOT_DETERMINED",
    "OBJECT_LOCALIZATION",
    "SUMMARY_FILE",
    "TESTING_FILE",
    "TRAINING_FILE",
    "DatasetResult",
    "ImageProbe",
    "Issue",
    "LineOutcome",
    "LineResult",
    "ManifestFileError",
    "Status",
    "ValidationReport",
    "Where",
    "apply_image",
    "codes",
    "limits",
    "parse_line",
    "probe_image",
    "validate_line",
    "validate_manifests",
]
