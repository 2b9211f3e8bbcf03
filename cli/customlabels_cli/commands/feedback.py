"""`customlabels feedback add|export|import|status`: the model-feedback loop (docs/feedback.md).

Exit 0 ok; 1 when an import had nothing to import; 2 usage or access error."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from customlabels.feedback.lineage import Lineage
from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.converters.groundtruth import DEFAULT_ACCEPT, read_job_output
from customlabels_cli.feedback import dataset_update
from customlabels_cli.feedback.answers import csv_answers, groundtruth_answers, read_text
from customlabels_cli.feedback.export_files import csv_text, groundtruth_text
from customlabels_cli.feedback.importer import Importer, ImportReport, classification_attribute, new_report
from customlabels_cli.feedback.review_store import IMPORTED, IN_REVIEW, OPEN, ReviewStore, record_id
from customlabels_cli.support.errors import EXIT_FAILED, EXIT_OK, CliError, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments

OFF = "off"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "feedback", help="review low-confidence results, import people's answers, retrain",
        description="The model-feedback loop: results below reviewBelowConfidence (or with no label) are "
        "collected for review; export them for people, import their answers into a new training manifest; "
        "the stack retrains after retrainAfterImages corrected images.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add images to the review set by hand")
    add.add_argument("images", nargs="+", metavar="S3_URI", help="s3://BUCKET/KEY of an image")
    add.set_defaults(handler=run_add)

    export = actions.add_parser("export", help="write the open review set for people to answer")
    export.add_argument("--format", choices=("csv", "groundtruth"), default="csv",
                        help="csv: image, predicted label, confidence, correct label (fill the last column); "
                        "groundtruth: a label verification / adjustment job's input manifest (default csv)")
    export.add_argument("--limit", type=int, metavar="N", help="at most N images (oldest first)")
    export.add_argument("--output", metavar="FILE", help="local path or s3:// URI (default: "
                        "review-<export id>.csv or .manifest here)")
    export.set_defaults(handler=run_export)

    answers = actions.add_parser("import", help="import answers: a filled CSV or a Ground Truth output")
    answers.add_argument("file", metavar="FILE", help="the filled CSV (.csv) or the job's output manifest, "
                         "local or s3://")
    answers.add_argument("--accept", action="append", metavar="ANSWER",
                         help=f"verification answer meaning 'correct' (default {', '.join(DEFAULT_ACCEPT)})")
    answers.add_argument("--dataset", action="store_true",
                         help="also add the corrected lines to the project's TRAIN dataset "
                         "(UpdateDatasetEntries, in requests under 5 MB)")
    answers.set_defaults(handler=run_import)

    status = actions.add_parser("status", help="open, in review and imported counts; next retraining")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=run_status)
    for sub in (add, export, answers, status):
        add_stack_arguments(sub)


def _store(stack: Stack) -> ReviewStore:
    return ReviewStore(stack.client("s3"), stack.output("InferenceBucketName"), stack.project)


@guarded
def run_add(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    store = _store(Stack.from_args(args))
    for uri in args.images:
        entry, added = store.add(uri)
        what = "added" if added else "already in the review set:"
        print(f"{what} {uri} (version {entry['version']})", file=out)
    return EXIT_OK


def _write(text: str, destination: str, s3: Any) -> None:
    if is_s3_uri(destination):
        location = parse_s3_uri(destination)
        s3.put_object(Bucket=location.bucket, Key=location.key, Body=text.encode())
    else:
        Path(destination).write_text(text, encoding="utf-8")


@guarded
def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.limit is not None and args.limit < 1:
        raise CliError(f"--limit {args.limit} is not allowed", "give a whole number of at least 1")
    store = _store(Stack.from_args(args))
    entries = store.entries()
    states = store.states(entries)
    waiting = [entry for entry in entries if states[entry["id"]] == OPEN]
    frames = [entry for entry in waiting if "frameMs" in entry]
    chosen = [entry for entry in waiting if "frameMs" not in entry][: args.limit]
    if frames:
        print(f"{len(frames)} video frame(s) not exported: extract a frame as an image and "
              "`customlabels feedback add` it", file=out)
    if not chosen:
        print("nothing to export: the review set has no open images", file=out)
        return EXIT_OK
    text = csv_text(chosen) if args.format == "csv" else groundtruth_text(chosen)
    suffix = ".csv" if args.format == "csv" else ".manifest"
    export_id = record_id()
    destination = args.output or f"review-{export_id}{suffix}"
    _write(text, destination, store.s3)
    store.record_export(export_id, [entry["id"] for entry in chosen], args.format, destination)
    print(f"exported {len(chosen)} image(s) to {destination} (export {export_id}); they are now in review",
          file=out)
    return EXIT_OK


def _print_import(report: ImportReport, out: TextIO) -> None:
    for where, why in report.problems:
        print(f"  not imported: {where}: {why}", file=out)
    if not report.images:
        print(f"nothing imported ({len(report.problems)} line(s) reported)", file=out)
        return
    print(f"imported {len(report.images)} image(s) as import {report.import_id}"
          f"{f', {len(report.problems)} line(s) reported' if report.problems else ''}", file=out)
    new = ", ".join(report.new_labels) or "none"
    print(f"labels: {', '.join(report.labels)}; new labels: {new}", file=out)
    print(f"training manifest: {report.manifest} (merged with {report.base_manifest})", file=out)


@guarded
def run_import(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    s3, store = stack.client("s3"), _store(stack)
    importer = Importer(s3=s3, registry=stack.registry(), store=store,
                        console_bucket=stack.output("ConsoleBucketName"))
    base_uri, base_lines = importer.base()
    if args.file.lower().endswith(".csv"):
        answers = csv_answers(read_text(args.file, s3), classification_attribute(base_lines))
    else:
        answers = groundtruth_answers(read_job_output(args.file, s3), tuple(args.accept or DEFAULT_ACCEPT))
    report = importer.run(answers, args.file, new_report(base_uri), base_lines)
    _print_import(report, out)
    if not report.images:
        return EXIT_FAILED
    if args.dataset:
        rekognition = stack.client("rekognition")
        requests = dataset_update.update_train_dataset(rekognition, stack.project, report.lines)
        print(f"TRAIN dataset updated with {len(report.lines)} line(s) in {requests} request(s)", file=out)
    print(_retraining(stack), file=out)
    return EXIT_OK


def _retraining(stack: Stack) -> str:
    """When the next retraining starts (the trigger may already have taken the images: offline at once,
    in AWS within seconds of the import)."""
    after = stack.outputs.get("RetrainAfterImages", OFF)
    pending = Lineage(stack.registry()).pending(stack.project)
    since = f"{pending['pendingImages']} corrected image(s) since the last training"
    if after == OFF:
        return f"{since}; automatic retraining is off (retrainAfterImages): run `customlabels train`"
    if pending["pendingImages"] == 0 and pending["lastTraining"]:
        last = pending["lastTraining"]
        return f"retraining on {last['images']} corrected image(s) started: {last['executionArn']}"
    if pending["pendingImages"] >= int(after):
        return f"{since}: at least {after}, so the retraining is starting"
    return f"{since}; retraining starts at {after}"


def feedback_status(stack: Stack) -> dict[str, Any]:
    store = _store(stack)
    entries = store.entries()
    states = store.states(entries)
    frames = {entry["id"] for entry in entries if "frameMs" in entry}
    images = [state for entry_id, state in states.items() if entry_id not in frames]
    counts = {state: images.count(state) for state in (OPEN, IN_REVIEW, IMPORTED)}
    lineage = Lineage(stack.registry())
    pending = lineage.pending(stack.project)
    imports = lineage.imports(stack.project)
    waiting = set(pending["pendingImports"])
    return {
        "open": counts[OPEN], "inReview": counts[IN_REVIEW], "imported": counts[IMPORTED],
        "videoFrames": len(frames),
        "imports": len(imports),
        "newLabels": sorted({label for item in imports if item["importId"] in waiting
                             for label in item.get("newLabels", [])}),
        "imagesSinceLastTraining": pending["pendingImages"],
        "retrainAfterImages": stack.outputs.get("RetrainAfterImages", OFF),
        "reviewBelowConfidence": stack.outputs.get("ReviewBelowConfidence", OFF),
        "lastTraining": pending["lastTraining"],
    }


@guarded
def run_status(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    status = feedback_status(stack)
    if args.json:
        print(json.dumps(status, indent=2), file=out)
        return EXIT_OK
    print(f"review set: {status['open']} open, {status['inReview']} in review, {status['imported']} imported "
          f"(collecting results below {status['reviewBelowConfidence']}); {status['videoFrames']} video "
          "frame(s), which are not exported", file=out)
    print(f"imports: {status['imports']}; new labels waiting for training: "
          f"{', '.join(status['newLabels']) or 'none'}", file=out)
    print(_retraining(stack), file=out)
    return EXIT_OK
