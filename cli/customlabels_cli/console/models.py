"""The models page's rows: the registry's versions with their live status and inference units, and
which of start/stop makes sense now."""

from __future__ import annotations

from typing import Any

from customlabels.naming import version_name_of
from customlabels.rekognition.projects import find_project_arn
from customlabels_cli.support.stack import Stack

STARTABLE = {"TRAINING_COMPLETED", "COPYING_COMPLETED", "STOPPED", "FAILED"}
STOPPABLE = {"RUNNING", "STARTING"}


def live_versions(stack: Stack, project: str) -> dict[str, dict]:
    """Version name -> DescribeProjectVersions description (the registry's status is as of its last step)."""
    rekognition = stack.client("rekognition")
    project_arn = find_project_arn(rekognition, project)
    if project_arn is None:
        return {}
    found, request = {}, {"ProjectArn": project_arn}
    while True:
        page = rekognition.describe_project_versions(**request)
        for version in page["ProjectVersionDescriptions"]:
            found[version_name_of(version["ProjectVersionArn"])] = version
        if not page.get("NextToken"):
            return found
        request["NextToken"] = page["NextToken"]


def _units(status: str, description: dict[str, Any]) -> str:
    if status != "RUNNING" or "MinInferenceUnits" not in description:
        return "-"
    low, high = description["MinInferenceUnits"], description.get("MaxInferenceUnits")
    return str(low) if not high or high == low else f"{low}-{high}"


def model_rows(stack: Stack) -> list[dict[str, Any]]:
    project = stack.project
    registry = stack.registry()
    champion = registry.champion(project)
    live = live_versions(stack, project)
    rows = []
    for item in sorted(registry.list_versions(project), key=lambda i: i.get("createdAt", ""), reverse=True):
        name = item["versionName"]
        description = live.get(name, {})
        status = description.get("Status") or item.get("status") or "?"
        gate = (item.get("gate") or {}).get("passed")
        actions = [
            action for action, allowed in (("start", STARTABLE), ("stop", STOPPABLE)) if status in allowed
        ]
        rows.append(
            {
                "version": name,
                "arn": item.get("versionArn"),
                "status": status,
                "f1": "-" if item.get("f1Score") is None else f"{item['f1Score']:.3f}",
                "gate": {True: "passed", False: "failed", None: "-"}[gate],
                "gate_reason": (item.get("gate") or {}).get("reason"),
                "champion": bool(champion and champion["versionName"] == name),
                "units": _units(status, description),
                "created": item.get("createdAt") or "",
                "evaluated": bool(item.get("summaryUri")),
                "actions": actions,
            }
        )
    return rows
