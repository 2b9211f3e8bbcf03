"""What a person following a training run must know about its approval gate, read from the execution
history alone (the state RequestApproval of infra/training/approval.py): while it waits, the commands that
decide; once decided, never again."""

from __future__ import annotations

import json
from collections.abc import Iterable

APPROVAL_STATE = "RequestApproval"  # infra/training/approval.py


def _version_of(state_input: str | None) -> str | None:
    try:
        settings = (json.loads(state_input or "{}").get("run") or {}).get("settings") or {}
    except (json.JSONDecodeError, AttributeError):
        return None
    return settings.get("versionName")


def approval_notice(events: Iterable[dict]) -> str | None:
    """'waiting for approval of V: run ...' while the run waits at RequestApproval; else None."""
    waiting: str | None = None
    for event in events:
        entered = event.get("stateEnteredEventDetails") or {}
        exited = event.get("stateExitedEventDetails") or {}
        if entered.get("name") == APPROVAL_STATE:
            waiting = _version_of(entered.get("input")) or "this version"
        elif exited.get("name") == APPROVAL_STATE or event["type"].endswith("StateEntered"):
            waiting = None
    if waiting is None:
        return None
    return (f"  waiting for approval of {waiting}: run `customlabels approve {waiting} --reason WHY` "
            f"or `customlabels reject {waiting} --reason WHY` (in another shell)")
