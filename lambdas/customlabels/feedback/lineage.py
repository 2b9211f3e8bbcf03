"""Feedback imports in the model registry: which images each import added, from which review exports,
and which training run used them.

One item per import in the registry table: partition key `project`, sort key `IMPORT#<importId>`.
An import is *pending* until a retraining claims it (`trainingExecution` set, conditionally, so two
triggers never start two trainings on the same images).
"""

from __future__ import annotations

import contextlib
from typing import Any

from boto3.dynamodb.conditions import Key

from customlabels.training.registry import Registry, from_dynamodb, to_dynamodb, utc_now

IMPORT_PREFIX = "IMPORT#"


class Lineage:
    def __init__(self, registry: Registry) -> None:
        self.table = registry.table

    def record_import(self, project: str, record: dict[str, Any]) -> None:
        item = {**record, "project": project, "sk": f"{IMPORT_PREFIX}{record['importId']}"}
        self.table.put_item(Item=to_dynamodb(item))

    def imports(self, project: str) -> list[dict[str, Any]]:
        """Every import of the project, oldest first."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("project").eq(project) & Key("sk").begins_with(IMPORT_PREFIX),
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**query)
            items += [from_dynamodb(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return sorted(items, key=lambda item: item["importedAt"])
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def pending(self, project: str) -> list[dict[str, Any]]:
        """Imports no training has used yet."""
        return [item for item in self.imports(project) if not item.get("trainingExecution")]

    def claim(self, project: str, import_id: str, execution: str, version_name: str) -> bool:
        """Mark one import as used by ``execution``; False when another run claimed it first."""
        client = self.table.meta.client
        try:
            self.table.update_item(
                Key={"project": project, "sk": f"{IMPORT_PREFIX}{import_id}"},
                UpdateExpression="SET trainingExecution = :run, versionName = :version, claimedAt = :at",
                ConditionExpression="attribute_exists(sk) AND attribute_not_exists(trainingExecution)",
                ExpressionAttributeValues={":run": execution, ":version": version_name, ":at": utc_now()},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self, project: str, import_id: str, execution: str) -> None:
        """Undo ``claim`` when the run could not be started, so the next import tries again."""
        client = self.table.meta.client
        with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
            self.table.update_item(
                Key={"project": project, "sk": f"{IMPORT_PREFIX}{import_id}"},
                UpdateExpression="REMOVE trainingExecution, versionName, claimedAt",
                ConditionExpression="trainingExecution = :execution",
                ExpressionAttributeValues={":execution": execution},
            )
