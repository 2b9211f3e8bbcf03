"""Task Promote: point the project's champion at this version; report the champion it replaces."""

from __future__ import annotations

from customlabels.pipeline_env import PipelineEnv
from customlabels.registry import Registry
from customlabels.rekognition.clients import client, dynamodb_resource
from customlabels.rekognition.versions import require_version

ENV = PipelineEnv.from_environ()
REKOGNITION = client("rekognition")
REGISTRY = Registry(ENV.registry_table, dynamodb_resource())


def handler(event: dict, context: object) -> dict:
    model = event["model"]
    project, version = model["projectName"], model["versionName"]
    item = REGISTRY.get_version(project, version)
    if item and item.get("f1Score") is not None:
        f1 = item["f1Score"]
    else:
        f1 = (
            require_version(REKOGNITION, model["projectArn"], version)
            .get("EvaluationResult", {})
            .get("F1Score")
        )
    previous = REGISTRY.set_champion(project, version, model["versionArn"], f1)
    replaced = previous if previous and previous["versionName"] != version else None
    return {
        "champion": {"versionName": version, "versionArn": model["versionArn"], "f1Score": f1},
        "previous": replaced,
        "changed": replaced is not None or previous is None,
    }
