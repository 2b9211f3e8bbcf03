"""Manifest validation engine: every manifest rule of Rekognition Custom Labels, run before training.

Public API (stable; the CLI, the validate_manifests Lambda and the local Custom Labels service use it):

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

from __future__ import annotations

import importlib
from typing import Any

# Names resolve on first use (PEP 562): the detect function imports manifest.images and manifest.rules
# for its image check and should not pay for the validator, the dataset model and the report writers.
_HOMES = {
    "codes": "", "limits": "",
    "apply_image": "check_line", "validate_line": "check_line",
    "DatasetResult": "dataset", "LineOutcome": "dataset",
    "ImageProbe": "images", "probe_image": "images",
    "parse_line": "json_line",
    "IMAGE_LEVEL_LABELS": "line", "NOT_DETERMINED": "line", "OBJECT_LOCALIZATION": "line", "Issue": "line",
    "LineResult": "line", "Status": "line", "Where": "line",
    "SUMMARY_FILE": "report", "TESTING_FILE": "report", "TRAINING_FILE": "report",
    "ValidationReport": "report",
    "ManifestFileError": "source",
    "validate_manifests": "validator",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not home:
        return importlib.import_module(f"{__name__}.{name}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


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
