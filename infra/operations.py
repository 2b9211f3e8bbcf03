"""Operations: the idle / running-hours guard on a schedule, alarms, execution-end notices, a dashboard.

Everything alarms into the stack's KMS-encrypted SNS topic. Metrics of the pipeline's own functions come
from Powertools (EMF) in the namespace ``naming.METRIC_NAMESPACE`` with the ``service`` dimension Powertools
adds; the guard publishes one set per project.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.metrics import IN_SERVICE_INFERENCE_UNITS, REKOGNITION_NAMESPACE, Dimension, Metric
from customlabels.naming import METRIC_NAMESPACE, service_name_for
from customlabels.operations.settings import GuardSettings
from infra.config import Config
from infra.execution_ends import ExecutionEnds
from infra.functions import PipelineFunction
from infra.grants import On
from infra.notifications import FIVE_MINUTES, function_rule, rule_dead_letter_queue, topic_alarm
from infra.role_policies import granted_function
from infra.storage import Storage

# Throttled DetectCustomLabels calls (ProvisionedThroughputExceededException) per 5 minutes that page people.
THROTTLES_PER_FIVE_MINUTES = 10


def pipeline_metric(
    project: str, name: str, statistic: str, period: Duration, **dimensions: str
) -> cloudwatch.Metric:
    """A metric the project's functions publish (Powertools' ``service`` dimension is the project's)."""
    return cloudwatch.Metric(
        namespace=METRIC_NAMESPACE,
        metric_name=name,
        dimensions_map={**dimensions, "service": service_name_for(project)},
        statistic=statistic,
        period=period,
    )


def per_model_search(schema: str, metric: str, statistic: str, project: str) -> cloudwatch.MathExpression:
    """One line per model version of the project: a CloudWatch SEARCH over the metric's schema."""
    return cloudwatch.MathExpression(
        expression=(
            f'SEARCH(\'{{{schema}}} MetricName="{metric}" {Dimension.PROJECT_NAME}="{project}"\', '
            f"'{statistic}', 300)"
        ),
        label="",
        period=FIVE_MINUTES,
    )


def images_per_model(project: str) -> cloudwatch.MathExpression:
    """The detect path's and the batch children's Detections, one line per model version."""
    schema = f"{METRIC_NAMESPACE},{Dimension.PROJECT_NAME},{Dimension.VERSION_NAME},service"
    return per_model_search(schema, Metric.DETECTIONS, "Sum", project)


def units_in_service(project: str) -> cloudwatch.MathExpression:
    schema = f"{REKOGNITION_NAMESPACE},{Dimension.PROJECT_NAME},{Dimension.VERSION_NAME}"
    return per_model_search(schema, IN_SERVICE_INFERENCE_UNITS, "Average", project)


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
        machines: Mapping[str, sfn.IStateMachine],  # every pipeline machine, by the kind people read
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        detect_function: lambda_.IFunction,
        registry: dynamodb.ITable,
        other_alarms: list[cloudwatch.IAlarm] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.service = service_name_for(config.projectName)
        self.topic = topic
        self.guard = self._guard(config, storage, topic, queue, registry)
        self.rule_dead_letters = rule_dead_letter_queue(self, storage)
        self.schedule, schedule_failed = function_rule(
            self,
            "GuardSchedule",
            function=self.guard.function,
            dead_letters=self.rule_dead_letters,
            topic=topic,
            description=f"Runs the idle / running-hours guard of {config.projectName}",
            failed="The guard schedule could not invoke the guard",
            schedule=events.Schedule.rate(Duration.minutes(config.idleCheckMinutes)),
        )
        self.execution_ends = ExecutionEnds(
            self,
            "ExecutionEnds",
            config=config,
            storage=storage,
            topic=topic,
            machines=machines,
            dead_letter_queue=self.rule_dead_letters,
        )
        self.alarms = [
            *self._alarms(training_state_machine, detect_function),
            schedule_failed,
            self.execution_ends.failure_alarm,
        ]
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
        return granted_function(
            self,
            "IdleGuard",
            module="idle_guard",
            config=config,
            storage=storage,
            targets={On.REGISTRY: registry.table_arn, On.QUEUE: queue.queue_arn, On.TOPIC: topic.topic_arn},
            timeout_seconds=120,
            memory_size=256,
            reserved_concurrency=1,
            environment=GuardSettings(
                project_name=config.projectName,
                queue_url=queue.queue_url,
                topic_arn=topic.topic_arn,
                registry_table_name=registry.table_name,
                idle_check_minutes=config.idleCheckMinutes,
                idle_stop_minutes=config.idleStopMinutes,
                max_inference_unit_hours_per_day=config.maxInferenceUnitHoursPerDay,
            ).to_environment(),
        )

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
                self._metric(Metric.THROUGHPUT_EXCEEDED, "Sum", FIVE_MINUTES),
                THROTTLES_PER_FIVE_MINUTES,
                "DetectCustomLabels answered ProvisionedThroughputExceededException more than "
                f"{THROTTLES_PER_FIVE_MINUTES} times in 5 minutes; raise maxInferenceUnits",
            ),
            self._alarm(
                "IdleModelRunningAlarm",
                self._metric(Metric.RUNNING_MODEL_IDLE_MINUTES, "Maximum", check, ProjectName=project),
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
                    self._metric(Metric.INFERENCE_UNIT_HOURS_TODAY, "Maximum", check, ProjectName=project),
                    cap,
                    f"The project used its {cap:g} inference-unit hours of today; the guard stopped "
                    "its running models",
                )
            )
        return alarms

    def _metric(self, name: str, statistic: str, period: Duration, **dimensions: str) -> cloudwatch.Metric:
        return pipeline_metric(self.config.projectName, name, statistic, period, **dimensions)

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        return topic_alarm(self, construct_id, metric, threshold, description, self.topic)

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
                left=[images_per_model(project)],
                right=[self._metric(Metric.IMAGES_REJECTED, "Sum", FIVE_MINUTES)],
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
                left=[units_in_service(project)],
                right=[
                    self._metric(
                        Metric.RUNNING_MODEL_IDLE_MINUTES, "Maximum", FIVE_MINUTES, ProjectName=project
                    ),
                    self._metric(Metric.MODELS_STOPPED_BY_GUARD, "Sum", FIVE_MINUTES, ProjectName=project),
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
                right=[self._metric(Metric.THROUGHPUT_EXCEEDED, "Sum", FIVE_MINUTES)],
                width=12,
            ),
        )
        return dashboard
