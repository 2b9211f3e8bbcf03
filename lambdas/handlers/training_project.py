"""Task EnsureProject: create the Custom Labels project, or reuse the one with that name."""

from __future__ import annotations

from customlabels.rekognition.clients import client
from customlabels.rekognition.projects import ensure_project

REKOGNITION = client("rekognition")


def handler(event: dict, context: object) -> dict:
    project = event["settings"]["projectName"]
    return ensure_project(REKOGNITION, project, {"project": project})
