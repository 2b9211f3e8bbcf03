"""The training project's policy that lets the production promotion role copy its versions (spec 06 §4.5)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from customlabels.promotion.contract import POLICY_NAME, ShareOutput

# Another run put or changed the policy between our read and our write: read again.
RACED = {"ResourceAlreadyExistsException", "InvalidPolicyRevisionIdException"}
ATTEMPTS = 3


def share_project(rekognition: Any, project_arn: str, document: dict) -> ShareOutput:
    """Put `document` as the project's promotion policy unless it is already there (same statements)."""
    for attempt in range(1, ATTEMPTS + 1):
        existing = _policy(rekognition, project_arn)
        if existing and json.loads(existing["PolicyDocument"]) == document:
            return ShareOutput(policyName=POLICY_NAME, revisionId=existing["PolicyRevisionId"], changed=False)
        revision = {"PolicyRevisionId": existing["PolicyRevisionId"]} if existing else {}
        try:
            put = rekognition.put_project_policy(
                ProjectArn=project_arn,
                PolicyName=POLICY_NAME,
                PolicyDocument=json.dumps(document),
                **revision,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] not in RACED or attempt == ATTEMPTS:
                raise
            continue
        return ShareOutput(policyName=POLICY_NAME, revisionId=put["PolicyRevisionId"], changed=True)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _policy(rekognition: Any, project_arn: str) -> dict | None:
    request: dict[str, Any] = {"ProjectArn": project_arn, "MaxResults": 5}
    while True:
        page = rekognition.list_project_policies(**request)
        found = next((p for p in page["ProjectPolicies"] if p["PolicyName"] == POLICY_NAME), None)
        if found or not page.get("NextToken"):
            return found
        request["NextToken"] = page["NextToken"]
