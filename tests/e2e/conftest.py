"""The app synthesized once per session (in-process, local profile); each test module gets it freshly
deployed on its own local endpoint (state reset), so modules never see each other's models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.stack import LocalStack
from local.synth import LOCAL_PROFILE, StackArtifact, load_stack, synthesize
from tests.e2e.harness import running_stack


@pytest.fixture(scope="session")
def stack_artifact(tmp_path_factory) -> StackArtifact:
    return load_stack(synthesize(tmp_path_factory.mktemp("assembly"), LOCAL_PROFILE))


@pytest.fixture(scope="module")
def deployed_stack(stack_artifact: StackArtifact) -> Iterator[LocalStack]:
    with running_stack(stack_artifact) as stack:
        yield stack
