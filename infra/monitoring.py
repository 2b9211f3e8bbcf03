"""Model monitoring: the scheduled drift check of the champion, its alarm into the topic, its dashboard row.

The check (handlers/drift_check.py) publishes in the pipeline's namespace with the ProjectName dimension
(and Label for LabelShare), plus the ``service`` dimension Powertools adds. ``DriftDetected`` is 1 when a
threshold is crossed, 0 when not; a window under driftMinImages publishes no verdict, which the alarm
treats as not breaching (CloudWatch "Configuring how CloudWatch alarms treat missing data").
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from customlabels.inference.results import BY_MODEL_VERSION_INDEX
from customlabels.monitoring.metric_names import (
    DIVERGENCE,
    DRIFT_DETECTED,
    LABEL_SHARE,
    LOW_CONFIDENCE_RATE,
    NO_LABEL_RATE,
    WINDOW_IMAGES,
)
from customlabels.monitoring.settings import DriftSettings
from customlabels.naming import METRIC_NAMESPACE
from customlabels.storage_layout import SHADOW_PREFIX
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import On
from infra.notifications import function_rule, topic_alarm
from infra.operations import pipeline_metric
from infra.permissions import Row
from infra.role_policies import granted_function
from infra.shadow import ShadowTests
from infra.storage import Storage


def results_by_model_version_arn(results_table: dynamodb.ITable) -> str:
    return f"{results_table.table_arn}/index/{BY_MODEL_VERSION_INDEX}"


class DriftMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        storage: Storage,
        topic: sns.ITopic,
        registry: dynamodb.ITable,
        results_table: dynamodb.ITable,
        rule_dead_letters: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.check = self._function(config, storage, registry, results_table)
        self.period = Duration.minutes(config.driftCheckMinutes)
        self.schedule, self.schedule_failed = function_rule(
            self,
            "DriftSchedule",
            function=self.check.function,
            dead_letters=rule_dead_letters,
            topic=topic,
            description=f"Runs the drift check of {config.projectName}'s champion",
            failed="The drift schedule could not invoke the drift check",
            schedule=events.Schedule.rate(self.period),
        )
        self.alarm = topic_alarm(
            self,
            "DriftAlarm",
            self._metric(DRIFT_DETECTED, "Maximum"),
            1,
            f"What {config.projectName}'s champion sees has drifted from its test set (label mix, "
            "no-label or low-confidence rate over their thresholds): `customlabels monitor` says which",
            topic,
        )

    def _function(
        self, config: Config, storage: Storage, registry: dynamodb.ITable, results_table: dynamodb.ITable
    ) -> PipelineFunction:
        return granted_function(
            self,
            "DriftCheck",
            module="drift_check",
            config=config,
            storage=storage,
            targets={
                On.REGISTRY: registry.table_arn,
                On.RESULTS_BY_MODEL_VERSION: results_by_model_version_arn(results_table),
            },
            timeout_seconds=300,
            memory_size=512,
            reserved_concurrency=1,
            environment=DriftSettings(
                project_name=config.projectName,
                registry_table_name=registry.table_name,
                results_table_name=results_table.table_name,
                drift_window_hours=config.driftWindowHours,
                drift_min_images=config.driftMinImages,
                drift_max_divergence=config.driftMaxDivergence,
                drift_max_no_label_increase=config.driftMaxNoLabelIncrease,
                drift_max_low_confidence_increase=config.driftMaxLowConfidenceIncrease,
                min_confidence=config.minConfidence,
            ).to_environment(),
        )

    def _metric(self, name: str, statistic: str) -> cloudwatch.Metric:
        project = self.config.projectName
        return pipeline_metric(project, name, statistic, self.period, ProjectName=project)

    def add_to(self, dashboard: cloudwatch.Dashboard) -> None:
        """A row: the drift alarm, the whole-mix figures, and each label's share over time."""
        label_shares = cloudwatch.MathExpression(
            expression=(
                f'SEARCH(\'{{{METRIC_NAMESPACE},Label,ProjectName,service}} MetricName="{LABEL_SHARE}" '
                f"ProjectName=\"{self.config.projectName}\"', 'Average', {self.period.to_seconds()})"
            ),
            label="",
            period=self.period,
        )
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Drift", alarms=[self.alarm, self.schedule_failed], width=6, height=6
            ),
            cloudwatch.GraphWidget(
                title="Drift of the champion's inputs (rates, divergence)",
                left=[
                    self._metric(DIVERGENCE, "Maximum"),
                    self._metric(NO_LABEL_RATE, "Maximum"),
                    self._metric(LOW_CONFIDENCE_RATE, "Maximum"),
                ],
                right=[self._metric(WINDOW_IMAGES, "Maximum")],
                width=9,
            ),
            cloudwatch.GraphWidget(title="Label shares of the window", left=[label_shares], width=9),
        )


def monitoring_rows(storage: Storage, drift: DriftMonitoring, shadow: ShadowTests) -> list[Row]:
    """OperatorAccess for ``customlabels monitor`` and ``customlabels shadow``: they run the pipeline's
    functions (which do the work with their own roles) and read what those leave."""
    inference = storage.inference_bucket
    return [
        Row(
            "RunMonitoring",
            ["lambda:InvokeFunction"],
            [drift.check.function.function_arn, shadow.control.function.function_arn],
            "monitor runs the drift check now; shadow start/stop run the shadow control (which starts and "
            "stops the challenger and writes the test's state).",
        ),
        Row(
            "ReadDriftAlarm",
            ["cloudwatch:DescribeAlarms"],
            [drift.alarm.alarm_arn],
            "monitor and the console's Monitoring page show the drift alarm's state and period. "
            "DescribeAlarms takes the alarm's ARN as its resource (Service Authorization Reference; AWS's "
            "ARC guide grants it on named alarms the same way).",
        ),
        Row(
            "ReadShadowComparisons",
            ["s3:GetObject"],
            [inference.arn_for_objects(f"{SHADOW_PREFIX}*")],
            "shadow report reads the test's comparisons under shadow/ of the inference bucket.",
        ),
        Row(
            "ListShadowComparisons",
            ["s3:ListBucket"],
            [inference.bucket_arn],
            "shadow report lists the test's comparisons (shadow/ only).",
            conditions={"StringLike": {"s3:prefix": [f"{SHADOW_PREFIX}*"]}},
        ),
    ]
