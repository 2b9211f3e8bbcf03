"""`customlabels promote VERSION [--force]`: start a version, make it the champion, stop the previous one.
Only a version that passed the gate, unless --force.

`--to production` runs the production account's promotion state machine instead: copy VERSION from the
training project, start it, make it the production champion, stop the previous one. `--rollback` goes
back to the previous production champion."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from customlabels_cli.support import executions, model_control, production
from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.stack import Stack


def register(subparsers) -> None:
    parser = model_control.register(
        subparsers,
        "promote",
        "make a version the champion (starts it, stops the old one)",
        "Start VERSION, point the registry's champion at it (inference uses the champion) "
        "and stop the previous champion. VERSION must have passed the gate; --force overrides that "
        "and the registry records the promotion as forced. With --to production the production "
        "account's promotion state machine copies VERSION there first; --rollback (production only) "
        "restarts the previous production champion.",
        version_required=False,
    )
    parser.add_argument(
        "--to", choices=("training", "production"), default="training", help="which account's champion"
    )
    parser.add_argument("--rollback", action="store_true", help="production: back to the previous champion")
    production.add_role_argument(parser)
    parser.set_defaults(handler=run)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.to == "training":
        if args.rollback:
            raise CliError("--rollback is for --to production", "in training, promote the older VERSION")
        if not args.version:
            raise CliError("promote needs VERSION", "name the version (see `customlabels status`)")
        return model_control.run(args, out)
    training = Stack.from_args(args)
    if args.rollback:
        if args.version:
            raise CliError("--rollback takes no VERSION", "it goes back to the previous production champion")
        payload, label = {"action": "rollback"}, "rollback"
    else:
        if not args.version:
            raise CliError("promote --to production needs VERSION", "name an approved training version")
        payload, label = production.promotion_input(training, args.version, args.force), args.version
    for key, value in (("minInferenceUnits", args.min_units), ("maxInferenceUnits", args.max_units)):
        if value is not None:
            payload[key] = value
    target = production.production_stack(training, args)
    if args.rollback:
        production.check_rollback(target)
    name = executions.execution_name(f"production-{label}".replace(".", "-"))
    arn = executions.start(target, production.MACHINE_OUTPUT, payload, name, out)
    if args.no_wait:
        return EXIT_OK
    # `watch` reads the training stack; the promotion runs in the production account.
    again = f"aws stepfunctions describe-execution --execution-arn {arn} (production account credentials)"
    return executions.wait(target, arn, out, follow_again=again)
