"""`customlabels report [VERSION] [--html FILE]`: a model version's evaluation (spec 04): aggregated
metrics, the per-label table and, for classification, the confusion matrix. Exit 0, or 2 when there
is no evaluation to read."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.evaluation_report import html_report, read_evaluation, text_report
from customlabels_cli.support.stack import Stack, add_stack_arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="evaluation of a model version: per-label table, confusion matrix (--html)",
        description="Print a trained version's evaluation summary (default: the champion, else the newest "
        "evaluated version).",
    )
    parser.add_argument("version", metavar="VERSION", nargs="?", help="model version name")
    parser.add_argument(
        "--summary", metavar="URI_OR_PATH", help="read this evaluation summary file instead of the registry's"
    )
    parser.add_argument("--html", metavar="FILE", type=Path, help="also write an HTML report here")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def pick_version(stack: Stack, wanted: str | None) -> dict:
    registry, project = stack.registry(), stack.project
    if wanted:
        item = registry.get_version(project, wanted)
        if item is None:
            raise CliError(
                f"version {wanted} is not in the registry of project {project}",
                "pick a version listed by `customlabels status`",
            )
        return item
    champion = registry.champion(project)
    if champion:
        return registry.get_version(project, champion["versionName"]) or {}
    evaluated = [item for item in registry.list_versions(project) if item.get("summaryUri")]
    if not evaluated:
        raise CliError(
            f"project {project} has no evaluated model version yet",
            "train one with `customlabels train ... --wait`",
        )
    return max(evaluated, key=lambda item: item.get("createdAt", ""))


def read_summary(location: str, s3: Any) -> dict:
    try:
        if is_s3_uri(location):
            uri = parse_s3_uri(location)
            return json.loads(s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read())
        return json.loads(Path(location).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CliError(
            f"cannot read the evaluation summary {location}: {error}",
            "pass the summary file's path or s3:// URI (EvaluationResult.Summary)",
        ) from None


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.summary and not is_s3_uri(args.summary):
        summary, version, s3 = read_summary(args.summary, None), args.version or args.summary, None
    else:
        stack = Stack.from_args(args)
        s3 = stack.client("s3")
        if args.summary:
            summary, version = read_summary(args.summary, s3), args.version or args.summary
        else:
            item = pick_version(stack, args.version)
            if not item.get("summaryUri"):
                raise CliError(
                    f"version {item.get('versionName')} has no evaluation (status {item.get('status')})",
                    "wait for its training to finish, or pick another",
                )
            summary, version = read_summary(item["summaryUri"], s3), item["versionName"]
    try:
        evaluation = read_evaluation(summary, version)
    except (KeyError, TypeError, ValueError) as error:
        raise CliError(
            f"{version}'s summary is not an evaluation summary file: missing {error}",
            "pass a summary file Custom Labels wrote (spec 04 §8)",
        ) from None
    print(text_report(evaluation), file=out)
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(html_report(evaluation, f"Evaluation of {version}"), encoding="utf-8")
        print(f"\nHTML report: {args.html}", file=out)
    return EXIT_OK
