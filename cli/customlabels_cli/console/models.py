"""The models page's rows: the registry's versions with their live status and inference units, and
which of start/stop makes sense now. A version the registry knows but Custom Labels no longer lists
was deleted (teardown, DeleteProjectVersion): the registry keeps its F1 and gate result."""

from __future__ import annotations

from typing import Any

from customlabels.naming import version_name_of
from customlabels.rekognition.projects import find_project_arn
from customlabels_cli.support.stack import Stack

STARTABLE = {"TRAINING_COMPLETED", "COPYING_COMPLETED", "STOPPED", "FAILED"}
STOPPABLE = {"RUNNING", "STARTING"}
DELETED = "DELETED"


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
        status = description.get("Status") or DELETED
        gate = (item.get("gate") or {}).get("passed")
        is_champion = bool(champion and champion["versionName"] == name)
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
                "champion": is_champion,
                "start_warning": start_warning(name, item, is_champion),
                "units": _units(status, description),
                "created": item.get("createdAt") or "",
                "evaluated": bool(item.get("summaryUri")),
                "actions": actions,
            }
        )
    return rows


def start_warning(name: str, item: dict[str, Any], is_champion: bool) -> str | None:
    """What to confirm before starting a version that is not the one serving: a running model bills
    by the inference-unit hour whether it analyses images or not (spec 05 §1)."""
    gate = item.get("gate") or {}
    if is_champion and gate.get("passed") is not False:
        return None
    why = f"{name} failed its gate ({gate.get('reason')})" if gate.get("passed") is False else ""
    why = why or f"{name} is not the champion"
    return (
        f"{why}. Starting it bills its inference units by the hour while it runs, "
        "next to the champion, until you stop it."
    )
