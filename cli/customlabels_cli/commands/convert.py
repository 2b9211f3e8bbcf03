"""`customlabels convert folders|csv|coco|groundtruth-multilabel|groundtruth-verification ...`: make a
Custom Labels manifest, then validate it.

Exit 0: the manifest is written and passes `validate`; 1: written, but it cannot train as it is (the
report says why), or a CSV lists an image twice (no manifest; helper CSVs written); 2: bad input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from customlabels.manifest import validate_manifests
from customlabels_cli.commands.validate import print_report
from customlabels_cli.converters.coco import convert_coco, read_coco
from customlabels_cli.converters.conversion import Conversion, ConversionError, write_manifest
from customlabels_cli.converters.csv_manifest import convert_rows, read_rows, split_duplicates
from customlabels_cli.converters.folders import convert_folders
from customlabels_cli.converters.groundtruth import (
    DEFAULT_ACCEPT,
    convert_multilabel,
    convert_verification,
    read_job_output,
)
from customlabels_cli.support.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, guarded

SKIPPED_SHOWN = 5


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="make a manifest from image folders, a CSV file, a COCO file or a Ground Truth job output",
        description="Convert labeled images to a Ground Truth manifest and validate it.",
    )
    formats = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")

    folders = formats.add_parser(
        "folders",
        help="subfolder names are the labels (as the console's S3 folder import)",
        description="Label each image with the name of its first-level subfolder under SOURCE, as the "
        "console does; images directly in SOURCE are skipped.",
    )
    folders.add_argument("source", metavar="SOURCE", help="s3://BUCKET/PREFIX/ or a local folder")
    folders.add_argument(
        "--s3-path",
        metavar="S3_PREFIX",
        help="for a local folder: where its images are in S3 (same relative paths)",
    )
    folders.add_argument(
        "-o", "--output", required=True, metavar="MANIFEST", help="output .manifest: local path or s3:// URI"
    )
    folders.set_defaults(handler=run_folders)

    csv = formats.add_parser(
        "csv",
        help="a CSV file of IMAGE,LABEL[,LABEL...] rows, no header, to image-level labels",
        description="Rows are IMAGE,LABEL[,LABEL...] with no header. IMAGE is a file name (with --s3-path) "
        "or an s3:// URI. A duplicated image writes BASE-deduplicated.csv and BASE-duplicates.csv "
        "instead of a manifest.",
    )
    csv.add_argument("source", metavar="CSV", type=Path)
    csv.add_argument("--s3-path", metavar="S3_PREFIX", help="prefix for column-1 file names")
    csv.add_argument(
        "-o", "--output", metavar="MANIFEST", help="output .manifest (default: CSV base + .manifest)"
    )
    csv.set_defaults(handler=run_csv)

    coco = formats.add_parser(
        "coco",
        help="COCO object-detection JSON to a bounding-box manifest",
        description="One manifest line per COCO image (also those without annotations).",
    )
    coco.add_argument("source", metavar="COCO_JSON", type=Path)
    coco.add_argument(
        "--s3-path",
        metavar="S3_PREFIX",
        help="prefix for file_name (default: coco_url when it is an s3:// URI)",
    )
    coco.add_argument(
        "-o", "--output", required=True, metavar="MANIFEST", help="output .manifest: local path or s3:// URI"
    )
    coco.set_defaults(handler=run_coco)

    multilabel = formats.add_parser(
        "groundtruth-multilabel",
        help="a Ground Truth multi-label classification output to one label attribute per label",
        description="Custom Labels cannot read a multi-label job's list of class ids: each chosen label "
        "becomes its own image-level label attribute JOB0, JOB1, ... with its class name and confidence. "
        "Lines where the worker chose no label are skipped.",
    )
    _in_out(multilabel)
    multilabel.set_defaults(handler=run_multilabel)

    verification = formats.add_parser(
        "groundtruth-verification",
        help="a label verification or adjustment job output: keep only labels a person confirmed or fixed",
        description="Keeps the image-level and bounding-box labels of each line that a person confirmed in a "
        "label verification job (its answer is one of --accept) or reviewed in an adjustment job "
        "(adjustment-status adjusted or unadjusted; the adjusted labels replace the originals). Every "
        "other line is skipped, with the reason.",
    )
    _in_out(verification)
    verification.add_argument(
        "--accept", action="append", metavar="ANSWER",
        help=f"a verification answer meaning the label is correct (any case; repeatable; default "
        f"{', '.join(DEFAULT_ACCEPT)})",
    )
    verification.set_defaults(handler=run_verification)


def _in_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="IN", help="the job's output.manifest: local path or s3:// URI")
    parser.add_argument("output", metavar="OUT", nargs="?",
                        help="output .manifest: local path or s3:// URI (default: custom_labels_<IN name>."
                        "manifest in the current folder)")


def _default_output(source: str) -> str:
    stem = source.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "output"
    return f"custom_labels_{stem}.manifest"


@guarded
def run_folders(args: argparse.Namespace, out: TextIO | None = None) -> int:
    return _convert(
        lambda: convert_folders(args.source, s3_path=args.s3_path), args.output, out or sys.stdout
    )


@guarded
def run_csv(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        rows = read_rows(args.source)
    except ConversionError as error:
        return _bad_input(error)
    duplicates = split_duplicates(args.source, rows)
    if duplicates:
        print(
            f"{duplicates.count} row(s) list an image already listed: no manifest written.\n"
            f"  first rows: {duplicates.deduplicated}\n  repeated rows: {duplicates.duplicates}\n"
            f"  fix: merge each image's labels into one row of {duplicates.deduplicated} and convert it",
            file=out,
        )
        return EXIT_FAILED
    output = args.output or str(args.source.with_suffix(".manifest"))
    return _convert(lambda: convert_rows(rows, args.s3_path), output, out)


@guarded
def run_coco(args: argparse.Namespace, out: TextIO | None = None) -> int:
    return _convert(
        lambda: convert_coco(read_coco(args.source), args.s3_path), args.output, out or sys.stdout
    )


@guarded
def run_multilabel(args: argparse.Namespace, out: TextIO | None = None) -> int:
    return _convert(lambda: convert_multilabel(read_job_output(args.source)),
                    args.output or _default_output(args.source), out or sys.stdout)


@guarded
def run_verification(args: argparse.Namespace, out: TextIO | None = None) -> int:
    return _convert(lambda: convert_verification(read_job_output(args.source), args.accept or DEFAULT_ACCEPT),
                    args.output or _default_output(args.source), out or sys.stdout)


def _bad_input(error: ConversionError) -> int:
    print(f"error: {error.message}\n  fix: {error.fix}", file=sys.stderr)
    return EXIT_USAGE


def _convert(build, output: str, out: TextIO) -> int:
    try:
        conversion: Conversion = build()
        write_manifest(conversion.lines, output)
    except ConversionError as error:
        return _bad_input(error)
    print(
        f"Wrote {output}: {len(conversion.lines)} images, {len(conversion.labels)} labels "
        f"({', '.join(sorted(conversion.labels)[:10])}{', ...' if len(conversion.labels) > 10 else ''})",
        file=out,
    )
    if conversion.skipped:
        print(f"Skipped {len(conversion.skipped)}:", file=out)
        for item, reason in conversion.skipped[:SKIPPED_SHOWN]:
            print(f"  {item}: {reason}", file=out)
        if len(conversion.skipped) > SKIPPED_SHOWN:
            print(f"  ... and {len(conversion.skipped) - SKIPPED_SHOWN} more", file=out)
    with validate_manifests(output, check_images=False) as report:
        if report.can_train:
            print(
                "Validated (structure; run `customlabels validate` to also check the images): "
                "training can proceed.",
                file=out,
            )
            return EXIT_OK
        print("The manifest cannot train as it is:", file=out)
        print_report(report, out)
        return EXIT_FAILED
