"""`customlabels validate TRAINING [--testing T] [--output DIR|s3://PREFIX] [--skip-images] [--json]`.

Exit 0: training can proceed; 1: terminal manifest error(s); 2: usage error or a manifest/images that
could not be reached."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from customlabels.manifest import ManifestFileError, ValidationReport, codes, validate_manifests
from customlabels.manifest.dataset import DatasetResult

EXIT_OK, EXIT_TERMINAL, EXIT_ACCESS = 0, 1, 2
FIRST_LINES_SHOWN = 5


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check manifests the way training does, in seconds",
        description="Validate Ground Truth manifests with every Custom Labels rule before training.")
    parser.add_argument("training", metavar="TRAINING", help="training manifest: local path or s3:// URI")
    parser.add_argument("--testing", metavar="TESTING", help="testing manifest (default: auto-split)")
    parser.add_argument("--output", metavar="DIR_OR_S3_PREFIX",
                        help="write manifest_summary.json and the two *_with_validation.json files here")
    parser.add_argument("--skip-images", action="store_true",
                        help="check manifest structure only; do not read image headers from S3")
    parser.add_argument("--json", action="store_true", help="print manifest_summary.json instead of a report")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    with validate_manifests(args.training, args.testing, check_images=not args.skip_images) as report:
        if report.file_failure is not None:
            return _file_failure(report.file_failure, args.json, out)
        unreachable = _unreachable_images(report)
        if unreachable:
            print(f"error: cannot read images from S3: {unreachable}", file=sys.stderr)
            return EXIT_ACCESS
        if args.output:
            try:
                locations = report.write(args.output)
            except ManifestFileError as failure:
                return _file_failure(failure, args.json, out)
        if args.json:
            print(json.dumps(report.summary, indent=2, ensure_ascii=False), file=out)
        else:
            print_report(report, out)
            if args.output:
                print("\nWrote: " + ", ".join(locations.values()), file=out)
        return EXIT_OK if report.can_train else EXIT_TERMINAL


def _unreachable_images(report: ValidationReport) -> str | None:
    """S3 could not be reached for any image (credentials/endpoint): an access error, not a manifest one."""
    images = report.training.images
    if images.checked and images.unreachable == images.checked:
        return report.training.code_lines[codes.INVALID_IMAGE.name].details[0]
    return None


def _file_failure(failure: ManifestFileError, as_json: bool, out: TextIO) -> int:
    if as_json:
        print(json.dumps({"fileError": failure.error.value, "location": failure.location,
                          "detail": failure.detail}), file=out)
    else:
        print(f"Manifest file error: {failure.error.value}\n  {failure.location}: {failure.detail}\n"
              f"  fix: {failure.fix}\nTraining cannot start (no validation files are produced).", file=out)
    return EXIT_ACCESS if failure.unreadable else EXIT_TERMINAL


def _dataset_block(dataset: DatasetResult, out: TextIO) -> None:
    print(f"{dataset.name}: {dataset.location}\n  use case {dataset.use_case}: {dataset.total:,} lines, "
          f"{dataset.valid:,} valid, {dataset.invalid:,} invalid, {dataset.ignored:,} ignored", file=out)
    for name, entry in sorted(dataset.code_lines.items(), key=lambda item: -item[1].count):
        code = codes.ALL_CODES[name]
        more = ", ..." if entry.count > len(entry.first_lines) else ""
        lines = ", ".join(map(str, entry.first_lines[:FIRST_LINES_SHOWN]))
        print(f"  {name} x{entry.count} (lines {lines}{more}): {code.message}", file=out)
        if entry.details:
            print(f"    e.g. {entry.details[0]}", file=out)
        print(f"    fix: {code.fix}", file=out)


def print_report(report: ValidationReport, out: TextIO) -> None:
    _dataset_block(report.training, out)
    if report.testing.location:
        _dataset_block(report.testing, out)
    issues = report.terminal_issues()
    if not issues:
        print("\nNo terminal errors: training can proceed.", file=out)
        return
    print("\nTerminal errors (training would fail):", file=out)
    for scope, issue in issues:
        print(f"  [{scope}] {issue.code.name}: {issue.message}", file=out)
        if issue.detail:
            print(f"    {issue.detail}", file=out)
        print(f"    fix: {issue.code.fix}", file=out)
