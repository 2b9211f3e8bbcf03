"""Shared fixtures: the local AWS (see tests/fixtures/local_aws.py)."""

import os
from pathlib import Path

import pytest

# The CDK's jsii runtime runs on the machine's Node 20; keep its end-of-life banner out of test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from tests.fixtures.local_aws import aws_credentials, local_client, local_endpoint, service_settings  # noqa: F401
from tests.fixtures.stacks import deployed_stack, stack_artifact  # noqa: F401

# What needs a served stack (the synthesized stack deployed on a local endpoint): `make check` runs every
# other test (-m "not e2e"), `make test` runs all of them.
SERVED_STACK_FOLDERS = ("e2e", "browser")
SERVED_STACK_FIXTURES = frozenset({"deployed_stack", "stack_artifact"})
# Under `--dist loadgroup` a module's tests share a worker (its module-scoped fixtures are built once), and
# all of tests/infra share one, so each set of synth overrides is built once (tests/infra/synth.py).
SHARED_SYNTHS = "infra"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs a served stack is an e2e test whether or not its module says so, so `make check`
    never waits on a deployment (this runs before -m deselects); each test gets its worker group."""
    tests = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else None
        if folder in SERVED_STACK_FOLDERS or SERVED_STACK_FIXTURES.intersection(item.fixturenames):
            item.add_marker(pytest.mark.e2e)
        if item.config.pluginmanager.hasplugin("xdist"):
            group = SHARED_SYNTHS if folder == SHARED_SYNTHS else item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group(group))
