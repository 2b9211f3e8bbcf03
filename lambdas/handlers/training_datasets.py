"""Tasks PrepareDatasets / CheckDatasets: replace the project's datasets and report their progress."""

from __future__ import annotations

from customlabels.rekognition import datasets
from customlabels.rekognition.clients import client

REKOGNITION = client("rekognition")


def handler(event: dict, context: object) -> dict:
    settings, project_arn = event["settings"], event["projectArn"]
    tags = {"project": settings["projectName"], "execution": event["executionArn"]}
    if event.get("datasets") is None:
        state = datasets.start(REKOGNITION, settings, project_arn, tags)
    else:
        state = datasets.advance(REKOGNITION, settings, project_arn, tags, event["datasets"])
    return {"stats": None, **state}
