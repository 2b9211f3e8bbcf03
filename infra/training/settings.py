"""The settings the stack gives the training, model-control and promotion functions (their contract class,
customlabels.training.contract.TrainingSettings), built in one place for both stacks."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb

from customlabels.storage_layout import TRAINING_OUTPUT_PREFIX
from customlabels.training.contract import Defaults, TrainingSettings
from infra.config import Config
from infra.storage import Storage


def training_defaults(config: Config) -> Defaults:
    """The training stack's defaults for every optional training setting (cdk.json)."""
    return Defaults(
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


def training_settings(
    config: Config, storage: Storage, registry: dynamodb.ITable, defaults: Defaults
) -> TrainingSettings:
    return TrainingSettings(
        registry_table_name=registry.table_name,
        console_bucket_name=storage.console_bucket.bucket_name,
        training_output_prefix=TRAINING_OUTPUT_PREFIX,
        kms_key_arn=storage.key.key_arn,
        project_name=config.projectName,
        training_defaults=defaults,
    )
