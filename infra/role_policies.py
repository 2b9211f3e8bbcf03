"""Turns rows of the grant table (infra/grants.py) into role statements and their cdk-nag reasons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_iam as iam
from constructs import Construct

from customlabels.storage_layout import (
    BATCHES_PREFIX,
    RESULTS_PREFIX,
    SHADOW_PREFIX,
    TRAINING_OUTPUT_PREFIX,
    UPLOADS_PREFIX,
    VALIDATION_PREFIX,
    open_review_prefix,
)
from infra.arns import (
    model_version_arn_pattern,
    project_arn_pattern,
    project_itself_arn_pattern,
    regional_service,
)
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import GRANTS, Grant, On
from infra.nag import acknowledge_wildcards
from infra.storage import Storage

Targets = Mapping[On, str]


def base_targets(storage: Storage, project_name: str) -> dict[On, str]:
    console, inference = storage.console_bucket, storage.inference_bucket
    return {
        On.ANY: "*",
        On.PROJECT: project_arn_pattern(project_name),
        On.PROJECT_ITSELF: project_itself_arn_pattern(project_name),
        On.VERSIONS: model_version_arn_pattern(project_name),
        On.CONSOLE_BUCKET: console.bucket_arn,
        On.CONSOLE_OBJECTS: console.arn_for_objects("*"),
        On.VALIDATION_OBJECTS: console.arn_for_objects(f"{VALIDATION_PREFIX}*"),
        On.TRAINING_OUTPUT_OBJECTS: console.arn_for_objects(f"{TRAINING_OUTPUT_PREFIX}*"),
        On.INFERENCE_BUCKET: inference.bucket_arn,
        On.UPLOADS: inference.arn_for_objects(f"{UPLOADS_PREFIX}*"),
        On.RESULTS: inference.arn_for_objects(f"{RESULTS_PREFIX}*"),
        On.INFERENCE_OBJECTS: inference.arn_for_objects("*"),
        On.BATCHES: inference.arn_for_objects(f"{BATCHES_PREFIX}*"),
        On.SHADOW: inference.arn_for_objects(f"{SHADOW_PREFIX}*"),
        On.REVIEW_OPEN: inference.arn_for_objects(f"{open_review_prefix(project_name)}*"),
        On.KEY: storage.key.key_arn,
    }


def statement(grant: Grant, resource: str, project_name: str) -> iam.PolicyStatement:
    conditions: dict[str, dict[str, object]] = {}
    if grant.via:
        conditions["StringEquals"] = {"kms:ViaService": [regional_service(service) for service in grant.via]}
    if grant.project_tag:
        conditions["StringEquals"] = {"aws:RequestTag/project": project_name}
    if "kms:CreateGrant" in grant.actions:
        conditions["Bool"] = {"kms:GrantIsForAWSResource": "true"}
    if grant.list_prefix:
        conditions["StringLike"] = {"s3:prefix": [grant.list_prefix]}
    if grant.partition_prefix:
        partition = f"{grant.partition_prefix}{project_name}"
        conditions["ForAllValues:StringEquals"] = {"dynamodb:LeadingKeys": [partition]}
    return iam.PolicyStatement(
        sid=grant.sid or None,
        actions=list(grant.actions),
        resources=[resource],
        conditions=conditions or None,
    )


def granted(module: str, config: Config, targets: Targets) -> list[Grant]:
    """The module's rows that apply with this configuration and these targets."""
    return [
        grant
        for grant in GRANTS[module]
        if (grant.only_if is None or str(getattr(config, grant.only_if[0])) == grant.only_if[1])
        and not (grant.if_target and grant.on not in targets)
        and (grant.only_with is None or getattr(config, grant.only_with) is not None)
    ]


def apply_grants(function: PipelineFunction, targets: Targets, config: Config) -> None:
    """Add the function's rows of the table to its role, each wildcard acknowledged with the row's why."""
    for grant in granted(function.module, config, targets):
        resource = targets[grant.on]
        function.role.add_to_policy(statement(grant, resource, config.projectName))
        acknowledge_wildcards(function, list(grant.actions), [resource], grant.why)


def granted_function(
    scope: Construct,
    construct_id: str,
    *,
    module: str,
    config: Config,
    storage: Storage,
    targets: Targets,
    **options: Any,  # PipelineFunction's: environment, timeout_seconds, memory_size, layers, ...
) -> PipelineFunction:
    """A PipelineFunction with its module's rows of the grant table on ``targets`` and the stack's own
    (buckets, key, logs). The detect function is the one made otherwise: its targets include the queue
    made after it, so it applies its grants itself (infra/inference.py)."""
    function = PipelineFunction(
        scope, construct_id, module=module, key=storage.key, removal_policy=storage.removal, **options
    )
    apply_grants(function, {**base_targets(storage, config.projectName), **targets}, config)
    return function
