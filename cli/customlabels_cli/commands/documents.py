"""`customlabels documents [--resend] [--json] [--older-than MINUTES]`: the result documents the
result-document writer has not written to S3 (the item still carries `document`), and re-sending them
to the writer once the cause (S3 or KMS refused, throttling) is fixed. Exit 0 when listed or re-sent,
2 when the stack or the table cannot be reached."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TextIO

from customlabels_cli.support.errors import EXIT_OK, guarded
from customlabels_cli.support.pending_documents import (
    PendingDocument,
    iso_cutoff,
    pending_documents,
    resend,
)
from customlabels_cli.support.stack import Stack, add_stack_arguments
from customlabels_cli.support.tables import table

DEFAULT_OLDER_THAN = 5.0  # minutes: a younger document is normally still on its way through the stream
HEADERS = ("finished at", "image", "version", "result document", "re-sent")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "documents",
        help="result documents the writer has not written to S3; --resend makes it try again",
        description="List the results-table items that still carry their result document (the "
        "result-document writer gave up on them, e.g. S3 or KMS refused), oldest first. After fixing "
        "the cause, --resend makes the writer try each of them again.",
    )
    parser.add_argument(
        "--older-than",
        type=_minutes,
        default=DEFAULT_OLDER_THAN,
        metavar="MINUTES",
        help=f"only items finished more than this long ago (default {DEFAULT_OLDER_THAN:g}; "
        "newer ones are normally in flight)",
    )
    parser.add_argument("--resend", action="store_true", help="make the writer try each listed item again")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def _minutes(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes (e.g. 5 or 0.5)") from None
    if minutes < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative: pass 0 or more minutes")
    return minutes


def render_pending(found: list[PendingDocument], older_than: float) -> str:
    if not found:
        return (f"No result documents waiting: every item older than {older_than:g} minutes has its "
                "document in S3.")  # fmt: skip
    rows = [[p.finished_at, p.image, p.version, p.result_uri, p.resends] for p in found]
    return (
        f"{len(found)} result document(s) not written to S3 (older than {older_than:g} minutes), oldest "
        f"first:\n{table(HEADERS, rows)}\n"
        "After fixing what refused the writer: customlabels documents --resend"
    )


def render_resent(resent: list[PendingDocument], written: list[PendingDocument]) -> str:
    lines = [f"Re-sent {len(resent)} result document(s) to the writer:"]
    lines += [f"  {p.image} ({p.version}) -> {p.result_uri}" for p in resent]
    if written:
        lines.append(f"{len(written)} written meanwhile, not re-sent: " + ", ".join(p.image for p in written))
    lines.append("The writer puts them in S3 in a moment; `customlabels documents` lists any it "
                 "refuses again.")  # fmt: skip
    return "\n".join(lines)


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    name, dynamodb = stack.output("ResultsTableName"), stack.client("dynamodb")
    found = pending_documents(dynamodb, name, iso_cutoff(datetime.now(UTC), args.older_than))
    if not args.resend:
        listing = {"count": len(found), "olderThanMinutes": args.older_than,
                   "items": [p.as_json() for p in found]}  # fmt: skip
        text = json.dumps(listing, indent=2) if args.json else render_pending(found, args.older_than)
        print(text, file=out)
        return EXIT_OK
    outcome = [(pending, resend(dynamodb, name, pending)) for pending in found]
    resent = [pending for pending, sent in outcome if sent]
    written = [pending for pending, sent in outcome if not sent]
    if args.json:
        report = {"resent": [p.as_json() for p in resent], "writtenMeanwhile": [p.as_json() for p in written]}
        print(json.dumps(report, indent=2), file=out)
    else:
        print(render_resent(resent, written) if found else render_pending(found, args.older_than), file=out)
    return EXIT_OK
