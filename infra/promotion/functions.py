"""The promotion state machine's Lambdas (production account): its own three steps and the model-control
steps the training stack runs too, with the production registry, bucket and key."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from customlabels.promotion.gate import promotion_role_name
from customlabels.training import contract
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import On
from infra.role_policies import granted_function
from infra.storage import Storage
from infra.training.settings import training_settings

LAMBDA_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class PromotionHandlers:
    """Model-control fields are named as in infra.training.functions.Handlers: deploy_model reads them."""

    validate_promotion_input: PipelineFunction
    ensure_project: PipelineFunction
    copy_model: PipelineFunction
    check_copy: PipelineFunction
    start_model: PipelineFunction
    check_model: PipelineFunction
    stop_model: PipelineFunction
    promote: PipelineFunction

    def all(self) -> list[PipelineFunction]:
        return list(vars(self).values())


def promotion_functions(
    scope: Construct,
    *,
    config: Config,
    storage: Storage,
    registry: dynamodb.ITable,
    source_versions: str,
) -> PromotionHandlers:
    """`source_versions`: the ARN pattern of the training project's versions (another account)."""
    defaults = contract.Defaults(
        f1Threshold=config.f1Threshold,
        minLabelF1=config.minLabelF1,
        requireImprovement=config.requireImprovement,
        deploy=True,
        minInferenceUnits=config.minInferenceUnits,
        maxInferenceUnits=config.maxInferenceUnits,
    )
    environment = training_settings(config, storage, registry, defaults).to_environment()
    targets = {
        On.REGISTRY: registry.table_arn,
        On.SOURCE_VERSIONS: source_versions,
    }

    def function(construct_id: str, module: str) -> PipelineFunction:
        return granted_function(
            scope,
            construct_id,
            module=module,
            config=config,
            storage=storage,
            targets=targets,
            environment=environment,
            timeout_seconds=LAMBDA_TIMEOUT_SECONDS,
        )

    copy_model = function("CopyModelFunction", "copy_model")
    # The training project's policy names this role (another account cannot reference it): a fixed name.
    role = copy_model.role.node.default_child
    assert isinstance(role, iam.CfnRole)
    role.role_name = promotion_role_name(config.projectName)
    return PromotionHandlers(
        validate_promotion_input=function("ValidatePromotionInputFunction", "validate_promotion_input"),
        ensure_project=function("EnsureProjectFunction", "ensure_project"),
        copy_model=copy_model,
        check_copy=function("CheckCopyFunction", "check_copy"),
        start_model=function("StartModelFunction", "start_model"),
        check_model=function("CheckModelFunction", "check_model"),
        stop_model=function("StopModelFunction", "stop_model"),
        promote=function("PromoteFunction", "promote"),
    )
