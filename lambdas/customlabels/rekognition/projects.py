"""Create a project, or reuse the one with that name."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def find_project_arn(rekognition: Any, name: str) -> str | None:
    projects = rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"]
    return projects[0]["ProjectArn"] if projects else None


def ensure_project(rekognition: Any, name: str, tags: dict[str, str]) -> dict:
    existing = find_project_arn(rekognition, name)
    if existing:
        return {"projectArn": existing, "created": False}
    try:
        return {
            "projectArn": rekognition.create_project(ProjectName=name, Tags=tags)["ProjectArn"],
            "created": True,
        }
    except ClientError as error:
        # Another execution created it between the two calls: use theirs.
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return {"projectArn": find_project_arn(rekognition, name), "created": False}
