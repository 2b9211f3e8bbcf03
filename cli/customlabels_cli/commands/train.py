"""`customlabels train --training MANIFEST [--testing MANIFEST] [--images DIR] [settings] [--wait]`: start the
training pipeline with its documented input (customlabels.training.input.training_form); local manifests
are uploaded with their images first (support/local_upload.py).

Exit 0: started (or, with --wait, succeeded); 1: the execution failed; 2: usage or access error."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from customlabels_cli.support import executions, local_upload
from customlabels_cli.support import training_preflight as preflight
from customlabels_cli.support.errors import EXIT_FAILED, EXIT_OK, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a number from 0 to 1")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="start the training pipeline (validate, train, evaluate, deploy, promote)",
        description="Start the stack's training state machine. Settings not given take the stack's "
        "defaults (cdk.json).",
    )
    parser.add_argument(
        "--training", required=True, metavar="MANIFEST",
        help="training manifest: s3:// URI in the console bucket, or a local .manifest (uploaded with its "
        "images under datasets/PROJECT/TIMESTAMP/, then validated)",
    )
    parser.add_argument("--testing", metavar="MANIFEST", help="testing manifest, s3:// or local "
                        "(default: auto-split 80/20)")
    local_upload.add_arguments(parser)
    parser.add_argument("--version", metavar="NAME",
                        help="model version name (default: PROJECT.UTCTIME-RANDOM, from the execution name)")
    parser.add_argument(
        "--name", metavar="EXECUTION", help="execution name (default: PROJECT-UTCTIME-RANDOM, unique)"
    )
    parser.add_argument("--f1-threshold", type=_fraction, metavar="F1", help="gate: minimum aggregated F1")
    parser.add_argument(
        "--min-label-f1", type=_fraction, metavar="F1", help="gate: minimum F1 of every label"
    )
    parser.add_argument(
        "--require-improvement",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="gate: must beat the champion's F1",
    )
    parser.add_argument(
        "--deploy",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="start and promote the model when it passes the gate",
    )
    parser.add_argument(
        "--require-approval",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="wait after the gate for `customlabels approve|reject` (bounded by --approval-timeout-hours)",
    )
    parser.add_argument("--approval-timeout-hours", type=float, metavar="H", help="how long to wait for it")
    parser.add_argument(
        "--promote-after-approval",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="once approved, start the production account's promotion (needs a production account)",
    )
    parser.add_argument("--min-units", type=int, metavar="N", help="minimum inference units")
    parser.add_argument("--max-units", type=int, metavar="N", help="maximum inference units (auto scaling)")
    parser.add_argument("--wait", action="store_true", help="show progress state by state until it ends")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def training_input(args: argparse.Namespace, project: str) -> dict:
    optional = {
        "testingManifest": args.testing,
        "versionName": args.version,
        "f1Threshold": args.f1_threshold,
        "minLabelF1": args.min_label_f1,
        "requireImprovement": args.require_improvement,
        "deploy": args.deploy,
        "minInferenceUnits": args.min_units,
        "maxInferenceUnits": args.max_units,
        "requireApproval": args.require_approval,
        "approvalTimeoutHours": args.approval_timeout_hours,
        "promoteAfterApproval": args.promote_after_approval,
    }
    return {
        "projectName": project,
        "trainingManifest": args.training,
        **{key: value for key, value in optional.items() if value is not None},
    }


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    project = stack.project
    name = args.name or executions.execution_name(project)
    preflight.check_execution_name(name)
    if (local_upload.is_local(args.training) or local_upload.is_local(args.testing)) and not (
        local_upload.upload_and_validate(stack, project, args, out)
    ):
        return EXIT_FAILED
    payload = training_input(args, project)
    settings = preflight.checked_settings(payload, name, stack.output("ConsoleBucketName"), project)
    stack.output("TrainingStateMachineArn")  # an outdated stack is named before any AWS call
    preflight.check_version_free(stack.client("rekognition"), stack.client("s3"), settings)
    arn = executions.start(stack, "TrainingStateMachineArn", payload, name, out)
    if not args.wait:
        print(
            f"Follow it with: aws stepfunctions describe-execution --execution-arn {arn}",
            file=out,
        )
        return EXIT_OK
    return executions.wait(stack, arn, out)
