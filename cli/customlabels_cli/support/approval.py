"""`approve` and `reject`: the decision goes to the stack's approval function URL (AuthType AWS_IAM),
signed with SigV4 by botocore with the caller's credentials. AWS verifies who signed and whether they may
(the ApproverAccess policy); the function records that verified identity and answers the waiting run.
Exit 0 decided; 2 refused (no access, nothing waiting, run gone)."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, TextIO

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from customlabels_cli.support.errors import EXIT_OK, CliError, guarded
from customlabels_cli.support.stack import Stack, add_stack_arguments

TIMEOUT_SECONDS = 60


def register(subparsers, decision: str, summary: str) -> None:
    parser = subparsers.add_parser(
        decision,
        help=summary,
        description=f"{summary}. The training run waits after the F1 gate when requireApproval is on; "
        "the decision, who made it (the AWS identity that signs the request), when and why go into the "
        "registry. Needs the ApproverAccess policy.",
    )
    parser.add_argument(
        "target", metavar="EXECUTION_OR_VERSION", help="the waiting version's name or its execution's ARN"
    )
    parser.add_argument("--reason", default="", help="why (recorded, and the failure cause of a rejection)")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run, decision=decision)


def url_region(stack: Stack, url: str) -> str:
    """The Region of ``https://<url-id>.lambda-url.<region>.on.aws/``; offline, the CLI's own Region."""
    host = urllib.parse.urlsplit(url).hostname or ""
    parts = host.split(".")
    if len(parts) == 5 and parts[1] == "lambda-url":
        return parts[2]
    return stack.client("lambda").meta.region_name


def signed_post(stack: Stack, url: str, body: dict[str, Any]) -> urllib.request.Request:
    credentials = stack.session.get_credentials()
    if credentials is None:
        raise CliError("no AWS credentials found", "configure them (aws configure, AWS_PROFILE, ...)")
    data = json.dumps(body).encode()
    request = AWSRequest(method="POST", url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials.get_frozen_credentials(), "lambda", url_region(stack, url)).add_auth(request)
    return urllib.request.Request(url, data=data, headers=dict(request.headers.items()), method="POST")


def call(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    url = stack.output("ApprovalUrl")
    try:
        with urllib.request.urlopen(signed_post(stack, url, body), timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        answer = _json(error.read())
        if error.code == 403 and "fix" not in answer:
            raise CliError(
                f"access denied: the approval function URL refused this identity ({answer.get('Message')})",
                "approving and rejecting need the stack's ApproverAccess policy (output "
                "ApproverAccessPolicyArn); ask an administrator to attach it",
            ) from None
        raise CliError(answer.get("message") or f"the approval function answered {error.code}",
                       answer.get("fix") or "try again; if it persists, read the function's logs") from None
    except urllib.error.URLError as error:
        raise CliError(f"cannot reach the approval function URL {url}: {error.reason}",
                       "check the network, or that the offline stack is served") from None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@guarded
def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    stack = Stack.from_args(args)
    decided = call(stack, {"target": args.target, "decision": args.decision, "reason": args.reason})
    print(f"{decided['versionName']}: {decided['status'].lower()} by {decided['by']}\n"
          f"  execution {decided['executionArn']}", file=out)
    return EXIT_OK
