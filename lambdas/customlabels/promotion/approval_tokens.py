"""Where a waiting run's task token is kept: a table only the pipeline's approval functions use.

The registry is readable by people (ReviewerAccess reads it); a task token there would let anyone who
can call SendTaskSuccess approve. This table is named by no person's policy: RequestApproval puts the
token, the approval function (behind the IAM-authenticated function URL) reads and removes it.
Items expire with the approval wait (DynamoDB TTL on ``expiresAt``, epoch seconds).
"""

from __future__ import annotations

from typing import Any

import boto3

KEY = "executionArn"
TTL_ATTRIBUTE = "expiresAt"


class ApprovalTokens:
    def __init__(self, table_name: str, dynamodb: Any = None) -> None:
        self.table = (dynamodb or boto3.resource("dynamodb")).Table(table_name)

    def keep(self, execution_arn: str, project: str, version_name: str, token: str, expires_at: int) -> None:
        self.table.put_item(
            Item={
                KEY: execution_arn,
                "project": project,
                "versionName": version_name,
                "taskToken": token,
                TTL_ATTRIBUTE: expires_at,
            }
        )

    def find(self, execution_arn: str) -> dict[str, Any] | None:
        """{executionArn, project, versionName, taskToken, expiresAt} of a run waiting, or None."""
        return self.table.get_item(Key={KEY: execution_arn}, ConsistentRead=True).get("Item")

    def forget(self, execution_arn: str) -> None:
        self.table.delete_item(Key={KEY: execution_arn})
