"""What the training steps work with: the function's settings, its AWS clients and the registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from customlabels.aws_clients import client, dynamodb_resource
from customlabels.training.contract import TrainingSettings
from customlabels.training.registry import Registry


@dataclass(frozen=True)
class Services:
    env: TrainingSettings
    rekognition: Any
    s3: Any
    registry: Registry

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Services:
        """Built once per function at cold start (each handler module holds its own)."""
        env = TrainingSettings.from_environment(environ)
        return cls(
            env, client("rekognition"), client("s3"), Registry(env.registry_table_name, dynamodb_resource())
        )
