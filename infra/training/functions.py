"""The training and model-control Lambdas, one per handler module, with their grants from the table."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from customlabels.promotion.approval_tokens import APPROVAL_TOKENS_TABLE
from customlabels.training import contract
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import On
from infra.layers import MANIFEST, wheel_layer
from infra.role_policies import apply_grants, base_targets
from infra.storage import TRAINING_OUTPUT_PREFIX, VALIDATION_PREFIX, Storage

VALIDATION_EPHEMERAL_MIB = 2560
LAMBDA_TIMEOUT_SECONDS = 120
# Train hashes the manifests (up to 1 GB each) while streaming them from S3.
TRAIN_TIMEOUT_SECONDS = 600
VALIDATION_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Handlers:
    """The training and model-control Lambdas, one per handler module."""

    training_input: PipelineFunction
    validate_manifest: PipelineFunction
    training_project: PipelineFunction
    training_datasets: PipelineFunction
    training_split: PipelineFunction
    training_train: PipelineFunction
    training_status: PipelineFunction
    training_evaluate: PipelineFunction
    model_control_input: PipelineFunction
    model_control_start: PipelineFunction
    model_control_status: PipelineFunction
    model_control_stop: PipelineFunction
    model_control_promote: PipelineFunction
    request_approval: PipelineFunction
    share_project: PipelineFunction | None = None  # only with a production account
    mark_gated: PipelineFunction | None = None  # only with a production account

    def all(self) -> list[PipelineFunction]:
        return [function for function in vars(self).values() if function is not None]


def training_functions(
    scope: Construct,
    *,
    config: Config,
    storage: Storage,
    registry: dynamodb.ITable,
    approval_tokens: dynamodb.ITable,
    topic: sns.ITopic,
) -> Handlers:
    defaults = contract.Defaults(
        f1Threshold=config.f1Threshold,
        minLabelF1=config.minLabelF1,
        requireImprovement=config.requireImprovement,
        deploy=config.deploy,
        minInferenceUnits=config.minInferenceUnits,
        maxInferenceUnits=config.maxInferenceUnits,
        requireApproval=config.requireApproval,
        approvalTimeoutHours=config.approvalTimeoutHours,
        promoteAfterApproval=config.promoteAfterApproval,
        productionAccount=config.productionAccount,
        shadowMinAgreement=config.shadowMinAgreement,
    )
    environment = {
        contract.REGISTRY_TABLE_NAME: registry.table_name,
        contract.CONSOLE_BUCKET: storage.console_bucket.bucket_name,
        contract.TRAINING_OUTPUT_PREFIX: TRAINING_OUTPUT_PREFIX,
        contract.KMS_KEY_ARN: storage.key.key_arn,
        contract.PROJECT_NAME: config.projectName,
        contract.TRAINING_DEFAULTS: defaults.to_json(),
    }
    validation_env = {
        "CONSOLE_BUCKET": storage.console_bucket.bucket_name,
        "VALIDATION_PREFIX": VALIDATION_PREFIX,
        "CHECK_IMAGES": json.dumps(config.checkImages),
    }
    targets = {
        **base_targets(storage, config.projectName),
        On.REGISTRY: registry.table_arn,
        On.APPROVAL_TOKENS: approval_tokens.table_arn,
        On.TOPIC: topic.topic_arn,
    }

    def function(
        construct_id: str,
        module: str,
        *,
        timeout: int = LAMBDA_TIMEOUT_SECONDS,
        env: dict[str, str] | None = None,
        ephemeral_storage_mib: int = 512,
        layers: list[lambda_.ILayerVersion] | None = None,
    ) -> PipelineFunction:
        created = PipelineFunction(
            scope,
            construct_id,
            module=module,
            key=storage.key,
            removal_policy=storage.removal,
            environment=env if env is not None else environment,
            timeout_seconds=timeout,
            ephemeral_storage_mib=ephemeral_storage_mib,
            layers=layers,
        )
        apply_grants(created, targets, config)
        return created

    return Handlers(
        training_input=function("ValidateInputFunction", "training_input"),
        validate_manifest=function(
            "ValidateManifestsFunction",
            "validate_manifest",
            timeout=VALIDATION_TIMEOUT_SECONDS,
            env=validation_env,
            # the *_with_validation.json copies are spooled to /tmp: room for a 1 GB manifest
            ephemeral_storage_mib=VALIDATION_EPHEMERAL_MIB,
            layers=[wheel_layer(scope, "ManifestLayer", MANIFEST)],
        ),
        training_project=function("ProjectFunction", "training_project"),
        training_datasets=function("DatasetsFunction", "training_datasets"),
        training_split=function("SplitFunction", "training_split"),
        training_train=function("TrainFunction", "training_train", timeout=TRAIN_TIMEOUT_SECONDS),
        training_status=function("TrainingStatusFunction", "training_status"),
        training_evaluate=function("EvaluateFunction", "training_evaluate"),
        model_control_input=function("ControlInputFunction", "model_control_input"),
        model_control_start=function("StartModelFunction", "model_control_start"),
        model_control_status=function("ModelStatusFunction", "model_control_status"),
        model_control_stop=function("StopModelFunction", "model_control_stop"),
        model_control_promote=function("PromoteFunction", "model_control_promote"),
        request_approval=function(
            "RequestApprovalFunction",
            "request_approval",
            env={**environment, APPROVAL_TOKENS_TABLE: approval_tokens.table_name},
        ),
        share_project=function("ShareProjectFunction", "share_project") if config.productionAccount else None,
        mark_gated=function("MarkGatedFunction", "mark_gated") if config.productionAccount else None,
    )
