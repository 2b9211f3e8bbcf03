"""Training pipeline: its Lambdas, the model registry, the training and the model-control state machines.

State carried by the training state machine (each step writes only its own key):
  $.input       the execution input as given
  $.run         ValidateInput: {valid, problems, cause, settings}
  $.manifests   ValidateManifests: the validation engine's verdict
  $.project     EnsureProject: {projectArn, created}
  $.datasets    PrepareDatasets/CheckDatasets/SplitDatasets: {phase, train, test, split, attempt, ...}
  $.training    Train/CheckTraining: {versionArn, versionName, status, attempt, ...}
  $.evaluation  Evaluate: the gate decision with the per-label table
  $.model       the version to deploy; $.deployment StartModel/CheckModel; $.promotion Promote
  $.failure     {error, cause} of a failure path, published to SNS before the Fail state
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.config import Config
from infra.functions import PipelineFunction
from infra.permissions import key_use_statement, project_arn_pattern
from infra.storage import TRAINING_OUTPUT_PREFIX, VALIDATION_PREFIX, Storage

FAIL_STATES = (
    "InvalidInput",
    "ManifestInvalid",
    "DatasetFailed",
    "TrainingFailed",
    "GateFailed",
    "StartFailed",
)
# Errors worth another try: throttling and transient service faults (Rekognition, DynamoDB, Lambda itself).
TRANSIENT_ERRORS = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "InternalServerError",
    "ServiceUnavailable",
    "RequestLimitExceeded",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
RETRY_INTERVAL = Duration.seconds(1)
RETRY_ATTEMPTS = 6
RETRY_BACKOFF = 1.5
RETRY_MAX_DELAY = Duration.seconds(30)
DATASET_TIMEOUT_MINUTES = 120
VALIDATION_EPHEMERAL_MIB = 2560
LAMBDA_TIMEOUT_SECONDS = 120
# Train hashes the manifests (up to 1 GB each) while streaming them from S3.
TRAIN_TIMEOUT_SECONDS = 600
VALIDATION_TIMEOUT_SECONDS = 900


def console_link() -> str:
    """States.Format expression for the console page of the running execution."""
    url = (
        f"https://{Aws.REGION}.console.aws.amazon.com/states/home?region={Aws.REGION}"
        "#/v2/executions/details/{}"
    )
    return f"States.Format('{url}', $$.Execution.Id)"


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

    def all(self) -> list[PipelineFunction]:
        return list(vars(self).values())


class _Flow:
    """Builds the states of one state machine: Lambda tasks with retries, failure ends, notifications."""

    def __init__(self, scope: Construct, topic: sns.ITopic, kind: str) -> None:
        self.scope = scope
        self.topic = topic
        self.kind = kind
        self._ends: dict[str, sfn.State] = {}

    def invoke(
        self,
        name: str,
        function: PipelineFunction,
        payload: dict,
        result_path: str,
        keys: list[str],
        failure: str,
    ) -> tasks.LambdaInvoke:
        """A Lambda task whose listed result keys land under `result_path`; any error ends in `failure`."""
        task = tasks.LambdaInvoke(
            self.scope,
            name,
            lambda_function=function.function,
            payload=sfn.TaskInput.from_object(payload),
            result_selector={f"{key}.$": f"$.Payload.{key}" for key in keys},
            result_path=result_path,
            retry_on_service_exceptions=False,
        )
        task.add_retry(
            errors=TRANSIENT_ERRORS,
            interval=RETRY_INTERVAL,
            max_attempts=RETRY_ATTEMPTS,
            backoff_rate=RETRY_BACKOFF,
            max_delay=RETRY_MAX_DELAY,
            jitter_strategy=sfn.JitterType.FULL,
        )
        task.add_catch(self.caught(name, failure), errors=["States.ALL"], result_path="$.error")
        return task

    def caught(self, task: str, failure: str) -> sfn.State:
        """An unexpected error of `task`: say which task and what went wrong, then take the failure path."""
        explain = sfn.Pass(
            self.scope,
            f"{task}Error",
            parameters={
                "error": failure,
                "cause": sfn.JsonPath.format(
                    f"{task} failed with {{}}: {{}}",
                    sfn.JsonPath.string_at("$.error.Error"),
                    sfn.JsonPath.string_at("$.error.Cause"),
                ),
            },
            result_path="$.failure",
        )
        return explain.next(self.end(failure))

    def explained(self, name: str, failure: str, failure_path: str) -> sfn.State:
        """A decided failure whose {error, cause} a task put at `failure_path`."""
        return sfn.Pass(self.scope, name, input_path=failure_path, result_path="$.failure").next(
            self.end(failure)
        )

    def end(self, failure: str) -> sfn.State:
        """Notify<failure> -> <failure> (Fail state), shared by every path that ends there."""
        if failure not in self._ends:
            fail = sfn.Fail(self.scope, failure, error=failure, cause_path="$.failure.cause")
            notify = self.notify(f"Notify{failure}", f"failed: {failure}", failure, "$.failure.cause")
            notify.add_catch(fail, errors=["States.ALL"], result_path="$.notifyError")
            self._ends[failure] = notify.next(fail)
        return self._ends[failure]

    def notify(self, name: str, subject: str, outcome: str, reason_path: str) -> tasks.SnsPublish:
        task = tasks.SnsPublish(
            self.scope,
            name,
            topic=self.topic,
            subject=f"Custom Labels {self.kind} {subject}"[:100],
            message=sfn.TaskInput.from_object(
                {
                    "outcome": outcome,
                    "reason": sfn.JsonPath.string_at(reason_path),
                    "execution": sfn.JsonPath.string_at("$$.Execution.Id"),
                    "link": sfn.JsonPath.string_at(console_link()),
                }
            ),
            result_path=sfn.JsonPath.DISCARD,
        )
        task.add_retry(
            errors=["SNS.ThrottledException", "SNS.InternalErrorException"],
            interval=RETRY_INTERVAL,
            max_attempts=RETRY_ATTEMPTS,
            backoff_rate=RETRY_BACKOFF,
        )
        return task

    def wait(self, name: str, seconds: int) -> sfn.Wait:
        return sfn.Wait(self.scope, name, time=sfn.WaitTime.duration(Duration.seconds(seconds)))

    def timed_out(self, name: str, failure: str, message: str, *paths: str) -> sfn.Pass:
        """A poll loop that ran out of attempts: the cause names the last status seen."""
        return sfn.Pass(
            self.scope,
            name,
            parameters={
                "error": failure,
                "cause": sfn.JsonPath.format(message, *(sfn.JsonPath.string_at(p) for p in paths)),
            },
            result_path="$.failure",
        )


def _model_poll(
    flow: _Flow, handlers: Handlers, prefix: str, wanted: str, seconds: int
) -> tuple[sfn.Wait, sfn.Task]:
    wait = flow.wait(f"WaitFor{prefix}", seconds)
    check = flow.invoke(
        f"Check{prefix}",
        handlers.model_control_status,
        {
            "model": sfn.JsonPath.object_at("$.model"),
            "wanted": wanted,
            "poll": sfn.JsonPath.object_at("$.deployment"),
        },
        "$.deployment",
        ["status", "outcome", "attempt", "failure"],
        "StartFailed" if wanted == "RUNNING" else "StopFailed",
    )
    return wait, check


def _input_check(
    scope: Construct, flow: _Flow, function: PipelineFunction, payload: dict
) -> tuple[tasks.LambdaInvoke, sfn.Choice, sfn.IChainable]:
    """Validate the execution input into ``$.run``; the third state explains a bad input and fails."""
    keys = ["valid", "problems", "cause", "settings"]
    validate = flow.invoke("ValidateInput", function, payload, "$.run", keys, "InvalidInput")
    valid = sfn.Choice(scope, "InputValid?")
    invalid = sfn.Pass(
        scope,
        "ExplainInvalidInput",
        parameters={"error": "InvalidInput", "cause": sfn.JsonPath.string_at("$.run.cause")},
        result_path="$.failure",
    ).next(flow.end("InvalidInput"))
    return validate, valid, invalid


def _promotion(
    scope: Construct, flow: _Flow, h: Handlers
) -> tuple[tasks.LambdaInvoke, sfn.Choice, tasks.LambdaInvoke]:
    """Promote ``$.model`` to champion, then (when there was one) stop the previous champion."""
    promote = flow.invoke(
        "Promote",
        h.model_control_promote,
        {"model": sfn.JsonPath.object_at("$.model")},
        "$.promotion",
        ["champion", "previous", "changed"],
        "StartFailed",
    )
    has_previous = sfn.Choice(scope, "PreviousChampion?")
    stop_previous = flow.invoke(
        "StopPreviousChampion",
        h.model_control_stop,
        {
            "model": {
                "projectName": sfn.JsonPath.string_at("$.model.projectName"),
                "projectArn": sfn.JsonPath.string_at("$.model.projectArn"),
                "versionName": sfn.JsonPath.string_at("$.promotion.previous.versionName"),
            }
        },
        "$.previousModel",
        ["versionName", "status"],
        "StartFailed",
    )
    return promote, has_previous, stop_previous


class TrainingPipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        log_group: logs.ILogGroup,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.storage = storage
        self.registry = dynamodb.Table(
            self,
            "Registry",
            partition_key=dynamodb.Attribute(name="project", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=storage.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
        )
        self.handlers = self._functions()
        self._grant()
        self.training_state_machine = self._state_machine(
            "TrainingStateMachine", self._training_definition(Construct(self, "Training"), topic), log_group
        )
        self.control_state_machine = self._state_machine(
            "ModelControlStateMachine",
            self._control_definition(Construct(self, "ModelControl"), topic),
            log_group,
        )

    # ------------------------------------------------------------------ Lambdas and permissions
    def _functions(self) -> Handlers:
        config = self.config
        environment = {
            "REGISTRY_TABLE": self.registry.table_name,
            "CONSOLE_BUCKET": self.storage.console_bucket.bucket_name,
            "TRAINING_OUTPUT_PREFIX": TRAINING_OUTPUT_PREFIX,
            "KMS_KEY_ARN": self.storage.key.key_arn,
            "PROJECT_NAME": config.projectName,
            "TRAINING_DEFAULTS": json.dumps(
                {
                    "f1Threshold": config.f1Threshold,
                    "minLabelF1": config.minLabelF1,
                    "requireImprovement": config.requireImprovement,
                    "deploy": config.deploy,
                    "minInferenceUnits": config.minInferenceUnits,
                    "maxInferenceUnits": config.maxInferenceUnits,
                }
            ),
        }
        validation_env = {
            "CONSOLE_BUCKET": self.storage.console_bucket.bucket_name,
            "VALIDATION_PREFIX": VALIDATION_PREFIX,
            "CHECK_IMAGES": json.dumps(config.checkImages),
        }

        def function(
            construct_id: str,
            module: str,
            *,
            timeout: int = LAMBDA_TIMEOUT_SECONDS,
            env: dict[str, str] | None = None,
            ephemeral_storage_mib: int = 512,
        ) -> PipelineFunction:
            return PipelineFunction(
                self,
                construct_id,
                module=module,
                key=self.storage.key,
                environment=env if env is not None else environment,
                timeout_seconds=timeout,
                ephemeral_storage_mib=ephemeral_storage_mib,
            )

        return Handlers(
            training_input=function("ValidateInputFunction", "training_input"),
            validate_manifest=function(
                "ValidateManifestsFunction",
                "validate_manifest",
                timeout=VALIDATION_TIMEOUT_SECONDS,
                env=validation_env,
                # the *_with_validation.json copies are spooled to /tmp: room for a 1 GB manifest
                ephemeral_storage_mib=VALIDATION_EPHEMERAL_MIB,
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
        )

    def _grant(self) -> None:
        h = self.handlers
        bucket = self.storage.console_bucket
        project = project_arn_pattern(self.config.projectName)
        describe_projects = iam.PolicyStatement(actions=["rekognition:DescribeProjects"], resources=["*"])
        read_console = iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")])
        read_output = iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{TRAINING_OUTPUT_PREFIX}*")]
        )
        decrypt = key_use_statement(self.storage, for_training=False)

        def allow(function: PipelineFunction, *statements: iam.PolicyStatement) -> None:
            for statement in statements:
                function.role.add_to_policy(statement)

        def rekognition(*actions: str) -> iam.PolicyStatement:
            return iam.PolicyStatement(actions=[f"rekognition:{a}" for a in actions], resources=[project])

        allow(
            h.validate_manifest,
            read_console,
            decrypt,
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{VALIDATION_PREFIX}*")]
            ),
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
        )
        allow(h.training_project, describe_projects, rekognition("CreateProject", "TagResource"))
        allow(
            h.training_datasets,
            describe_projects,
            read_console,
            decrypt,
            rekognition(
                "CreateDataset", "DeleteDataset", "DescribeDataset", "ListDatasetEntries", "TagResource"
            ),
        )
        allow(h.training_split, rekognition("DistributeDatasetEntries"))
        allow(
            h.training_train,
            read_console,
            key_use_statement(self.storage, for_training=True),
            rekognition(
                "CreateProjectVersion", "DescribeProjectVersions", "ListTagsForResource", "TagResource"
            ),
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{TRAINING_OUTPUT_PREFIX}*")]
            ),
        )
        allow(h.training_status, read_output, decrypt, rekognition("DescribeProjectVersions"))
        allow(h.training_evaluate, read_output, decrypt, rekognition("DescribeProjectVersions"))
        allow(h.model_control_input, describe_projects, rekognition("DescribeProjectVersions"))
        allow(h.model_control_start, rekognition("DescribeProjectVersions", "StartProjectVersion"))
        allow(h.model_control_stop, rekognition("DescribeProjectVersions", "StopProjectVersion"))
        allow(h.model_control_status, rekognition("DescribeProjectVersions"))
        allow(h.model_control_promote, rekognition("DescribeProjectVersions"))
        registry = iam.PolicyStatement(
            actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
            resources=[self.registry.table_arn],
        )
        for function in (
            h.training_train,
            h.training_status,
            h.training_evaluate,
            h.model_control_start,
            h.model_control_stop,
            h.model_control_status,
            h.model_control_promote,
        ):
            allow(function, registry, decrypt)

    def _state_machine(
        self, construct_id: str, definition: sfn.IChainable, log_group: logs.ILogGroup
    ) -> sfn.StateMachine:
        return sfn.StateMachine(
            self,
            construct_id,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            query_language=sfn.QueryLanguage.JSON_PATH,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )

    # ------------------------------------------------------------------ training state machine
    def _training_definition(self, scope: Construct, topic: sns.ITopic) -> sfn.IChainable:
        config, h = self.config, self.handlers
        flow = _Flow(scope, topic, "training")
        settings = sfn.JsonPath.object_at("$.run.settings")
        project_arn = sfn.JsonPath.string_at("$.project.projectArn")
        execution_arn = sfn.JsonPath.string_at("$$.Execution.Id")

        begin = sfn.Pass(scope, "Begin", parameters={"input": sfn.JsonPath.object_at("$")})
        validate_input, input_valid, invalid_input = _input_check(
            scope,
            flow,
            h.training_input,
            {
                "input": sfn.JsonPath.object_at("$.input"),
                "executionName": sfn.JsonPath.string_at("$$.Execution.Name"),
            },
        )

        validate_manifests = flow.invoke(
            "ValidateManifests",
            h.validate_manifest,
            {
                "trainingManifest": sfn.JsonPath.string_at("$.run.settings.trainingManifest"),
                "testingManifest": sfn.JsonPath.string_at("$.run.settings.testingManifest"),
                "outputPrefix": sfn.JsonPath.format(
                    f"s3://{self.storage.console_bucket.bucket_name}/{VALIDATION_PREFIX}{{}}/{{}}",
                    sfn.JsonPath.string_at("$.run.settings.projectName"),
                    sfn.JsonPath.string_at("$$.Execution.Name"),
                ),
                "checkImages": config.checkImages,
            },
            "$.manifests",
            [
                "canTrain",
                "statusMessage",
                "fileError",
                "summaryUri",
                "useCase",
                "counts",
                "terminalErrors",
                "topLineErrors",
            ],
            "ManifestInvalid",
        )
        manifests_valid = sfn.Choice(scope, "ManifestsValid?")
        manifests_invalid = sfn.Pass(
            scope,
            "ExplainManifestInvalid",
            parameters={
                "error": "ManifestInvalid",
                "cause": sfn.JsonPath.format(
                    "{} Terminal errors: {}. Line counts: {}. Most frequent line errors: {}. Summary: {}",
                    sfn.JsonPath.string_at("$.manifests.statusMessage"),
                    sfn.JsonPath.json_to_string(sfn.JsonPath.list_at("$.manifests.terminalErrors")),
                    sfn.JsonPath.json_to_string(sfn.JsonPath.object_at("$.manifests.counts")),
                    sfn.JsonPath.json_to_string(sfn.JsonPath.list_at("$.manifests.topLineErrors")),
                    sfn.JsonPath.string_at("$.manifests.summaryUri"),
                ),
            },
            result_path="$.failure",
        ).next(flow.end("ManifestInvalid"))

        ensure_project = flow.invoke(
            "EnsureProject",
            h.training_project,
            {"settings": settings},
            "$.project",
            ["projectArn", "created"],
            "DatasetFailed",
        )
        dataset_keys = ["phase", "train", "test", "split", "attempt", "failure", "stats"]
        datasets_payload = {"settings": settings, "projectArn": project_arn, "executionArn": execution_arn}
        prepare_datasets = flow.invoke(
            "PrepareDatasets",
            h.training_datasets,
            {**datasets_payload, "datasets": None},
            "$.datasets",
            dataset_keys,
            "DatasetFailed",
        )
        wait_datasets = flow.wait("WaitForDatasets", config.datasetPollSeconds)
        check_datasets = flow.invoke(
            "CheckDatasets",
            h.training_datasets,
            {**datasets_payload, "datasets": sfn.JsonPath.object_at("$.datasets")},
            "$.datasets",
            dataset_keys,
            "DatasetFailed",
        )
        split_datasets = flow.invoke(
            "SplitDatasets",
            h.training_split,
            {"datasets": sfn.JsonPath.object_at("$.datasets")},
            "$.datasets",
            dataset_keys,
            "DatasetFailed",
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
            ["versionArn", "versionName", "status", "reused", "outputUri", "manifestHashes", "attempt"],
            "TrainingFailed",
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
            [
                "versionArn",
                "versionName",
                "status",
                "reused",
                "outputUri",
                "manifestHashes",
                "attempt",
                "failure",
            ],
            "TrainingFailed",
        )
        training_done = sfn.Choice(scope, "TrainingDone?")

        evaluate = flow.invoke(
            "Evaluate",
            h.training_evaluate,
            {"settings": settings, "projectArn": project_arn},
            "$.evaluation",
            [
                "passed",
                "reason",
                "f1Score",
                "f1Threshold",
                "labels",
                "failedLabels",
                "championVersion",
                "championF1",
                "summaryUri",
                "failure",
            ],
            "GateFailed",
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
        start_model = flow.invoke(
            "StartModel",
            h.model_control_start,
            {"model": sfn.JsonPath.object_at("$.model")},
            "$.deployment",
            ["status", "attempt", "failure"],
            "StartFailed",
        )
        wait_model, check_model = _model_poll(flow, h, "Model", "RUNNING", config.modelPollSeconds)
        model_running = sfn.Choice(scope, "ModelRunning?")
        stop_unstarted = flow.invoke(
            "StopUnstartedModel",
            h.model_control_stop,
            {"model": sfn.JsonPath.object_at("$.model")},
            "$.stopped",
            ["status"],
            "StartFailed",
        )
        promote, has_previous, stop_previous = _promotion(scope, flow, h)
        summarize_promoted = self._summary(scope, "SummarizePromoted", deployed=True)
        summarize_trained = self._summary(scope, "SummarizeTrained", deployed=False)
        notify_success = flow.notify("NotifySucceeded", "succeeded", "SUCCEEDED", "$.summary.message")
        succeed = sfn.Succeed(scope, "Succeeded", output_path="$.summary")
        notify_success.add_catch(succeed, errors=["States.ALL"], result_path="$.notifyError")

        begin.next(validate_input).next(input_valid)
        input_valid.when(sfn.Condition.boolean_equals("$.run.valid", True), validate_manifests).otherwise(
            invalid_input
        )
        validate_manifests.next(manifests_valid)
        manifests_valid.when(
            sfn.Condition.boolean_equals("$.manifests.canTrain", True), ensure_project
        ).otherwise(manifests_invalid)
        ensure_project.next(prepare_datasets).next(datasets_ready)
        datasets_ready.when(sfn.Condition.string_equals("$.datasets.phase", "READY"), needs_split).when(
            sfn.Condition.string_equals("$.datasets.phase", "FAILED"),
            flow.explained("ExplainDatasetFailure", "DatasetFailed", "$.datasets.failure"),
        ).when(
            sfn.Condition.number_greater_than_equals("$.datasets.attempt", dataset_attempts),
            flow.timed_out(
                "DatasetsTimedOut",
                "DatasetFailed",
                f"The datasets were still {{}} after {{}} polls ({DATASET_TIMEOUT_MINUTES} minutes)",
                "$.datasets.phase",
                "$.datasets.attempt",
            ).next(flow.end("DatasetFailed")),
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
        training_done.when(
            sfn.Condition.string_equals("$.training.status", "TRAINING_FAILED"),
            flow.explained("ExplainTrainingFailure", "TrainingFailed", "$.training.failure"),
        ).when(
            sfn.Condition.and_(
                sfn.Condition.string_equals("$.training.status", "TRAINING_IN_PROGRESS"),
                sfn.Condition.number_greater_than_equals("$.training.attempt", config.training_poll_attempts),
            ),
            flow.timed_out(
                "TrainingTimedOut",
                "TrainingFailed",
                f"The model {{}} was still {{}} after {{}} polls "
                f"(maxTrainingHours {config.maxTrainingHours})",
                "$.training.versionName",
                "$.training.status",
                "$.training.attempt",
            ).next(flow.end("TrainingFailed")),
        ).when(
            sfn.Condition.string_equals("$.training.status", "TRAINING_IN_PROGRESS"), wait_training
        ).otherwise(evaluate)

        evaluate.next(gate_passed)
        gate_passed.when(sfn.Condition.boolean_equals("$.evaluation.passed", True), deploy).otherwise(
            flow.explained("ExplainGateFailure", "GateFailed", "$.evaluation.failure")
        )
        deploy.when(sfn.Condition.boolean_equals("$.run.settings.deploy", True), describe_model).otherwise(
            summarize_trained
        )
        describe_model.next(start_model).next(wait_model).next(check_model).next(model_running)
        model_running.when(sfn.Condition.string_equals("$.deployment.outcome", "DONE"), promote).when(
            sfn.Condition.string_equals("$.deployment.outcome", "FAILED"),
            flow.explained("ExplainStartFailure", "StartFailed", "$.deployment.failure"),
        ).when(
            sfn.Condition.number_greater_than_equals("$.deployment.attempt", config.model_poll_attempts),
            flow.timed_out(
                "StartTimedOut",
                "StartFailed",
                f"The model {{}} was still {{}} after {{}} polls (modelStartTimeoutMinutes "
                f"{config.modelStartTimeoutMinutes}); it is being stopped so it does not bill",
                "$.model.versionName",
                "$.deployment.status",
                "$.deployment.attempt",
            ).next(stop_unstarted),
        ).otherwise(wait_model)
        stop_unstarted.next(flow.end("StartFailed"))
        promote.next(has_previous)
        has_previous.when(sfn.Condition.is_not_null("$.promotion.previous"), stop_previous).otherwise(
            summarize_promoted
        )
        stop_previous.next(summarize_promoted)
        summarize_promoted.next(notify_success)
        summarize_trained.next(notify_success)
        notify_success.next(succeed)
        return begin

    @staticmethod
    def _summary(scope: Construct, name: str, *, deployed: bool) -> sfn.Pass:
        common = {
            "projectName": sfn.JsonPath.string_at("$.run.settings.projectName"),
            "versionName": sfn.JsonPath.string_at("$.training.versionName"),
            "versionArn": sfn.JsonPath.string_at("$.training.versionArn"),
            "f1Score": sfn.JsonPath.number_at("$.evaluation.f1Score"),
            "f1Threshold": sfn.JsonPath.number_at("$.evaluation.f1Threshold"),
            "gateReason": sfn.JsonPath.string_at("$.evaluation.reason"),
            "labels": sfn.JsonPath.list_at("$.evaluation.labels"),
            "deployed": deployed,
        }
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

    # ------------------------------------------------------------------ model-control state machine
    def _control_definition(self, scope: Construct, topic: sns.ITopic) -> sfn.IChainable:
        config, h = self.config, self.handlers
        flow = _Flow(scope, topic, "model control")
        model = {"model": sfn.JsonPath.object_at("$.model")}

        begin = sfn.Pass(scope, "Begin", parameters={"input": sfn.JsonPath.object_at("$")})
        validate, valid, invalid = _input_check(
            scope, flow, h.model_control_input, {"input": sfn.JsonPath.object_at("$.input")}
        )
        describe_model = sfn.Pass(scope, "DescribeModel", input_path="$.run.settings", result_path="$.model")
        action = sfn.Choice(scope, "Action?")

        start = flow.invoke(
            "StartModel",
            h.model_control_start,
            model,
            "$.deployment",
            ["status", "attempt", "failure"],
            "StartFailed",
        )
        wait_start, check_start = _model_poll(flow, h, "Model", "RUNNING", config.modelPollSeconds)
        running = sfn.Choice(scope, "ModelRunning?")
        promote_after_start = sfn.Choice(scope, "PromoteAfterStart?")
        promote, has_previous, stop_previous = _promotion(scope, flow, h)

        stop = flow.invoke(
            "StopModel",
            h.model_control_stop,
            model,
            "$.deployment",
            ["status", "attempt", "failure"],
            "StopFailed",
        )
        wait_stop, check_stop = _model_poll(flow, h, "Stop", "STOPPED", config.modelPollSeconds)
        stopped = sfn.Choice(scope, "ModelStopped?")
        already_stopped = sfn.Choice(scope, "StopNeeded?")

        def summary(name: str, **extra: object) -> sfn.Pass:
            return sfn.Pass(
                scope,
                name,
                parameters={
                    "action": sfn.JsonPath.string_at("$.model.action"),
                    "projectName": sfn.JsonPath.string_at("$.model.projectName"),
                    "versionName": sfn.JsonPath.string_at("$.model.versionName"),
                    "versionArn": sfn.JsonPath.string_at("$.model.versionArn"),
                    "status": sfn.JsonPath.string_at("$.deployment.status"),
                    "message": sfn.JsonPath.format(
                        "{} {}: the model is {}",
                        sfn.JsonPath.string_at("$.model.action"),
                        sfn.JsonPath.string_at("$.model.versionName"),
                        sfn.JsonPath.string_at("$.deployment.status"),
                    ),
                    **extra,
                },
                result_path="$.summary",
            )

        done = flow.notify("NotifySucceeded", "succeeded", "SUCCEEDED", "$.summary.message")
        succeed = sfn.Succeed(scope, "Succeeded", output_path="$.summary")
        done.add_catch(succeed, errors=["States.ALL"], result_path="$.notifyError")
        done.next(succeed)
        started_summary = summary("SummarizeStarted").next(done)
        promoted_summary = summary(
            "SummarizePromoted",
            champion=sfn.JsonPath.object_at("$.promotion.champion"),
            previousChampion=sfn.JsonPath.string_at("$.promotion.previous"),
        ).next(done)
        stopped_summary = summary("SummarizeStopped").next(done)
        timeout_message = (
            "The model {} was still {} after {} polls "
            f"({config.model_poll_attempts} polls of {config.modelPollSeconds} s)"
        )

        begin.next(validate).next(valid)
        valid.when(sfn.Condition.boolean_equals("$.run.valid", True), describe_model).otherwise(invalid)
        describe_model.next(action)
        action.when(sfn.Condition.string_equals("$.model.action", "stop"), stop).otherwise(start)
        start.next(wait_start).next(check_start).next(running)
        running.when(sfn.Condition.string_equals("$.deployment.outcome", "DONE"), promote_after_start).when(
            sfn.Condition.string_equals("$.deployment.outcome", "FAILED"),
            flow.explained("ExplainStartFailure", "StartFailed", "$.deployment.failure"),
        ).when(
            sfn.Condition.number_greater_than_equals("$.deployment.attempt", config.model_poll_attempts),
            flow.timed_out(
                "StartTimedOut",
                "StartFailed",
                timeout_message,
                "$.model.versionName",
                "$.deployment.status",
                "$.deployment.attempt",
            ).next(flow.end("StartFailed")),
        ).otherwise(wait_start)
        promote_after_start.when(sfn.Condition.string_equals("$.model.action", "promote"), promote).otherwise(
            started_summary
        )
        promote.next(has_previous)
        has_previous.when(sfn.Condition.is_not_null("$.promotion.previous"), stop_previous).otherwise(
            promoted_summary
        )
        stop_previous.next(promoted_summary)

        stop.next(already_stopped)
        already_stopped.when(
            sfn.Condition.string_equals("$.deployment.status", "STOPPING"), wait_stop
        ).otherwise(stopped_summary)
        wait_stop.next(check_stop).next(stopped)
        stopped.when(sfn.Condition.string_equals("$.deployment.outcome", "DONE"), stopped_summary).when(
            sfn.Condition.string_equals("$.deployment.outcome", "FAILED"),
            flow.explained("ExplainStopFailure", "StopFailed", "$.deployment.failure"),
        ).when(
            sfn.Condition.number_greater_than_equals("$.deployment.attempt", config.model_poll_attempts),
            flow.timed_out(
                "StopTimedOut",
                "StopFailed",
                timeout_message,
                "$.model.versionName",
                "$.deployment.status",
                "$.deployment.attempt",
            ).next(flow.end("StopFailed")),
        ).otherwise(wait_stop)
        return begin
