"""The training state machine's definition.

State carried by the training state machine (each step writes only its own key):
  $.input       the execution input as given
  $.run         ValidateInput: {valid, problems, cause, settings}
  $.manifests   ValidateManifests: the validation engine's verdict
  $.project     EnsureProject: {projectArn, created, failure} (failure: the versionName is taken)
  $.datasets    PrepareDatasets/CheckDatasets/SplitDatasets: {phase, train, test, split, attempt, ...}
  $.training    Train/CheckTraining: {versionArn, versionName, status, attempt, ...}
  $.evaluation  Evaluate: the gate decision with the per-label table
  $.model       the version to deploy; $.deployment StartModel/CheckModel; $.promotion Promote
  $.gated       (with a production account) MarkGated, after the approval: {versionArn, tags}
  $.productionPromotion  (with a production account) {started, executionArn}
  $.error       the error output of a caught task (the failure tail's variables: failedTask, failure, why)
"""

from __future__ import annotations

from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.promotion.contract import GATED_KEYS, SHARE_KEYS
from customlabels.storage_layout import VALIDATION_PREFIX
from customlabels.training.contract import (
    CHECK_TRAINING_KEYS,
    DATASETS_KEYS,
    ENSURE_PROJECT_KEYS,
    EVALUATE_KEYS,
    TRAIN_KEYS,
    VALIDATE_MANIFESTS_KEYS,
    DatasetPhase,
    Failure,
)
from infra.config import Config
from infra.training.approval import approval_gate
from infra.training.flow import Flow, deploy_model
from infra.training.functions import Handlers
from infra.training.production_start import RESULT_PATH, promote_after_approval

# The named failures (the execution's error) the training machine can end in: every one but StopFailed
# (it stops a model only on the way to StartFailed), ShareFailed and PromotionNotStarted (only with a
# production account).
TWO_ACCOUNT_FAILURES = (Failure.ShareFailed, Failure.PromotionNotStarted)
NAMED_FAILURES = tuple(
    failure.value for failure in Failure if failure not in (Failure.StopFailed, *TWO_ACCOUNT_FAILURES)
)
DATASET_TIMEOUT_MINUTES = 120


def training_definition(
    scope: Construct, *, config: Config, handlers: Handlers, topic: sns.ITopic, console_bucket_name: str
) -> sfn.IChainable:
    h = handlers
    flow = Flow(scope, topic, "training")
    settings = sfn.JsonPath.object_at("$.run.settings")
    project_arn = sfn.JsonPath.string_at("$.project.projectArn")
    execution_arn = sfn.JsonPath.string_at("$$.Execution.Id")

    two_accounts = bool(config.productionAccount)
    initial: dict = {"input": sfn.JsonPath.object_at("$")}
    if two_accounts:  # the summaries show it: {started: false} unless StartProductionPromotion ran
        initial[RESULT_PATH.removeprefix("$.")] = {"started": False}
    begin = sfn.Pass(scope, "Begin", parameters=initial)
    validate_manifests = flow.invoke(
        "ValidateManifests",
        h.validate_manifest,
        {
            "trainingManifest": sfn.JsonPath.string_at("$.run.settings.trainingManifest"),
            "testingManifest": sfn.JsonPath.string_at("$.run.settings.testingManifest"),
            "outputPrefix": sfn.JsonPath.format(
                f"s3://{console_bucket_name}/{VALIDATION_PREFIX}{{}}/{{}}",
                sfn.JsonPath.string_at("$.run.settings.projectName"),
                sfn.JsonPath.string_at("$$.Execution.Name"),
            ),
            "checkImages": config.checkImages,
        },
        "$.manifests",
        VALIDATE_MANIFESTS_KEYS,
        Failure.ManifestInvalid,
    )
    validate_input = flow.input_check(
        h.training_input,
        {
            "input": sfn.JsonPath.object_at("$.input"),
            "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
        },
        validate_manifests,
    )
    manifests_valid = sfn.Choice(scope, "ManifestsValid?")
    manifests_invalid = sfn.Pass(
        scope,
        "ExplainManifestInvalid",
        assign=flow.failing(
            Failure.ManifestInvalid,
            sfn.JsonPath.format(
                "{} Terminal errors: {}. Line counts: {}. Most frequent line errors: {}. Summary: {}",
                sfn.JsonPath.string_at("$.manifests.statusMessage"),
                sfn.JsonPath.json_to_string(sfn.JsonPath.list_at("$.manifests.terminalErrors")),
                sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$.manifests.counts")),
                sfn.JsonPath.json_to_string(sfn.JsonPath.list_at("$.manifests.topLineErrors")),
                sfn.JsonPath.string_at("$.manifests.summaryUri"),
            ),
        ),
    ).next(flow.failed())

    ensure_project = flow.invoke(
        "EnsureProject",
        h.training_project,
        {"settings": settings},
        "$.project",
        ENSURE_PROJECT_KEYS,
        Failure.DatasetFailed,
    )
    version_name_free = sfn.Choice(scope, "VersionNameFree?")
    datasets_payload = {"settings": settings, "projectArn": project_arn, "executionArn": execution_arn}
    prepare_datasets = flow.invoke(
        "PrepareDatasets",
        h.training_datasets,
        {**datasets_payload, "datasets": None},
        "$.datasets",
        DATASETS_KEYS,
        Failure.DatasetFailed,
    )
    wait_datasets = flow.wait("WaitForDatasets", config.datasetPollSeconds)
    check_datasets = flow.invoke(
        "CheckDatasets",
        h.training_datasets,
        {**datasets_payload, "datasets": sfn.JsonPath.object_at("$.datasets")},
        "$.datasets",
        DATASETS_KEYS,
        Failure.DatasetFailed,
    )
    split_datasets = flow.invoke(
        "SplitDatasets",
        h.training_split,
        {"datasets": sfn.JsonPath.object_at("$.datasets")},
        "$.datasets",
        DATASETS_KEYS,
        Failure.DatasetFailed,
    )
    dataset_attempts = -(-DATASET_TIMEOUT_MINUTES * 60 // config.datasetPollSeconds)
    datasets_ready = sfn.Choice(scope, "DatasetsReady?")
    needs_split = sfn.Choice(scope, "NeedsSplit?")

    train_payload = {
        "settings": settings,
        "projectArn": project_arn,
        "executionArn": execution_arn,
        "datasets": sfn.JsonPath.object_at("$.datasets"),
    }
    train = flow.invoke(
        "Train",
        h.training_train,
        train_payload,
        "$.training",
        TRAIN_KEYS,
        Failure.TrainingFailed,
    )
    wait_training = flow.wait("WaitForTraining", config.trainingPollSeconds)
    check_training = flow.invoke(
        "CheckTraining",
        h.training_status,
        {
            "settings": settings,
            "projectArn": project_arn,
            "training": sfn.JsonPath.object_at("$.training"),
        },
        "$.training",
        CHECK_TRAINING_KEYS,
        Failure.TrainingFailed,
    )
    training_done = sfn.Choice(scope, "TrainingDone?")

    evaluate = flow.invoke(
        "Evaluate",
        h.training_evaluate,
        {"settings": settings, "projectArn": project_arn},
        "$.evaluation",
        EVALUATE_KEYS,
        Failure.GateFailed,
    )
    gate_passed = sfn.Choice(scope, "GatePassed?")
    deploy = sfn.Choice(scope, "Deploy?")

    describe_model = sfn.Pass(
        scope,
        "DescribeModel",
        parameters={
            "projectName": sfn.JsonPath.string_at("$.run.settings.projectName"),
            "projectArn": project_arn,
            "versionName": sfn.JsonPath.string_at("$.training.versionName"),
            "versionArn": sfn.JsonPath.string_at("$.training.versionArn"),
            "minInferenceUnits": sfn.JsonPath.number_at("$.run.settings.minInferenceUnits"),
            "maxInferenceUnits": sfn.JsonPath.number_at("$.run.settings.maxInferenceUnits"),
        },
        result_path="$.model",
    )
    succeeded = flow.succeed("$.summary.message")
    summarize_promoted = _summary(scope, "SummarizePromoted", deployed=True, two_accounts=two_accounts)
    summarize_trained = _summary(scope, "SummarizeTrained", deployed=False, two_accounts=two_accounts)
    summarize_promoted.next(succeeded)
    summarize_trained.next(succeeded)
    start_model = deploy_model(
        flow,
        h,
        seconds=config.modelPollSeconds,
        attempts=config.model_poll_attempts,
        timeout_message=(
            "The model {} was still {} after {} polls (modelStartTimeoutMinutes "
            f"{config.modelStartTimeoutMinutes}); it is being stopped so it does not bill"
        ),
        stop_on_timeout=True,
        promoted=summarize_promoted,
    )

    begin.next(validate_input)
    validate_manifests.next(manifests_valid)
    manifests_valid.when(
        sfn.Condition.boolean_equals("$.manifests.canTrain", True), ensure_project
    ).otherwise(manifests_invalid)
    ensure_project.next(version_name_free)
    flow.fail_when(
        version_name_free,
        sfn.Condition.is_not_null("$.project.failure"),
        Failure.InvalidInput,
        sfn.JsonPath.string_at("$.project.failure.cause"),
    )
    if h.share_project is not None:  # the production account may copy this project's versions
        share_project = flow.invoke(
            "ShareProject",
            h.share_project,
            {"projectArn": project_arn},
            "$.sharing",
            SHARE_KEYS,
            Failure.ShareFailed,
        )
        version_name_free.otherwise(share_project)
        share_project.next(prepare_datasets)
    else:
        version_name_free.otherwise(prepare_datasets)
    prepare_datasets.next(datasets_ready)
    datasets_ready.when(sfn.Condition.string_equals("$.datasets.phase", DatasetPhase.READY), needs_split)
    flow.fail_when(
        datasets_ready,
        sfn.Condition.string_equals("$.datasets.phase", DatasetPhase.FAILED),
        Failure.DatasetFailed,
        sfn.JsonPath.string_at("$.datasets.failure.cause"),
    )
    flow.fail_when(
        datasets_ready,
        sfn.Condition.number_greater_than_equals("$.datasets.attempt", dataset_attempts),
        Failure.DatasetFailed,
        flow.timed_out(
            f"The datasets were still {{}} after {{}} polls ({DATASET_TIMEOUT_MINUTES} minutes)",
            "$.datasets.phase",
            "$.datasets.attempt",
        ),
    ).otherwise(wait_datasets)
    wait_datasets.next(check_datasets).next(datasets_ready)
    needs_split.when(
        sfn.Condition.and_(
            sfn.Condition.boolean_equals("$.run.settings.autoSplit", True),
            sfn.Condition.boolean_equals("$.datasets.split", False),
        ),
        split_datasets,
    ).otherwise(train)
    split_datasets.next(wait_datasets)

    train.next(wait_training).next(check_training).next(training_done)
    flow.fail_when(
        training_done,
        sfn.Condition.string_equals("$.training.status", "TRAINING_FAILED"),
        Failure.TrainingFailed,
        sfn.JsonPath.string_at("$.training.failure.cause"),
    )
    flow.fail_when(
        training_done,
        sfn.Condition.and_(
            sfn.Condition.string_equals("$.training.status", "TRAINING_IN_PROGRESS"),
            sfn.Condition.number_greater_than_equals("$.training.attempt", config.training_poll_attempts),
        ),
        Failure.TrainingFailed,
        flow.timed_out(
            f"The model {{}} was still {{}} after {{}} polls (maxTrainingHours {config.maxTrainingHours})",
            "$.training.versionName",
            "$.training.status",
            "$.training.attempt",
        ),
    ).when(sfn.Condition.string_equals("$.training.status", "TRAINING_IN_PROGRESS"), wait_training).otherwise(
        evaluate
    )

    evaluate.next(gate_passed)
    approved = (
        _mark_gated(flow, h, execution_arn).next(promote_after_approval(scope, flow, config, deploy))
        if two_accounts
        else deploy
    )
    approval = approval_gate(flow, h.request_approval, topic, deploy, approved)
    flow.fail_when(
        gate_passed,
        sfn.Condition.boolean_equals("$.evaluation.passed", False),
        Failure.GateFailed,
        sfn.JsonPath.string_at("$.evaluation.failure.cause"),
    ).otherwise(approval)
    deploy.when(sfn.Condition.boolean_equals("$.run.settings.deploy", True), describe_model).otherwise(
        summarize_trained
    )
    describe_model.next(start_model)
    return begin


def _mark_gated(flow: Flow, h: Handlers, execution_arn: str) -> sfn.TaskStateBase:
    """After the approval: the gate tags that let production copy the version (promotion.gate)."""
    assert h.mark_gated is not None
    return flow.invoke(
        "MarkGated",
        h.mark_gated,
        {"versionArn": sfn.JsonPath.string_at("$.training.versionArn"), "executionArn": execution_arn},
        "$.gated",
        GATED_KEYS,
        Failure.PromotionNotStarted,
    )


def _summary(scope: Construct, name: str, *, deployed: bool, two_accounts: bool) -> sfn.Pass:
    common: dict = {
        "projectName": sfn.JsonPath.string_at("$.run.settings.projectName"),
        "versionName": sfn.JsonPath.string_at("$.training.versionName"),
        "versionArn": sfn.JsonPath.string_at("$.training.versionArn"),
        "f1Score": sfn.JsonPath.number_at("$.evaluation.f1Score"),
        "f1Threshold": sfn.JsonPath.number_at("$.evaluation.f1Threshold"),
        "gateReason": sfn.JsonPath.string_at("$.evaluation.reason"),
        "labels": sfn.JsonPath.list_at("$.evaluation.labels"),
        "deployed": deployed,
    }
    if two_accounts:
        common["productionPromotion"] = sfn.JsonPath.object_at(RESULT_PATH)
    if deployed:
        extra = {
            "outcome": "PROMOTED",
            "status": sfn.JsonPath.string_at("$.deployment.status"),
            "champion": sfn.JsonPath.object_at("$.promotion.champion"),
            "previousChampion": sfn.JsonPath.string_at("$.promotion.previous"),
            "message": sfn.JsonPath.format(
                "{} is RUNNING and is the champion of {} (F1 {}; {})",
                sfn.JsonPath.string_at("$.training.versionName"),
                sfn.JsonPath.string_at("$.run.settings.projectName"),
                sfn.JsonPath.string_at("$.evaluation.f1Score"),
                sfn.JsonPath.string_at("$.evaluation.reason"),
            ),
        }
    else:
        extra = {
            "outcome": "TRAINED_NOT_DEPLOYED",
            "message": sfn.JsonPath.format(
                "{} passed the gate (F1 {}) and was not started: deploy is false",
                sfn.JsonPath.string_at("$.training.versionName"),
                sfn.JsonPath.string_at("$.evaluation.f1Score"),
            ),
        }
    return sfn.Pass(scope, name, parameters={**common, **extra}, result_path="$.summary")
