"""`customlabels analyse SOURCE [--version NAME] [--min-confidence N] [--keep-running] [--wait]`: start
the batch-analysis state machine on a prefix (s3://bucket/prefix/), a manifest (s3://bucket/x.manifest)
or a video (s3://bucket/x.mp4 or .mov, analysed in frame chunks).

--wait shows a progress bar (items processed and failed, from the Map Run) and prints the summary.
Exit 0: started (or, with --wait, succeeded); 1: the execution failed; 2: usage or access error."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from customlabels_cli.support import executions
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.map_progress import follow_batch
from customlabels_cli.support.stack import Stack, add_stack_arguments


def _confidence(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a number from 0 to 100")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "analyse",
        help="label every image of an S3 prefix or manifest (batch analysis, Distributed Map)",
        description="Start the stack's batch-analysis state machine. The model (default: the champion) is "
        "started if needed and, unless --keep-running, stopped at the end when this run started it.",
    )
    parser.add_argument(
        "source", metavar="SOURCE", help="s3://BUCKET/PREFIX/, s3://BUCKET/KEY.manifest or s3://BUCKET/KEY.mp4"
    )
    parser.add_argument("--version", metavar="NAME", help="model version (default: the champion)")
    parser.add_argument("--min-confidence", type=_confidence, metavar="N", help="MinConfidence 0-100")
    parser.add_argument(
        "--keep-running", action="store_true", help="leave the model running even if this run started it"
    )
    parser.add_argument(
        "--name", metavar="EXECUTION", help="execution name (default: analyse-UTCTIME-RANDOM)"
    )
    parser.add_argument("--wait", action="store_true", help="show a progress bar, then print the summary")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def batch_input(args: argparse.Namespace) -> dict:
    if not args.source.startswith("s3://"):
        raise CliError(
            f"{args.source!r} is not an S3 URI", "write it as s3://BUCKET/PREFIX/ or s3://BUCKET/KEY.manifest"
        )
    payload: dict = {"source": args.source, "stopWhenDone": not args.keep_running}
    if args.version:
        payload["versionName"] = args.version
    if args.min_confidence is not None:
        payload["minConfidence"] = args.min_confidence
    return payload


def print_summary(summary: dict, out: TextIO) -> None:
    if "images" not in summary:  # a video source: MergeVideo's answer
        print(f"{summary['message']}\n  model {summary['modelVersion']['name']}", file=out)
        return
    images = summary["images"]
    print(
        f"{summary['message']}\n"
        f"  model {summary['modelVersion']['name']}: {images['analysed']} analysed, "
        f"{images['skipped']} skipped (already had a result), {images['failed']} failed, "
        f"{images['notImages']} keys not images; "
        f"{summary['imagesPerSecond']} images/s over {summary['seconds']} s",
        file=out,
    )
    if summary["labels"]:
        print(
            "  labels: " + ", ".join(f"{name} {count}" for name, count in summary["labels"].items()), file=out
        )
    for reason, count in summary["failures"]["reasons"].items():
        print(f"  failed {reason}: {count}", file=out)
    print(f"  results: {summary['resultsManifest']}\n  summary: {summary['summary']}", file=out)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    payload = batch_input(args)
    stack.output("BatchAnalysisStateMachineArn")  # an outdated stack is named before any AWS call
    name = args.name or executions.execution_name("analyse")
    arn = executions.start(stack, "BatchAnalysisStateMachineArn", payload, name, out)
    if not args.wait:
        print(f"Follow it with: aws stepfunctions describe-execution --execution-arn {arn}", file=out)
        return EXIT_OK
    execution = follow_batch(stack.client("stepfunctions"), arn, out)
    if execution["status"] == "SUCCEEDED":
        print_summary(json.loads(execution["output"]), out)
        return EXIT_OK
    return executions.outcome(execution, out)
