"""`customlabels validate TRAINING [--testing T] [--output DIR|s3://PREFIX] [--skip-images] [--json]`.

Exit 0: training can proceed; 1: terminal manifest error(s), or s3:// manifests outside the console bucket
of the stack found (`train` would refuse them); 2: usage error, a manifest that could not
be reached, or something not checked or written (images unreadable for want of credentials or an
endpoint, output not writable): the structural report is still printed, with what was not done."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import TextIO

import boto3

from customlabels.manifest import ManifestFileError, ValidationReport, codes, validate_manifests
from customlabels.manifest.codes import FileError
from customlabels.manifest.dataset import CodeLines, DatasetResult
from customlabels_cli.support.pipeline_location import pipeline_refusal
from customlabels_cli.support.stack import add_stack_arguments

EXIT_OK, EXIT_TERMINAL, EXIT_ACCESS = 0, 1, 2
FIRST_LINES_SHOWN = 5
CREDENTIALS_FIX = ("configure AWS credentials (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID/"
                   "AWS_SECRET_ACCESS_KEY); offline, any value works, e.g. AWS_ACCESS_KEY_ID=testing")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check manifests the way training does, in seconds",
        description="Validate Ground Truth manifests with every Custom Labels rule before training.")
    parser.add_argument("training", metavar="TRAINING",
                        help="training manifest (any file extension, .manifest by convention): local path "
                        "or s3:// URI")
    parser.add_argument("--testing", metavar="TESTING", help="testing manifest (default: auto-split)")
    parser.add_argument("--output", metavar="DIR_OR_S3_PREFIX",
                        help="write manifest_summary.json and the two *_with_validation.json files here")
    parser.add_argument("--skip-images", action="store_true",
                        help="check manifest structure only; do not read image headers from S3")
    parser.add_argument("--json", action="store_true", help="print manifest_summary.json instead of a report")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class NotDone:
    """Something the run could not do: what, why, and what to do about it."""

    what: str
    why: str
    fix: str

    def text(self) -> str:
        return f"{self.what}: {self.why}.\n  fix: {self.fix}"


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    not_done: list[NotDone] = []
    session = boto3.Session()
    s3 = session.client("s3")
    check_images = not args.skip_images
    if check_images and session.get_credentials() is None:
        check_images = False
        not_done.append(_images_not_checked("no AWS credentials were found", credentials=True))
    report = validate_manifests(args.training, args.testing, s3=s3, check_images=check_images)
    if report.file_failure is None and (unreachable := _unreachable_images(report)):
        report.close()  # S3 could not be reached for any image: report the structure alone
        report = validate_manifests(args.training, args.testing, s3=s3, check_images=False)
        not_done.append(_images_not_checked(unreachable, credentials="credentials" in unreachable))
    with report:
        if report.file_failure is not None:
            return _file_failure(report.file_failure, args.json, out)
        locations = None
        if args.output:
            try:
                locations = report.write(args.output, s3)
            except ManifestFileError as failure:
                fix = codes.FILE_ERROR_FIXES[FileError.OUTPUT_NOT_WRITABLE]
                not_done.append(NotDone(f"The validation files were not written to {args.output}",
                                        failure.detail, fix))
        refusal = pipeline_refusal(args) if report.can_train else None
        if args.json:
            print(json.dumps(report.summary, indent=2, ensure_ascii=False), file=out)
            if refusal:
                print(f"`customlabels train` would refuse it: {refusal}", file=sys.stderr)
        else:
            print_report(report, out, refusal=refusal)
            if locations:
                print("\nWrote: " + ", ".join(locations.values()), file=out)
        for item in not_done:
            print(("\n" if not args.json else "") + item.text(), file=sys.stderr if args.json else out)
        if not report.can_train or refusal:
            return EXIT_TERMINAL
        return EXIT_ACCESS if not_done else EXIT_OK


def _images_not_checked(reason: str, *, credentials: bool) -> NotDone:
    fix = (CREDENTIALS_FIX if credentials else "check AWS_ENDPOINT_URL and the network")
    return NotDone("Image checks were not done (the report above covers the manifest structure only)",
                   reason, f"{fix} and run again, or pass --skip-images to check the structure alone")


def _unreachable_images(report: ValidationReport) -> str | None:
    """Why no image could be read when S3 itself could not be reached (credentials, endpoint, network)."""
    datasets = (report.training, report.testing)
    checked = sum(dataset.images.checked for dataset in datasets)
    if not checked or sum(dataset.images.unreachable for dataset in datasets) != checked:
        return None
    detail = next(entry.details[0] for dataset in datasets
                  if (entry := dataset.code_lines.get(codes.INVALID_IMAGE.name)) and entry.details)
    return detail.split("the object could not be read: ", 1)[-1]


def _file_failure(failure: ManifestFileError, as_json: bool, out: TextIO) -> int:
    if as_json:
        print(json.dumps({"fileError": failure.error.value, "location": failure.location,
                          "detail": failure.detail}), file=out)
    elif failure.no_credentials:
        print(f"Cannot read the manifest {failure.location}: {failure.detail}.\n  fix: {CREDENTIALS_FIX}",
              file=out)
    else:
        print(f"Manifest file error: {failure.error.value}\n  {failure.location}: {failure.detail}\n"
              f"  fix: {failure.fix}\nTraining cannot start (no validation files are produced).", file=out)
    return EXIT_ACCESS if failure.unreadable else EXIT_TERMINAL


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def count_text(code: codes.Code, entry: CodeLines) -> str:
    """'3 errors on 2 lines (lines 4, 9)': issues and the distinct lines holding them."""
    shown = ", ".join(map(str, entry.first_lines[:FIRST_LINES_SHOWN]))
    more = ", ..." if entry.lines > len(entry.first_lines[:FIRST_LINES_SHOWN]) else ""
    return (f"{_plural(entry.count, code.level.value)} on {_plural(entry.lines, 'line')} "
            f"({'line' if entry.lines == 1 else 'lines'} {shown}{more})")


def _message(code: codes.Code, entry: CodeLines) -> str:
    """The message with its placeholder filled (from the lines themselves)."""
    if not entry.messages:
        return code.message
    others = len(entry.messages) - 1
    return entry.messages[0] + (f" (and {others} other label attribute{'s' if others > 1 else ''})"
                                if others else "")


def _dataset_block(dataset: DatasetResult, out: TextIO) -> None:
    print(f"{dataset.name}: {dataset.location}\n  use case {dataset.use_case}: {dataset.total:,} lines, "
          f"{dataset.valid:,} valid, {dataset.invalid:,} invalid, {dataset.ignored:,} ignored", file=out)
    for name, entry in sorted(dataset.code_lines.items(), key=lambda item: -item[1].count):
        code = codes.ALL_CODES[name]
        print(f"  {name}: {count_text(code, entry)}: {_message(code, entry)}", file=out)
        if entry.details:
            print(f"    e.g. {entry.details[0]}", file=out)
        print(f"    fix: {code.fix}", file=out)


def print_report(report: ValidationReport, out: TextIO, *, refusal: str | None = None) -> None:
    """The datasets' findings; `refusal` is why the stack's pipeline would not take valid manifests."""
    _dataset_block(report.training, out)
    if report.testing.location:
        _dataset_block(report.testing, out)
    issues = report.terminal_issues()
    if not issues and refusal:
        print(f"\nNo terminal errors, but `customlabels train` would refuse it: {refusal}", file=out)
        return
    if not issues:
        print("\nNo terminal errors: training can proceed.", file=out)
        return
    print("\nTerminal errors (training would fail):", file=out)
    for scope, issue in issues:
        print(f"  [{scope}] {issue.code.name}: {issue.message}", file=out)
        if issue.detail:
            print(f"    {issue.detail}", file=out)
        print(f"    fix: {issue.code.fix}", file=out)
