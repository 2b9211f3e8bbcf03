"""Operations: the idle / running-hours guard on a schedule, alarms, training-end notifications, a dashboard.

Everything alarms into the stack's KMS-encrypted SNS topic. Metrics of the pipeline's own functions come
from Powertools (EMF) in the namespace ``naming.METRIC_NAMESPACE`` with the ``service`` dimension Powertools
adds; the guard publishes one set per project.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.naming import METRIC_NAMESPACE, SERVICE_NAME
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import On
from infra.notifications import TopicTarget, rule_dead_letter_queue
from infra.role_policies import apply_grants, base_targets
from infra.storage import Storage

# Throttled DetectCustomLabels calls (ProvisionedThroughputExceededException) per 5 minutes that page people.
THROTTLES_PER_FIVE_MINUTES = 10
TRAINING_END_STATUSES = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
FIVE_MINUTES = Duration.minutes(5)


def pipeline_metric(name: str, statistic: str, period: Duration, **dimensions: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRIC_NAMESPACE,
        metric_name=name,
        dimensions_map={**dimensions, "service": SERVICE_NAME},
        statistic=statistic,
        period=period,
    )


def topic_alarm(
    scope: Construct,
    construct_id: str,
    topic: sns.ITopic,
    metric: cloudwatch.IMetric,
    threshold: float,
    description: str,
) -> cloudwatch.Alarm:
    """An alarm at or over ``threshold`` in one period, missing data not breaching, into the topic."""
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    return alarm


def failed_invocations(rule: events.Rule) -> cloudwatch.Metric:
    """Deliveries the rule's target refused (they went to the rules' dead-letter queue)."""
    return cloudwatch.Metric(
        namespace="AWS/Events",
        metric_name="FailedInvocations",
        dimensions_map={"RuleName": rule.rule_name},
        statistic="Sum",
        period=FIVE_MINUTES,
    )


class Operations(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        training_state_machine: sfn.IStateMachine,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        detect_function: lambda_.IFunction,
        registry: dynamodb.ITable,
        other_alarms: list[cloudwatch.IAlarm] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.topic = topic
        self.guard = self._guard(config, storage, topic, queue, registry)
        self.rule_dead_letters = rule_dead_letter_queue(self, storage)
        self.schedule = events.Rule(
            self,
            "GuardSchedule",
            description=f"Runs the idle / running-hours guard of {config.projectName}",
            schedule=events.Schedule.rate(Duration.minutes(config.idleCheckMinutes)),
            targets=[
                targets.LambdaFunction(
                    self.guard.function, retry_attempts=2, dead_letter_queue=self.rule_dead_letters
                )
            ],
        )
        self.training_ends = self._training_end_notifications(training_state_machine)
        self.alarms = self._alarms(training_state_machine, detect_function) + self._rule_failure_alarms()
        self.dashboard = self._dashboard(
            training_state_machine,
            queue,
            dead_letter_queue,
            detect_function,
            self.alarms + list(other_alarms or []),
        )

    def _guard(
        self,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        queue: sqs.IQueue,
        registry: dynamodb.ITable,
    ) -> PipelineFunction:
        cap = config.maxInferenceUnitHoursPerDay
        guard = PipelineFunction(
            self,
            "IdleGuard",
            module="idle_guard",
            key=storage.key,
            removal_policy=storage.removal,
            timeout_seconds=120,
            memory_size=256,
            reserved_concurrency=1,
            environment={
                "PROJECT_NAME": config.projectName,
                "QUEUE_URL": queue.queue_url,
                "TOPIC_ARN": topic.topic_arn,
                "REGISTRY_TABLE_NAME": registry.table_name,
                "IDLE_STOP_MINUTES": str(config.idleStopMinutes),
                "IDLE_CHECK_MINUTES": str(config.idleCheckMinutes),
                "MAX_INFERENCE_UNIT_HOURS_PER_DAY": "" if cap is None else str(cap),
            },
        )
        grant_targets = {
            **base_targets(storage, config.projectName),
            On.REGISTRY: registry.table_arn,
            On.QUEUE: queue.queue_arn,
            On.TOPIC: topic.topic_arn,
        }
        apply_grants(guard, grant_targets, config)
        return guard

    def _training_end_notifications(self, state_machine: sfn.IStateMachine) -> events.Rule:
        detail = events.EventField.from_path
        message = (
            f"Training execution {detail('$.detail.name')} of {self.config.projectName} ended: "
            f"{detail('$.detail.status')}. Started {detail('$.detail.startDate')}, stopped "
            f"{detail('$.detail.stopDate')} (epoch ms). Error: {detail('$.detail.error')}. "
            f"Cause: {detail('$.detail.cause')}. Execution: {detail('$.detail.executionArn')}"
        )
        rule = events.Rule(
            self,
            "TrainingEnded",
            description=f"Every end of a {self.config.projectName} training execution, to the topic",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "stateMachineArn": [state_machine.state_machine_arn],
                    "status": TRAINING_END_STATUSES,
                },
            ),
            targets=[
                TopicTarget(self.topic, events.RuleTargetInput.from_text(message), self.rule_dead_letters)
            ],
        )
        return rule

    def _rule_failure_alarms(self) -> list[cloudwatch.Alarm]:
        """A delivery a rule's target refused is in the rules' dead-letter queue; this says so. The alarm
        reaches the topic as CloudWatch, a grant apart from EventBridge's, so a training end lost to a
        broken EventBridge grant is still announced."""
        watched = [
            (self.schedule, "GuardScheduleFailedAlarm", "The guard schedule could not invoke the guard"),
            (
                self.training_ends,
                "TrainingEndedFailedAlarm",
                "A training end could not be published to the topic",
            ),
        ]
        return [
            self._alarm(
                construct_id,
                failed_invocations(rule),
                1,
                f"{what}; the event is in the rules' dead-letter queue with the error",
            )
            for rule, construct_id, what in watched
        ]

    def _alarms(self, state_machine: sfn.IStateMachine, detect: lambda_.IFunction) -> list[cloudwatch.Alarm]:
        config = self.config
        project = config.projectName
        check = Duration.minutes(config.idleCheckMinutes)
        alarms = [
            self._alarm(
                "TrainingFailedAlarm",
                state_machine.metric_failed(period=FIVE_MINUTES, statistic="Sum"),
                1,
                "A training execution failed; its SNS message and execution output say why",
            ),
            self._alarm(
                "TrainingTimedOutAlarm",
                state_machine.metric_timed_out(period=FIVE_MINUTES, statistic="Sum"),
                1,
                "A training execution timed out (maxTrainingHours); the model may still be training",
            ),
            self._alarm(
                "DetectErrorsAlarm",
                detect.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
                1,
                "The detect function failed whole invocations; uploads are retried and may reach the DLQ",
            ),
            self._alarm(
                "ThroughputExceededAlarm",
                pipeline_metric("ThroughputExceeded", "Sum", FIVE_MINUTES),
                THROTTLES_PER_FIVE_MINUTES,
                "DetectCustomLabels answered ProvisionedThroughputExceededException more than "
                f"{THROTTLES_PER_FIVE_MINUTES} times in 5 minutes; raise maxInferenceUnits",
            ),
            self._alarm(
                "IdleModelRunningAlarm",
                pipeline_metric("RunningModelIdleMinutes", "Maximum", check, ProjectName=project),
                config.idleStopMinutes + 2 * config.idleCheckMinutes,
                "A model has been running with no images analysed for longer than the guard allows "
                "(messages stuck in the queue, or stopping failed): it is billed by the hour",
            ),
            self._alarm(
                "GuardErrorsAlarm",
                self.guard.function.metric_errors(period=check, statistic="Sum"),
                1,
                "The idle guard failed: running models are not being checked and may run up charges",
            ),
        ]
        cap = config.maxInferenceUnitHoursPerDay
        if cap is not None:
            alarms.append(
                self._alarm(
                    "DailyUnitHoursAlarm",
                    pipeline_metric("InferenceUnitHoursToday", "Maximum", check, ProjectName=project),
                    cap,
                    f"The project used its {cap:g} inference-unit hours of today; the guard stopped "
                    "its running models",
                )
            )
        return alarms

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        return topic_alarm(self, construct_id, self.topic, metric, threshold, description)

    def _dashboard(
        self,
        state_machine: sfn.IStateMachine,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        detect: lambda_.IFunction,
        alarms: list[cloudwatch.IAlarm],
    ) -> cloudwatch.Dashboard:
        project = self.config.projectName
        minute = Duration.minutes(1)
        images_per_model = cloudwatch.MathExpression(
            expression=(
                f'SEARCH(\'{{{METRIC_NAMESPACE},ProjectName,VersionName,service}} MetricName="Detections" '
                f"ProjectName=\"{project}\"', 'Sum', 300)"
            ),
            label="",
            period=FIVE_MINUTES,
        )
        units_in_service = cloudwatch.MathExpression(
            expression=(
                'SEARCH(\'{AWS/Rekognition,ProjectName,VersionName} MetricName="InServiceInferenceUnits" '
                f"ProjectName=\"{project}\"', 'Average', 300)"
            ),
            label="",
            period=FIVE_MINUTES,
        )
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"{project}-custom-labels")
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=alarms, width=24, height=4),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Training executions",
                left=[
                    state_machine.metric_started(period=FIVE_MINUTES),
                    state_machine.metric_succeeded(period=FIVE_MINUTES),
                    state_machine.metric_failed(period=FIVE_MINUTES),
                    state_machine.metric_timed_out(period=FIVE_MINUTES),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Images analysed per model",
                left=[images_per_model],
                right=[pipeline_metric("ImagesRejected", "Sum", FIVE_MINUTES)],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Detect latency (ms)",
                left=[
                    detect.metric_duration(statistic="p50", period=minute),
                    detect.metric_duration(statistic="p90", period=minute),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Inference units in service / guard",
                left=[units_in_service],
                right=[
                    pipeline_metric("RunningModelIdleMinutes", "Maximum", FIVE_MINUTES, ProjectName=project),
                    pipeline_metric("ModelsStoppedByGuard", "Sum", FIVE_MINUTES, ProjectName=project),
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Inference queue",
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=minute),
                    queue.metric_approximate_number_of_messages_not_visible(period=minute),
                    dead_letter_queue.metric_approximate_number_of_messages_visible(period=minute),
                ],
                right=[queue.metric_approximate_age_of_oldest_message(period=minute)],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Errors and throttling",
                left=[
                    detect.metric_errors(period=FIVE_MINUTES),
                    self.guard.function.metric_errors(period=FIVE_MINUTES),
                    detect.metric_throttles(period=FIVE_MINUTES),
                ],
                right=[pipeline_metric("ThroughputExceeded", "Sum", FIVE_MINUTES)],
                width=12,
            ),
        )
        return dashboard
