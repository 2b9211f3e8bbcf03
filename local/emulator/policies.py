"""Project policies: PutProjectPolicy, ListProjectPolicies, DeleteProjectPolicy (spec 06 §4.5-4.8).
A policy has no status; only its latest revision is kept, and a stale revision id is refused."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from local.emulator.errors import (
    InvalidPolicyRevisionIdException,
    MalformedPolicyDocumentException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from local.emulator.paging import page, with_token
from local.emulator.projects import usable_project
from local.emulator.state import ServiceState

MAX_POLICIES = 5
COPY_ACTION = "rekognition:CopyProjectVersion"
_REQUIRED = ("Effect", "Principal", "Action", "Resource")
_FORBIDDEN = ("NotAction", "NotResource", "NotPrincipal")


@dataclass
class ProjectPolicy:
    project_arn: str
    name: str
    document: str
    revision_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    @property
    def parsed(self) -> dict[str, Any]:
        return json.loads(self.document)

    def describe(self) -> dict[str, Any]:
        return {
            "ProjectArn": self.project_arn,
            "PolicyName": self.name,
            "PolicyRevisionId": self.revision_id,
            "PolicyDocument": self.document,
            "CreationTimestamp": self.created,
            "LastUpdatedTimestamp": self.updated,
        }


def put_project_policy(state: ServiceState, request: dict) -> dict:
    name = request["PolicyName"]
    document = request.get("PolicyDocument")
    check_document(document)
    revision = request.get("PolicyRevisionId")
    with state.lock:
        project = usable_project(state, request.get("ProjectArn"))
        policies = state.policies.setdefault(project.arn, {})
        current = policies.get(name)
        if current is None and revision:
            raise InvalidPolicyRevisionIdException(f"The project has no policy {name} to update.")
        if current is not None and not revision:
            raise ResourceAlreadyExistsException(
                f"The policy {name} exists: pass its PolicyRevisionId (see ListProjectPolicies) to update it."
            )
        if current is not None and revision != current.revision_id:
            raise InvalidPolicyRevisionIdException(
                f"{revision} is not the latest revision of policy {name}: read it with ListProjectPolicies."
            )
        if current is None and len(policies) >= MAX_POLICIES:
            raise ServiceQuotaExceededException(
                f"A project can have at most {MAX_POLICIES} project policies."
            )
        updated = ProjectPolicy(project.arn, name, document)
        if current is not None:
            updated.created = current.created
        policies[name] = updated
        return {"PolicyRevisionId": updated.revision_id}


def list_project_policies(state: ServiceState, request: dict) -> dict:
    with state.lock:
        project = state.project(request.get("ProjectArn"))
        policies = sorted(state.policies.get(project.arn, {}).values(), key=lambda p: p.created)
        found, token = page(policies, request, "ListProjectPolicies", MAX_POLICIES)
        return with_token({"ProjectPolicies": [p.describe() for p in found]}, token)


def delete_project_policy(state: ServiceState, request: dict) -> dict:
    name = request["PolicyName"]
    revision = request.get("PolicyRevisionId")
    with state.lock:
        project = state.project(request.get("ProjectArn"))
        policies = state.policies.get(project.arn, {})
        current = policies.get(name)
        if current is None:
            raise ResourceNotFoundException(f"The project {project.name} has no policy named {name}.")
        if revision and revision != current.revision_id:
            raise InvalidPolicyRevisionIdException(
                f"{revision} is not the latest revision of policy {name}: read it with ListProjectPolicies."
            )
        del policies[name]
    return {}


def check_document(document: object) -> None:
    """The guide's rules for a project policy document; each breach is a MalformedPolicyDocumentException."""
    try:
        parsed = json.loads(document)
    except json.JSONDecodeError as error:
        raise MalformedPolicyDocumentException(f"PolicyDocument is not JSON: {error}") from None
    statements = parsed.get("Statement") if isinstance(parsed, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise MalformedPolicyDocumentException("PolicyDocument needs a Statement.")
    for number, statement in enumerate(statements, start=1):
        if not isinstance(statement, dict):
            raise MalformedPolicyDocumentException(f"Statement {number} is not an object.")
        forbidden = [key for key in _FORBIDDEN if key in statement]
        missing = [key for key in _REQUIRED if key not in statement]
        if forbidden or missing:
            raise MalformedPolicyDocumentException(
                f"Statement {number}: "
                + "; ".join(
                    [f"{key} is not supported" for key in forbidden]
                    + [f"{key} is missing" for key in missing]
                )
            )
        if statement["Effect"] not in ("Allow", "Deny"):
            raise MalformedPolicyDocumentException(f"Statement {number}: Effect must be Allow or Deny.")
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if not actions or any(str(action).lower() != COPY_ACTION.lower() for action in actions):
            raise MalformedPolicyDocumentException(
                f"Statement {number}: the only action a project policy can name is {COPY_ACTION}."
            )
