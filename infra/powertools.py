"""The Powertools for AWS Lambda (Python) release every function runs. It must be the one pinned in
requirements-dev.txt, which the tests run against (tests/unit/test_powertools_pin.py), so the layer and
the tests cannot drift apart; it is written here, not read from that file, because the construct
library's wheel ships infra/ without the repository's requirements."""

from __future__ import annotations

POWERTOOLS_VERSION = "3.37.0"
# Powertools publishes each release's layer ARN as a public SSM parameter
# (docs.powertools.aws.dev/lambda/python/latest/#lambda-layer): a pinned version, resolved by
# CloudFormation at deploy time in whatever Region the stack lands.
POWERTOOLS_LAYER_ARN = (
    "{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.13/" + POWERTOOLS_VERSION + "}}"
)
