"""IAM policy evaluation for the local endpoint: identity, resource and key policies, as AWS decides."""

from local.authz.catalog import (
    ResourceType,
    action_exists,
    arn_matches_resource_type,
    resource_type_details,
    resource_types_for,
)
from local.authz.engine import evaluate
from local.authz.model import Decision, NamedPolicy, PolicyError, PolicySet, Principal, Request

__all__ = [
    "Decision",
    "NamedPolicy",
    "PolicyError",
    "PolicySet",
    "Principal",
    "Request",
    "ResourceType",
    "action_exists",
    "arn_matches_resource_type",
    "evaluate",
    "resource_type_details",
    "resource_types_for",
]
