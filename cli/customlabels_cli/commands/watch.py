"""`customlabels watch [EXECUTION]`: follow a running (or ended) execution of the stack, state by state, as
`train --wait` does; after Ctrl-C, or from another shell. Without EXECUTION, the newest training run.

Exit 0: it succeeded; 1: it failed; 2: usage or access error; 130: Ctrl-C (the execution goes on)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from botocore.exceptions import ClientError

from customlabels_cli.support import executions
from customlabels_cli.support.errors import CliError, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments

MACHINE_SUFFIX = "StateMachineArn"
TRAINING = "TrainingStateMachineArn"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="follow an execution (default: the newest training run) until it ends",
        description="Show an execution's progress state by state until it ends, with its outcome, as "
        "`train --wait` does. EXECUTION is its name or ARN; without it, the newest training run.",
    )
    parser.add_argument("execution", nargs="?", metavar="EXECUTION", help="execution name or ARN")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def _execution_arn(machine_arn: str, name: str) -> str:
    """Step Functions' ARN form: arn:...:stateMachine:MACHINE -> arn:...:execution:MACHINE:NAME."""
    return f"{machine_arn.replace(':stateMachine:', ':execution:', 1)}:{name}"


def _named(stack: Stack, name: str) -> str:
    sfn = stack.client("stepfunctions")
    machines = [value for key, value in sorted(stack.outputs.items()) if key.endswith(MACHINE_SUFFIX)]
    for machine in machines:
        arn = _execution_arn(machine, name)
        try:
            sfn.describe_execution(executionArn=arn)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
                continue
            raise
        return arn
    raise CliError(f"no execution {name} in the stack's state machines",
                   "give the name `train` printed (or its ARN), or leave it out for the newest training run")


def _newest(stack: Stack) -> str:
    page = stack.client("stepfunctions").list_executions(
        stateMachineArn=stack.output(TRAINING), maxResults=100)
    runs = sorted(page["executions"], key=lambda execution: execution["startDate"], reverse=True)
    if not runs:
        raise CliError("the training state machine has no executions yet",
                       "start one with `customlabels train`")
    return runs[0]["executionArn"]


def _find(stack: Stack, target: str | None) -> str:
    if not target:
        return _newest(stack)
    return target if target.startswith("arn:") else _named(stack, target)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    arn = _find(stack, args.execution)
    print(f"Following {executions.name_of(arn)}\n  {arn}", file=out, flush=True)
    return executions.wait(stack, arn, out)
