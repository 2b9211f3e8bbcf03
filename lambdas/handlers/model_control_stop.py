"""Task StopModel: StopProjectVersion when the model is running or starting."""

from __future__ import annotations

from customlabels.pipeline_env import PipelineEnv
from customlabels.registry import Registry
from customlabels.rekognition.clients import client, dynamodb_resource
from customlabels.rekognition.versions import require_version, stop_model

ENV = PipelineEnv.from_environ()
REKOGNITION = client("rekognition")
REGISTRY = Registry(ENV.registry_table, dynamodb_resource())


def handler(event: dict, context: object) -> dict:
    model = event["model"]
    description = require_version(REKOGNITION, model["projectArn"], model["versionName"])
    status = stop_model(REKOGNITION, description)
    if REGISTRY.get_version(model["projectName"], model["versionName"]):
        REGISTRY.update_version(model["projectName"], model["versionName"], status=status)
    return {"versionName": model["versionName"], "status": status, "attempt": 0, "failure": None}
