"""Start a state-machine execution of the stack and, when asked, follow it to its end."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any, TextIO

from customlabels_cli.support import manifest_failure
from customlabels_cli.support.approval_wait import approval_notice
from customlabels_cli.support.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from customlabels_cli.support.progress import follow_execution
from customlabels_cli.support.stack import Stack


def execution_name(prefix: str) -> str:
    """Readable, unique (two in the same second differ), and allowed in a version name."""
    return f"{prefix[:60]}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def start(stack: Stack, machine_output: str, payload: dict, name: str, out: TextIO) -> str:
    arn = stack.client("stepfunctions").start_execution(
        stateMachineArn=stack.output(machine_output), name=name, input=json.dumps(payload)
    )["executionArn"]
    print(f"Started {name}\n  {arn}", file=out, flush=True)
    return arn


def outcome(execution: dict, out: TextIO) -> int:
    """Print what the ended execution says (its summary message or its failure cause)."""
    if execution["status"] == "SUCCEEDED":
        output: Any = json.loads(execution.get("output") or "{}")
        message = output.get("message") if isinstance(output, dict) else None
        print(message or "Succeeded.", file=out)
        return EXIT_OK
    error = execution.get("error") or execution["status"]
    cause = execution.get("cause") or "no cause given; see the execution history"
    print(f"{execution['status']}: {error}\n  {cause}", file=out)
    return EXIT_FAILED


def name_of(arn: str) -> str:
    """The execution's name: the last part of arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME."""
    return arn.rsplit(":", 1)[-1]


def wait(stack: Stack, arn: str, out: TextIO, follow_again: str | None = None) -> int:
    """Follow the execution to its end (exit 0 or 1); Ctrl-C stops following only (exit 130) and says
    how to follow it again (`follow_again`, default `customlabels watch NAME`)."""
    stepfunctions = stack.client("stepfunctions")
    try:
        execution = follow_execution(stepfunctions, arn, out, notice=approval_notice)
    except KeyboardInterrupt:
        print(f"\nStopped following {name_of(arn)}; the execution goes on. Follow it again with: "
              f"{follow_again or f'customlabels watch {name_of(arn)}'}", file=out, flush=True)
        return EXIT_INTERRUPTED
    code = outcome(execution, out)
    if execution.get("error") == "ManifestInvalid":
        state = manifest_failure.manifest_verdict(stepfunctions, arn)
        if state is not None:
            print("\n".join(manifest_failure.render(state)), file=out)
    return code
