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
from infra.functions import PipelineFunction
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


SETTINGS = sfn.JsonPath.object_at("$.run.settings")
PROJECT_ARN = sfn.JsonPath.string_at("$.project.projectArn")
EXECUTION_ARN = sfn.JsonPath.string_at("$$.Execution.Id")


def training_definition(
    scope: Construct, *, config: Config, handlers: Handlers, topic: sns.ITopic, console_bucket_name: str
) -> sfn.IChainable:
    """Begin -> ValidateInput -> ValidateManifests -> EnsureProject (-> ShareProject) -> the datasets ->
    Train and poll -> Evaluate -> GatePassed? -> (approval) -> Deploy? -> start, promote, stop the previous
    champion -> Succeeded. Each builder below takes what follows it and returns its first state."""
    h = handlers
    flow = Flow(scope)
    two_accounts = bool(config.productionAccount)
    deploy = _deploy(flow, config, h, two_accounts)
    gate = _gate(flow, config, h, topic, deploy)
    training = _training(flow, config, h, then=gate)
    datasets = _datasets(flow, config, h, then=training)
    project = _project(flow, h, then=datasets)
    manifests = _manifests(flow, config, h, console_bucket_name, then=project)
    initial: dict = {"input": sfn.JsonPath.object_at("$")}
    if two_accounts:  # the summaries show it: {started: false} unless StartProductionPromotion ran
        initial[RESULT_PATH.removeprefix("$.")] = {"started": False}
    begin = sfn.Pass(scope, "Begin", parameters=initial)
    payload = {
        "input": sfn.JsonPath.object_at("$.input"),
        "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
    }
    begin.next(flow.input_check(h.validate_training_input, payload, manifests))
    return begin


def _manifests(
    flow: Flow, config: Config, h: Handlers, console_bucket_name: str, *, then: sfn.IChainable
) -> sfn.TaskStateBase:
    """ValidateManifests -> ManifestsValid?: invalid manifests fail with the validator's verdict."""
    validate = flow.invoke(
        "ValidateManifests",
        h.validate_manifests,
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
    invalid = sfn.Pass(
        flow.scope,
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
    valid = sfn.Choice(flow.scope, "ManifestsValid?")
    valid.when(sfn.Condition.boolean_equals("$.manifests.canTrain", True), then).otherwise(invalid)
    validate.next(valid)
    return validate


def _project(flow: Flow, h: Handlers, *, then: sfn.IChainable) -> sfn.TaskStateBase:
    """EnsureProject -> VersionNameFree? (a taken name is InvalidInput) -> (ShareProject) -> `then`."""
    ensure = flow.invoke(
        "EnsureProject",
        h.ensure_project,
        {"settings": SETTINGS},
        "$.project",
        ENSURE_PROJECT_KEYS,
        Failure.DatasetFailed,
    )
    free = sfn.Choice(flow.scope, "VersionNameFree?")
    ensure.next(free)
    flow.fail_when(
        free,
        sfn.Condition.is_not_null("$.project.failure"),
        Failure.InvalidInput,
        sfn.JsonPath.string_at("$.project.failure.cause"),
    )
    if h.share_project is None:
        free.otherwise(then)
        return ensure
    share = flow.invoke(  # the production account may copy this project's versions
        "ShareProject",
        h.share_project,
        {"projectArn": PROJECT_ARN},
        "$.sharing",
        SHARE_KEYS,
        Failure.ShareFailed,
    )
    free.otherwise(share)
    share.next(then)
    return ensure


def _datasets(flow: Flow, config: Config, h: Handlers, *, then: sfn.IChainable) -> sfn.TaskStateBase:
    """PrepareDatasets -> DatasetsReady? (poll) -> NeedsSplit? (-> SplitDatasets and poll) -> `then`."""
    payload = {"settings": SETTINGS, "projectArn": PROJECT_ARN, "executionArn": EXECUTION_ARN}

    def datasets_task(name: str, function: PipelineFunction, task_payload: dict) -> sfn.TaskStateBase:
        return flow.invoke(name, function, task_payload, "$.datasets", DATASETS_KEYS, Failure.DatasetFailed)

    current = sfn.JsonPath.object_at("$.datasets")
    prepare = datasets_task("PrepareDatasets", h.prepare_datasets, {**payload, "datasets": None})
    check = datasets_task("CheckDatasets", h.prepare_datasets, {**payload, "datasets": current})
    split = datasets_task("SplitDatasets", h.split_datasets, {"datasets": current})
    wait = flow.wait("WaitForDatasets", config.datasetPollSeconds)
    attempts = -(-DATASET_TIMEOUT_MINUTES * 60 // config.datasetPollSeconds)
    ready = sfn.Choice(flow.scope, "DatasetsReady?")
    needs_split = sfn.Choice(flow.scope, "NeedsSplit?")
    prepare.next(ready)
    ready.when(sfn.Condition.string_equals("$.datasets.phase", DatasetPhase.READY), needs_split)
    flow.fail_when(
        ready,
        sfn.Condition.string_equals("$.datasets.phase", DatasetPhase.FAILED),
        Failure.DatasetFailed,
        sfn.JsonPath.string_at("$.datasets.failure.cause"),
    )
    flow.fail_when(
        ready,
        sfn.Condition.number_greater_than_equals("$.datasets.attempt", attempts),
        Failure.DatasetFailed,
        flow.timed_out(
            f"The datasets were still {{}} after {{}} polls ({DATASET_TIMEOUT_MINUTES} minutes)",
            "$.datasets.phase",
            "$.datasets.attempt",
        ),
    ).otherwise(wait)
    wait.next(check).next(ready)
    needs_split.when(
        sfn.Condition.and_(
            sfn.Condition.boolean_equals("$.run.settings.autoSplit", True),
            sfn.Condition.boolean_equals("$.datasets.split", False),
        ),
        split,
    ).otherwise(then)
    split.next(wait)
    return prepare


def _training(flow: Flow, config: Config, h: Handlers, *, then: sfn.IChainable) -> sfn.TaskStateBase:
    """Train -> WaitForTraining -> CheckTraining -> TrainingDone? (failed, out of polls, or `then`)."""
    train = flow.invoke(
        "Train",
        h.train,
        {
            "settings": SETTINGS,
            "projectArn": PROJECT_ARN,
            "executionArn": EXECUTION_ARN,
            "datasets": sfn.JsonPath.object_at("$.datasets"),
        },
        "$.training",
        TRAIN_KEYS,
        Failure.TrainingFailed,
    )
    wait = flow.wait("WaitForTraining", config.trainingPollSeconds)
    check = flow.invoke(
        "CheckTraining",
        h.check_training,
        {"settings": SETTINGS, "projectArn": PROJECT_ARN, "training": sfn.JsonPath.object_at("$.training")},
        "$.training",
        CHECK_TRAINING_KEYS,
        Failure.TrainingFailed,
    )
    done = sfn.Choice(flow.scope, "TrainingDone?")
    train.next(wait).next(check).next(done)
    in_progress = sfn.Condition.string_equals("$.training.status", "TRAINING_IN_PROGRESS")
    flow.fail_when(
        done,
        sfn.Condition.string_equals("$.training.status", "TRAINING_FAILED"),
        Failure.TrainingFailed,
        sfn.JsonPath.string_at("$.training.failure.cause"),
    )
    flow.fail_when(
        done,
        sfn.Condition.and_(
            in_progress,
            sfn.Condition.number_greater_than_equals("$.training.attempt", config.training_poll_attempts),
        ),
        Failure.TrainingFailed,
        flow.timed_out(
            f"The model {{}} was still {{}} after {{}} polls (maxTrainingHours {config.maxTrainingHours})",
            "$.training.versionName",
            "$.training.status",
            "$.training.attempt",
        ),
    ).when(in_progress, wait).otherwise(then)
    return train


def _gate(
    flow: Flow, config: Config, h: Handlers, topic: sns.ITopic, deploy: sfn.IChainable
) -> sfn.TaskStateBase:
    """Evaluate -> GatePassed? -> the approval gate (with a production account: MarkGated, and the
    production promotion when asked) -> `deploy`."""
    evaluate = flow.invoke(
        "Evaluate",
        h.evaluate,
        {"settings": SETTINGS, "projectArn": PROJECT_ARN},
        "$.evaluation",
        EVALUATE_KEYS,
        Failure.GateFailed,
    )
    approved = (
        _mark_gated(flow, h, EXECUTION_ARN).next(promote_after_approval(flow.scope, flow, config, deploy))
        if config.productionAccount
        else deploy
    )
    passed = sfn.Choice(flow.scope, "GatePassed?")
    evaluate.next(passed)
    flow.fail_when(
        passed,
        sfn.Condition.boolean_equals("$.evaluation.passed", False),
        Failure.GateFailed,
        sfn.JsonPath.string_at("$.evaluation.failure.cause"),
    ).otherwise(approval_gate(flow, h.request_approval, topic, deploy, approved))
    return evaluate


def _deploy(flow: Flow, config: Config, h: Handlers, two_accounts: bool) -> sfn.Choice:
    """Deploy? -> DescribeModel -> start, poll, promote, stop the previous champion -> SummarizePromoted;
    or SummarizeTrained (deploy false) -> Succeeded."""
    scope = flow.scope
    succeeded = flow.succeed()
    promoted = _summary(scope, "SummarizePromoted", deployed=True, two_accounts=two_accounts)
    trained = _summary(scope, "SummarizeTrained", deployed=False, two_accounts=two_accounts)
    promoted.next(succeeded)
    trained.next(succeeded)
    describe_model = sfn.Pass(
        scope,
        "DescribeModel",
        parameters={
            "projectName": sfn.JsonPath.string_at("$.run.settings.projectName"),
            "projectArn": PROJECT_ARN,
            "versionName": sfn.JsonPath.string_at("$.training.versionName"),
            "versionArn": sfn.JsonPath.string_at("$.training.versionArn"),
            "minInferenceUnits": sfn.JsonPath.number_at("$.run.settings.minInferenceUnits"),
            "maxInferenceUnits": sfn.JsonPath.number_at("$.run.settings.maxInferenceUnits"),
        },
        result_path="$.model",
    )
    describe_model.next(
        deploy_model(
            flow,
            h,
            seconds=config.modelPollSeconds,
            attempts=config.model_poll_attempts,
            timeout_message=(
                "The model {} was still {} after {} polls (modelStartTimeoutMinutes "
                f"{config.modelStartTimeoutMinutes}); it is being stopped so it does not bill"
            ),
            stop_on_timeout=True,
            promoted=promoted,
        )
    )
    return (
        sfn.Choice(scope, "Deploy?")
        .when(sfn.Condition.boolean_equals("$.run.settings.deploy", True), describe_model)
        .otherwise(trained)
    )


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
