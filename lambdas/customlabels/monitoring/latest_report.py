"""The drift check's latest report, kept as the project's ``DRIFT`` item of the registry so the console
can show it without running the check (the scheduled function and `customlabels monitor` write it; a
check that found nothing to judge is kept too, with its reason). The report is stored as JSON text: its
floats need no Decimal conversion and it is read whole."""

from __future__ import annotations

import json
from typing import Any

DRIFT = "DRIFT"


def save(registry_table: Any, report: dict[str, Any]) -> None:
    registry_table.put_item(
        Item={
            "project": report["project"],
            "sk": DRIFT,
            "checkedAt": report["windowEnd"],
            "report": json.dumps(report),
        }
    )


def read(registry_table: Any, project: str) -> dict[str, Any] | None:
    """The latest report, or None when no drift check of the project has run yet."""
    item = registry_table.get_item(Key={"project": project, "sk": DRIFT}).get("Item")
    return json.loads(item["report"]) if item else None
