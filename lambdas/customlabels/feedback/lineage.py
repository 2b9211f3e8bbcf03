"""Feedback imports in the model registry: which images each import added, from which review exports,
and which training run used them.

Items in the registry table, in the project's feedback partition (partition key `project` =
`FEEDBACK#<project>`, the one partition ReviewerAccess may write: `dynamodb:LeadingKeys`):
- `IMPORT#<importId>`: one per import (images added, exports they answer, new labels, the merged
  manifest) and, once a retraining used it, `trainingExecution` and `versionName`;
- `FEEDBACK`: the imports since the last retraining (`pendingImages`, `pendingImports`) and the newest
  merged manifest. A retraining takes them with one conditional update, so two triggers never start
  two trainings on the same images, and the trigger reads one item (no Query).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from customlabels.training.registry import Registry, from_dynamodb, to_dynamodb, utc_now

IMPORT_PREFIX = "IMPORT#"
FEEDBACK = "FEEDBACK"


def feedback_partition(project: str) -> str:
    """The partition key value of a project's feedback items: apart from its versions and champion."""
    return f"{FEEDBACK}#{project}"


def pending_key(project: str) -> dict[str, str]:
    return {"project": feedback_partition(project), "sk": FEEDBACK}


def import_key(project: str, import_id: str) -> dict[str, str]:
    return {"project": feedback_partition(project), "sk": f"{IMPORT_PREFIX}{import_id}"}


class Lineage:
    def __init__(self, registry: Registry) -> None:
        self.table = registry.table

    def record_import(self, project: str, record: dict[str, Any]) -> None:
        """The import's item, then the pending count the trigger reads."""
        self.table.put_item(Item=to_dynamodb({**record, **import_key(project, record["importId"])}))
        self.table.update_item(
            Key=pending_key(project),
            UpdateExpression="ADD pendingImages :images, pendingImports :ids "
            "SET trainingManifest = :manifest, updatedAt = :at",
            ExpressionAttributeValues={
                ":images": record["imageCount"],
                ":ids": {record["importId"]},
                ":manifest": record["trainingManifest"],
                ":at": utc_now(),
            },
        )

    def pending(self, project: str) -> dict[str, Any]:
        """{pendingImages, pendingImports, trainingManifest, lastTraining} (zeros when nothing is pending)."""
        item = self.table.get_item(Key=pending_key(project), ConsistentRead=True).get("Item")
        state = from_dynamodb(item or {})
        return {
            "pendingImages": state.get("pendingImages", 0),
            "pendingImports": sorted(state.get("pendingImports", set())),
            "trainingManifest": state.get("trainingManifest"),
            "lastTraining": state.get("lastTraining"),
        }

    def take(self, project: str, seen: dict[str, Any], execution: str) -> bool:
        """Start a retraining with the pending imports ``seen``; False when they changed meanwhile
        (another import or trigger got there first: that one decides)."""
        client = self.table.meta.client
        last = {"executionArn": execution, "imports": seen["pendingImports"], "images": seen["pendingImages"],
                "startedAt": utc_now()}
        try:
            self.table.update_item(
                Key=pending_key(project),
                UpdateExpression="SET pendingImages = :zero, lastTraining = :last REMOVE pendingImports",
                ConditionExpression="pendingImages = :seen",
                ExpressionAttributeValues={":zero": 0, ":last": last, ":seen": seen["pendingImages"]},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def give_back(self, project: str, seen: dict[str, Any]) -> None:
        """Undo ``take`` when the run could not be started, so the next import tries again."""
        self.table.update_item(
            Key=pending_key(project),
            UpdateExpression="ADD pendingImages :images, pendingImports :ids REMOVE lastTraining",
            ExpressionAttributeValues={":images": seen["pendingImages"], ":ids": set(seen["pendingImports"])},
        )

    def mark_trained(self, project: str, import_ids: list[str], execution: str, version_name: str) -> None:
        for import_id in import_ids:
            self.table.update_item(
                Key=import_key(project, import_id),
                UpdateExpression="SET trainingExecution = :run, versionName = :version",
                ExpressionAttributeValues={":run": execution, ":version": version_name},
            )

    def imports(self, project: str) -> list[dict[str, Any]]:
        """Every import of the project, oldest first (for people: the CLI's status)."""
        items: list[dict[str, Any]] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("project").eq(feedback_partition(project))
            & Key("sk").begins_with(IMPORT_PREFIX),
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**query)
            items += [from_dynamodb(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return sorted(items, key=lambda item: item["importedAt"])
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
