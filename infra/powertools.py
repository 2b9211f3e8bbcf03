"""The Powertools for AWS Lambda (Python) release every function runs: the one pinned in
requirements-dev.txt, which the tests run against, so the layer and the tests cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements-dev.txt"
_PIN = re.compile(r"^aws-lambda-powertools(?:\[[^\]]*\])?==(?P<version>[0-9][0-9A-Za-z.]*)\s*$", re.MULTILINE)


def pinned_version(requirements: str) -> str:
    match = _PIN.search(requirements)
    if match is None:
        raise RuntimeError(
            "requirements-dev.txt does not pin aws-lambda-powertools: add a line "
            "'aws-lambda-powertools[tracer]==X.Y.Z' (the layer version the functions get)"
        )
    return match["version"]


POWERTOOLS_VERSION = pinned_version(REQUIREMENTS.read_text())
# Powertools publishes each release's layer ARN as a public SSM parameter
# (docs.powertools.aws.dev/lambda/python/latest/#lambda-layer): a pinned version, resolved by
# CloudFormation at deploy time in whatever Region the stack lands.
POWERTOOLS_LAYER_ARN = (
    "{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.13/" + POWERTOOLS_VERSION + "}}"
)
