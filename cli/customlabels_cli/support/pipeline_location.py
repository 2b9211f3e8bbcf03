"""Whether `customlabels train` can take s3:// manifests: `validate` asks the same rule as the pipeline's
input check (customlabels.manifest.location), with the stack's console bucket when a stack is found."""

from __future__ import annotations

import argparse

from botocore.exceptions import BotoCoreError, ClientError

from customlabels.manifest.location import console_bucket_problem
from customlabels.s3uri import is_s3_uri, parse_s3_uri
from customlabels_cli.support.errors import CliError
from customlabels_cli.support.stack import Stack


def pipeline_refusal(args: argparse.Namespace) -> str | None:
    """Why the stack's pipeline would refuse these manifests; None when it takes them or no stack is
    reachable (validate also serves manifests meant for other tools)."""
    uris = [parse_s3_uri(location) for location in (args.training, args.testing) if is_s3_uri(location)]
    if not uris:
        return None
    try:
        outputs = Stack.from_args(args).outputs
    except (CliError, BotoCoreError, ClientError):
        return None
    bucket, project = outputs.get("ConsoleBucketName", ""), outputs.get("ProjectName") or "<project>"
    problems = [f"{uri}: {problem}" for uri in uris
                if (problem := console_bucket_problem(uri.bucket, bucket, project))]
    return "; ".join(problems) or None
