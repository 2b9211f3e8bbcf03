"""`customlabels report [VERSION] [--html FILE]`: a model version's evaluation (spec 04): aggregated
metrics, the per-label table and, for classification, the confusion matrix. Exit 0, or 2 when there
is no evaluation to read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from customlabels.rekognition.versions import DELETED
from customlabels.s3uri import is_s3_uri
from customlabels_cli.console.rendering import s3_data_uri, static_report
from customlabels_cli.support import version_evaluation
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.evaluation_report import text_report
from customlabels_cli.support.stack import Stack, add_stack_arguments
from customlabels_cli.support.version_evaluation import VersionEvaluation


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="evaluation of a model version: per-label table, confusion matrix, gate and lineage (--html)",
        description="Print a trained version's evaluation summary (default: the champion, else the newest "
        "evaluated version), with its gate result, thresholds and manifests.",
    )
    parser.add_argument("version", metavar="VERSION", nargs="?", help="model version name")
    parser.add_argument(
        "--summary", metavar="URI_OR_PATH", help="read this evaluation summary file instead of the registry's"
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        type=Path,
        help="also write a self-contained HTML page: the console's evaluation page, test images embedded",
    )
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def summary_only(location: str, version: str, s3: Any) -> VersionEvaluation:
    summary = version_evaluation.read_summary(location, s3)
    return VersionEvaluation(version_evaluation.parse_evaluation(summary, version), None, [], [])


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.html and not args.html.parent.is_dir():
        raise CliError(f"folder {args.html.parent} does not exist", "create it, or pass another --html FILE")
    if args.summary and not is_s3_uri(args.summary):
        view, s3 = summary_only(args.summary, args.version or args.summary, None), None
    else:
        stack = Stack.from_args(args)
        s3 = stack.client("s3")
        if args.summary:
            view = summary_only(args.summary, args.version or args.summary, s3)
        else:
            item = version_evaluation.pick_version(stack, args.version)
            view = version_evaluation.load(stack, item)
            if item.get("status") == DELETED:
                print(f"{item['versionName']} was deleted by `customlabels teardown`: this is its evaluation "
                      "as training wrote it to S3 (no test images: the service no longer describes it)\n",
                      file=out)
    print(text_report(view.evaluation, view.lineage), file=out)
    if args.html:
        args.html.write_text(static_report(view, s3_data_uri(s3)), encoding="utf-8")
        print(f"\nHTML report: {args.html}", file=out)
    return EXIT_OK
