"""Shared fixtures: the local AWS (see tests/fixtures/local_aws.py)."""

import os

# The CDK's jsii runtime runs on the machine's Node 20; keep its end-of-life banner out of test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from tests.fixtures.local_aws import aws, aws_credentials, local_endpoint, service_settings  # noqa: F401
from tests.fixtures.stacks import deployed_stack, stack_artifact  # noqa: F401
