"""The training and model-control Lambdas, one per handler module, with their grants from the table."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from customlabels.promotion.settings import RequestApprovalSettings
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import On
from infra.layers import MANIFEST, wheel_layer
from infra.role_policies import granted_function
from infra.storage import Storage
from infra.training.settings import training_defaults, training_settings

VALIDATION_EPHEMERAL_MIB = 2560
LAMBDA_TIMEOUT_SECONDS = 120
# Train hashes the manifests (up to 1 GB each) while streaming them from S3.
TRAIN_TIMEOUT_SECONDS = 600
VALIDATION_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Handlers:
    """The training and model-control Lambdas, one per handler module."""

    validate_training_input: PipelineFunction
    validate_manifests: PipelineFunction
    ensure_project: PipelineFunction
    prepare_datasets: PipelineFunction
    split_datasets: PipelineFunction
    train: PipelineFunction
    check_training: PipelineFunction
    evaluate: PipelineFunction
    validate_control_input: PipelineFunction
    start_model: PipelineFunction
    check_model: PipelineFunction
    stop_model: PipelineFunction
    promote: PipelineFunction
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
    settings = training_settings(config, storage, registry, training_defaults(config))
    environment = settings.to_environment()
    approval_settings = RequestApprovalSettings(
        **vars(settings), approval_tokens_table_name=approval_tokens.table_name
    )
    targets = {
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
        return granted_function(
            scope,
            construct_id,
            module=module,
            config=config,
            storage=storage,
            targets=targets,
            environment=env if env is not None else environment,
            timeout_seconds=timeout,
            ephemeral_storage_mib=ephemeral_storage_mib,
            layers=layers,
        )

    return Handlers(
        validate_training_input=function("ValidateTrainingInputFunction", "validate_training_input"),
        validate_manifests=function(
            "ValidateManifestsFunction",
            "validate_manifests",
            timeout=VALIDATION_TIMEOUT_SECONDS,
            env={},  # reads only its state input
            # the *_with_validation.json copies are spooled to /tmp: room for a 1 GB manifest
            ephemeral_storage_mib=VALIDATION_EPHEMERAL_MIB,
            layers=[wheel_layer(scope, "ManifestLayer", MANIFEST)],
        ),
        ensure_project=function("EnsureProjectFunction", "ensure_project"),
        prepare_datasets=function("PrepareDatasetsFunction", "prepare_datasets"),
        split_datasets=function("SplitDatasetsFunction", "split_datasets"),
        train=function("TrainFunction", "train", timeout=TRAIN_TIMEOUT_SECONDS),
        check_training=function("CheckTrainingFunction", "check_training"),
        evaluate=function("EvaluateFunction", "evaluate"),
        validate_control_input=function("ValidateControlInputFunction", "validate_control_input"),
        start_model=function("StartModelFunction", "start_model"),
        check_model=function("CheckModelFunction", "check_model"),
        stop_model=function("StopModelFunction", "stop_model"),
        promote=function("PromoteFunction", "promote"),
        request_approval=function(
            "RequestApprovalFunction",
            "request_approval",
            env=approval_settings.to_environment(),
        ),
        share_project=function("ShareProjectFunction", "share_project") if config.productionAccount else None,
        mark_gated=function("MarkGatedFunction", "mark_gated") if config.productionAccount else None,
    )
