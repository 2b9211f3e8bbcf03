"""A ManifestInvalid execution told the way `customlabels validate` tells it: each error with its fix.

The state machine's cause is one line of JSON fragments; the verdict itself is the input of the
ExplainManifestInvalid state, read back from the execution's history."""

from __future__ import annotations

import json
import shlex
from typing import Any

from customlabels.manifest import codes

EXPLAIN_STATE = "ExplainManifestInvalid"
FIRST_LINES_SHOWN = 5


def manifest_verdict(stepfunctions: Any, execution_arn: str) -> dict[str, Any] | None:
    """The state at ExplainManifestInvalid ({"manifests", "run", ...}), or None when it was not reached."""
    pages = stepfunctions.get_paginator("get_execution_history").paginate(
        executionArn=execution_arn, reverseOrder=True
    )
    for page in pages:
        for event in page["events"]:
            entered = event.get("stateEnteredEventDetails") or {}
            if entered.get("name") == EXPLAIN_STATE:
                return json.loads(entered.get("input") or "{}")
    return None


def render(state: dict[str, Any]) -> list[str]:
    verdict, settings = state.get("manifests") or {}, (state.get("run") or {}).get("settings") or {}
    lines = []
    if verdict.get("fileError"):
        error = codes.FileError(verdict["fileError"])
        lines += [f"Manifest file error: {verdict.get('statusMessage') or error.value}",
                  f"  fix: {codes.FILE_ERROR_FIXES[error]}"]
    for error in verdict.get("terminalErrors") or []:
        lines += [f"[{error['code']}] {error['message']}", f"  fix: {_fix(error['code'])}"]
    for entry in verdict.get("topLineErrors") or []:
        shown = ", ".join(map(str, entry["firstLines"][:FIRST_LINES_SHOWN]))
        more = ", ..." if entry["count"] > FIRST_LINES_SHOWN else ""
        lines += [f"{entry['dataset']}: {entry['code']} on {entry['count']} line(s) (lines {shown}{more})",
                  f"  fix: {_fix(entry['code'])}"]
    if verdict.get("summaryUri"):
        lines.append(f"Summary: {verdict['summaryUri']}")
    if settings.get("trainingManifest"):
        command = ["customlabels", "validate", settings["trainingManifest"]]
        if settings.get("testingManifest"):
            command += ["--testing", settings["testingManifest"]]
        lines.append(f"Every line's errors: {shlex.join(command)}")
    return lines


def _fix(code: str) -> str:
    known = codes.ALL_CODES.get(code)
    return known.fix if known else "see the manifest summary"
