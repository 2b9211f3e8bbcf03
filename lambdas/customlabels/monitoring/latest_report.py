"""The drift check's latest report, kept in the registry so the console can show it without running the
check (the scheduled function and `customlabels monitor` write it; a check that found nothing to judge
is kept too, with its reason). It lives in its own partition, ``DRIFT#<project>``, apart from the
versions and the champion pointer: the drift check's role may write that partition only
(``dynamodb:LeadingKeys``, infra/grants.py). The report is stored as JSON text: its floats need no
Decimal conversion and it is read whole."""

from __future__ import annotations

import json
from typing import Any

DRIFT = "DRIFT"
PARTITION_PREFIX = f"{DRIFT}#"


def drift_partition(project: str) -> str:
    return f"{PARTITION_PREFIX}{project}"


def _key(project: str) -> dict[str, str]:
    return {"project": drift_partition(project), "sk": DRIFT}


def save(registry_table: Any, report: dict[str, Any]) -> None:
    item = {**_key(report["project"]), "checkedAt": report["windowEnd"], "report": json.dumps(report)}
    registry_table.put_item(Item=item)


def read(registry_table: Any, project: str) -> dict[str, Any] | None:
    """The latest report, or None when no drift check of the project has run yet."""
    item = registry_table.get_item(Key=_key(project)).get("Item")
    return json.loads(item["report"]) if item else None
