"""Runs the synthesized stack on a fresh local endpoint for a test module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from local.emulator import moto_integration
from local.emulator.settings import ServiceSettings
from local.endpoint import LocalEndpoint
from local.stack import REGION, LocalStack, launch
from local.synth import StackArtifact


@contextmanager
def running_stack(artifact: StackArtifact, settings: ServiceSettings | None = None) -> Iterator[LocalStack]:
    """A fresh endpoint with the stack launched on it. The process gets test credentials but no
    AWS_ENDPOINT_URL: Lambda handlers must reach the endpoint through their own environment."""
    variables = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        with LocalEndpoint(settings=settings, reset=True) as endpoint:
            stack = launch(artifact, endpoint.url)
            try:
                yield stack
            finally:
                stack.close()
    finally:
        moto_integration.configure()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
