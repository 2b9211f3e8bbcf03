"""Task CheckModel: one poll of a model that is starting or stopping, against the status wanted."""

from __future__ import annotations

from customlabels.pipeline_env import PipelineEnv
from customlabels.registry import Registry, utc_now
from customlabels.rekognition.clients import client, dynamodb_resource
from customlabels.rekognition.versions import require_version

ENV = PipelineEnv.from_environ()
REKOGNITION = client("rekognition")
REGISTRY = Registry(ENV.registry_table, dynamodb_resource())
# Status wanted -> statuses that mean "keep waiting"; anything else is a failure.
WAITING = {"RUNNING": {"STARTING"}, "STOPPED": {"STOPPING"}}
TIMESTAMP = {"RUNNING": "startedAt", "STOPPED": "stoppedAt"}


def handler(event: dict, context: object) -> dict:
    model, wanted, poll = event["model"], event["wanted"], event["poll"]
    description = require_version(REKOGNITION, model["projectArn"], model["versionName"])
    status = description["Status"]
    failure = None
    if status == wanted:
        outcome = "DONE"
    elif status in WAITING[wanted]:
        outcome = "WAITING"
    else:
        outcome = "FAILED"
        reason = description.get("StatusMessage") or "no status message"
        failure = {
            "error": "StartFailed" if wanted == "RUNNING" else "StopFailed",
            "cause": f"{model['versionName']} is {status} instead of {wanted}: {reason}",
        }
    if outcome != "WAITING" and REGISTRY.get_version(model["projectName"], model["versionName"]):
        fields = {"status": status, "statusMessage": description.get("StatusMessage")}
        if outcome == "DONE":
            fields[TIMESTAMP[wanted]] = utc_now()
        REGISTRY.update_version(model["projectName"], model["versionName"], **fields)
    return {"status": status, "outcome": outcome, "attempt": poll["attempt"] + 1, "failure": failure}
