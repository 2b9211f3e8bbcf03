"""The training and model-control Lambdas' settings, read from environment variables at cold start.

Each AWS name is defined once in infra/training.py and reaches the handlers here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from customlabels.pipeline_input import Defaults
from customlabels.s3uri import S3Uri, join_key


@dataclass(frozen=True)
class PipelineEnv:
    registry_table: str
    console_bucket: str
    training_output_prefix: str
    kms_key_arn: str
    project_name: str
    defaults: Defaults | None

    @classmethod
    def from_environ(cls) -> PipelineEnv:
        env = os.environ
        defaults = env.get("TRAINING_DEFAULTS")
        return cls(
            registry_table=env.get("REGISTRY_TABLE", ""),
            console_bucket=env.get("CONSOLE_BUCKET", ""),
            training_output_prefix=env.get("TRAINING_OUTPUT_PREFIX", "training-output/"),
            kms_key_arn=env.get("KMS_KEY_ARN", ""),
            project_name=env.get("PROJECT_NAME", ""),
            defaults=Defaults.from_json(defaults) if defaults else None,
        )

    def training_output(self, project: str, version: str) -> S3Uri:
        """training-output/<project>/<version>/ in the console bucket: one prefix per version."""
        return S3Uri(self.console_bucket, join_key(self.training_output_prefix, project, version) + "/")
