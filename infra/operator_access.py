"""OperatorAccess: what ``customlabels train|analyse|start|stop|promote|usage|teardown|documents`` call
as a person (read from cli/customlabels_cli/commands/ and support/), nothing else. The runs themselves are the
state machines' work: the operator starts and follows them. Teardown deletes the project's Custom Labels
resources, which CloudFormation does not manage: the one reason a person keeps DeleteProjectVersion,
DeleteDataset and DeleteProject (infra/pipeline_guards.py denies them to everyone else)."""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from customlabels.inference.results import ROW_DOCUMENT, ROW_DOCUMENT_RESENDS
from infra.arns import model_version_arn_pattern, project_arn_pattern
from infra.config import Config
from infra.permissions import Row, console_bucket_rows
from infra.storage import Storage


def _states(kind: str, machine: sfn.IStateMachine, suffix: str) -> str:
    region, account = Aws.REGION, Aws.ACCOUNT_ID
    return f"arn:{Aws.PARTITION}:states:{region}:{account}:{kind}:{machine.state_machine_name}{suffix}"


def operator_rows(
    scope: Construct,
    config: Config,
    storage: Storage,
    registry: dynamodb.ITable,
    machines: list[sfn.IStateMachine],
) -> list[Row]:
    """`machines`: the training, model-control and batch-analysis state machines.

    A data table (one Row per permission), exempt from the function size limit."""
    project = config.projectName
    rows = [
        Row(
            "FindStack",
            ["cloudformation:DescribeStacks"],
            [Stack.of(scope).stack_id],
            "Without an outputs file the CLI reads the stack's outputs: this one stack.",
        ),
        Row(
            "StartRuns",
            ["states:StartExecution"],
            [machine.state_machine_arn for machine in machines],
            "train, analyse, start, stop and promote start the training, batch-analysis and "
            "model-control state machines.",
        ),
        Row(
            "FollowRuns",
            ["states:DescribeExecution", "states:GetExecutionHistory", "states:ListMapRuns"],
            [_states("execution", machine, ":*") for machine in machines],
            "The CLI follows the run it started (status, progress, a batch's map run); execution names "
            "are chosen per run.",
        ),
        Row(
            "FollowMapRuns",
            ["states:DescribeMapRun"],
            [_states("mapRun", machine, "/*") for machine in machines],
            "analyse counts a batch's items from its map run; map-run ARNs end in an id chosen per run.",
        ),
        Row(
            "ReadRegistry",
            ["dynamodb:GetItem", "dynamodb:Query"],
            [registry.table_arn],
            "start/stop/promote read the champion, promote --to production a version's lineage, teardown "
            "the project's versions. Only the pipeline writes the registry.",
        ),
        Row(
            "FindProject",
            ["rekognition:DescribeProjects"],
            ["*"],
            "train checks the version name is free and teardown finds the project; DescribeProjects has "
            "no resource-level scope.",
        ),
        Row(
            "Teardown",
            [
                "rekognition:DescribeProjectVersions",
                "rekognition:StopProjectVersion",
                "rekognition:DeleteProjectVersion",
                "rekognition:DeleteDataset",
                "rekognition:DeleteProject",
            ],
            [project_arn_pattern(project)],
            "teardown stops and deletes this project's versions, datasets and the project (CloudFormation "
            "does not manage them); train looks the version name up. ARNs end in a creation timestamp.",
        ),
        Row(
            "Usage",
            ["cloudwatch:ListMetrics", "cloudwatch:GetMetricData"],
            ["*"],
            "usage reads the AWS/Rekognition InUseInferenceUnits metrics; these actions have no "
            "resource-level scope for metrics.",
        ),
        *console_bucket_rows(storage),
    ]
    if config.productionAccount:
        rows.append(
            Row(
                "ReadGateTags",
                ["rekognition:ListTagsForResource"],
                [model_version_arn_pattern(project)],
                "promote --to production checks the version carries the pipeline's gate tags before the "
                "production run copies it. Model-version ARNs end in a creation timestamp.",
            )
        )
        rows.append(
            Row(
                "ReachProduction",
                ["sts:AssumeRole"],
                [f"arn:{Aws.PARTITION}:iam::{config.productionAccount}:role/*"],
                "promote --to production assumes the role the production account gives operators "
                "(--production-role); that role's trust policy decides who may.",
            )
        )
    return rows


def result_document_rows(results_table: dynamodb.ITable) -> list[Row]:
    """``customlabels documents [--resend]``: find the items whose document the writer has not written
    and make it try again, without being able to rewrite a result. An UpdateItem's
    ``dynamodb:Attributes`` are its key's, its update's and its condition's attribute names (DynamoDB
    Developer Guide, "Using IAM policy conditions for fine-grained access control": listed attributes
    "can be read, written, or evaluated in a conditional write"; the key's names must be listed), so
    the key, the counter and ``document`` (the condition's ``attribute_exists``) are the four."""
    return [
        Row(
            "FindUnwrittenDocuments",
            ["dynamodb:Scan"],
            [results_table.table_arn],
            "documents lists the results items that still carry their result document (a Scan filtered "
            "on attribute_exists(document), projecting the key, resultUri, finishedAt and the counter).",
        ),
        Row(
            "ResendDocuments",
            ["dynamodb:UpdateItem"],
            [results_table.table_arn],
            "documents --resend adds 1 to an item's documentResends while it has its document, so the "
            "table's stream carries it to the writer again; it may touch no other attribute and read none "
            "back (ReturnValues NONE).",
            conditions={
                "ForAllValues:StringEquals": {
                    "dynamodb:Attributes": ["image", "version", ROW_DOCUMENT_RESENDS, ROW_DOCUMENT]
                },
                "StringEquals": {"dynamodb:ReturnValues": "NONE"},
            },
        ),
    ]
