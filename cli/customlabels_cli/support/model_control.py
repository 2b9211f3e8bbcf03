"""`start`, `stop` and `promote` share one shape: an execution of the model-control state machine
with {"action", "projectName", "versionName"[, "minInferenceUnits", "maxInferenceUnits", "force"]}."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from customlabels_cli.support import executions
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments


def register(
    subparsers, action: str, summary: str, description: str, *, version_required: bool
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(action, help=summary, description=description)
    parser.add_argument(
        "version",
        metavar="VERSION",
        nargs=None if version_required else "?",
        help="model version name" + ("" if version_required else " (default: the champion)"),
    )
    if action == "stop":
        parser.add_argument(
            "--hold",
            action="store_true",
            help="keep it stopped: uploads do not start it again (onModelStopped=start) until "
            "`customlabels start`",
        )
    else:
        parser.add_argument("--min-units", type=int, metavar="N", help="minimum inference units (default 1)")
        parser.add_argument(
            "--max-units", type=int, metavar="N", help="maximum inference units (auto scaling)"
        )
    if action == "promote":
        parser.add_argument(
            "--force",
            action="store_true",
            help="promote a version that did not pass the gate (recorded in the registry as forced)",
        )
    parser.add_argument("--no-wait", action="store_true", help="start the execution and return")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run, action=action)
    return parser


def control_input(action: str, project: str, version: str, args: argparse.Namespace) -> dict:
    payload = {"action": action, "projectName": project, "versionName": version}
    for key, value in (
        ("minInferenceUnits", getattr(args, "min_units", None)),
        ("maxInferenceUnits", getattr(args, "max_units", None)),
    ):
        if value is not None:
            payload[key] = value
    for flag in ("force", "hold"):
        if getattr(args, flag, False):
            payload[flag] = True
    return payload


def restart_warning(stack: Stack, args: argparse.Namespace) -> str | None:
    """A stopped model that the next upload starts again: say so, unless held."""
    if args.action != "stop" or args.hold or stack.outputs.get("OnModelStopped") != "start":
        return None
    return (
        "Note: this stack starts the champion again on the next upload to uploads/ "
        "(onModelStopped=start); `customlabels stop --hold` keeps it stopped until `customlabels start`."
    )


def champion_version(stack: Stack, project: str) -> str:
    champion = stack.registry().champion(project)
    if not champion:
        raise CliError(
            f"project {project} has no champion yet",
            "name the version (see `customlabels status`), or train one with `customlabels train`",
        )
    return champion["versionName"]


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    project = stack.project
    version = args.version or champion_version(stack, project)
    name = executions.execution_name(f"{args.action}-{version}".replace(".", "-"))
    arn = executions.start(
        stack, "ModelControlStateMachineArn", control_input(args.action, project, version, args), name, out
    )
    if args.no_wait:
        return EXIT_OK
    code = executions.wait(stack, arn, out)
    warning = restart_warning(stack, args)
    if code == EXIT_OK and warning:
        print(warning, file=out)
    return code
