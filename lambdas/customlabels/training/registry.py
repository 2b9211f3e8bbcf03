"""The model registry: one DynamoDB item per model version plus a champion pointer per project.

Key schema: partition key `project` (S), sort key `sk` (S): `VERSION#<versionName>` items and one
`CHAMPION` item. Numbers are stored as DynamoDB numbers and come back as Python floats/ints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

CHAMPION = "CHAMPION"
VERSION_PREFIX = "VERSION#"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def version_key(version_name: str) -> str:
    return f"{VERSION_PREFIX}{version_name}"


def to_dynamodb(value: Any) -> Any:
    """Floats become Decimals (DynamoDB has no float type); everything else passes through."""
    return json.loads(json.dumps(value), parse_float=Decimal)


def from_dynamodb(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    if isinstance(value, Mapping):
        return {key: from_dynamodb(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_dynamodb(item) for item in value]
    return value


class Registry:
    def __init__(self, table_name: str, dynamodb: Any = None) -> None:
        self.table = (dynamodb or boto3.resource("dynamodb")).Table(table_name)

    def champion(self, project: str) -> dict | None:
        """The champion pointer: versionName, versionArn, f1Score, promotedAt (+ previousVersionName)."""
        item = self.table.get_item(Key={"project": project, "sk": CHAMPION}, ConsistentRead=True).get("Item")
        return from_dynamodb(item) if item else None

    def put_version(self, item: Mapping[str, Any]) -> None:
        now = utc_now()
        record = {"createdAt": now, **item, "sk": version_key(item["versionName"]), "updatedAt": now}
        self.table.put_item(Item=to_dynamodb(record))

    def get_version(self, project: str, version_name: str) -> dict | None:
        item = self.table.get_item(
            Key={"project": project, "sk": version_key(version_name)}, ConsistentRead=True
        ).get("Item")
        return from_dynamodb(item) if item else None

    def update_version(self, project: str, version_name: str, **fields: Any) -> dict:
        """Set the given attributes on an existing version item; returns the whole updated item."""
        fields = {**fields, "updatedAt": utc_now()}
        names = {f"#a{index}": name for index, name in enumerate(fields)}
        values = {f":v{index}": value for index, value in enumerate(to_dynamodb(list(fields.values())))}
        assignments = ", ".join(f"#a{index} = :v{index}" for index in range(len(fields)))
        response = self.table.update_item(
            Key={"project": project, "sk": version_key(version_name)},
            UpdateExpression=f"SET {assignments}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ConditionExpression="attribute_exists(sk)",
            ReturnValues="ALL_NEW",
        )
        return from_dynamodb(response["Attributes"])

    def update_if_exists(self, project: str, version_name: str, **fields: Any) -> dict | None:
        """`update_version` for a version the registry may not hold (one made outside the pipeline):
        None instead of an error when it has no item."""
        try:
            return self.update_version(project, version_name, **fields)
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return None

    def set_champion(
        self,
        project: str,
        version_name: str,
        version_arn: str,
        f1_score: float | None,
        promotion: Mapping[str, Any] | None = None,
    ) -> dict | None:
        """Point the project's champion at this version; returns the previous champion (or None).

        `promotion` (who promoted it and how: executionArn, forced) is kept on the pointer and the
        version's item, with the time it happened."""
        now = utc_now()
        previous = self.champion(project)
        promotion = {**(promotion or {}), "promotedAt": now}
        pointer = {
            "project": project,
            "sk": CHAMPION,
            "versionName": version_name,
            "versionArn": version_arn,
            "f1Score": f1_score,
            "previousVersionName": previous["versionName"] if previous else None,
            **promotion,
        }
        self.table.put_item(Item=to_dynamodb(pointer))
        self.update_if_exists(project, version_name, **promotion)
        return previous

    def list_versions(self, project: str) -> list[dict]:
        items: list[dict] = []
        query = {"KeyConditionExpression": Key("project").eq(project) & Key("sk").begins_with(VERSION_PREFIX)}
        while True:
            page = self.table.query(**query)
            items += [from_dynamodb(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return items
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def version_record(
    settings: Mapping[str, Any],
    *,
    version_arn: str,
    status: str,
    project_arn: str,
    manifest_hashes: Mapping[str, str | None],
    datasets: Mapping[str, Any],
    execution_arn: str,
    output_uri: str,
) -> dict[str, Any]:
    """The registry item of a version this pipeline trains: enough to rebuild its datasets and to
    tell later which thresholds it was trained for."""
    return {
        "project": settings["projectName"],
        "versionName": settings["versionName"],
        "versionArn": version_arn,
        "projectArn": project_arn,
        "status": status,
        "trainingManifest": settings["trainingManifest"],
        "testingManifest": settings["testingManifest"],
        "manifestHashes": dict(manifest_hashes),
        "datasetArns": {"train": datasets["train"], "test": datasets["test"]},
        "autoSplit": settings["autoSplit"],
        "thresholds": {key: settings[key] for key in ("f1Threshold", "minLabelF1", "requireImprovement")},
        "executionArn": execution_arn,
        "outputUri": output_uri,
    }
