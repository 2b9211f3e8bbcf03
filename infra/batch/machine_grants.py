"""What the batch machine's role may do beyond invoking its functions (PipelineStateMachine grants that):
list and read the sources, write the Map's results, use the key through S3, run its child workflows."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from customlabels.storage_layout import BATCHES_PREFIX
from infra.batch.functions import BatchFunctions
from infra.nag import acknowledge, nag_text
from infra.state_machine import PipelineStateMachine
from infra.storage import Storage


def machine_arn(scope: Construct, name: str) -> str:
    return f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:stateMachine:{name}"


def grant_machine(
    scope: Construct, machine: PipelineStateMachine, storage: Storage, functions: BatchFunctions, name: str
) -> None:
    console, inference = storage.console_bucket, storage.inference_bucket
    statements = [
        iam.PolicyStatement(
            sid="ListSourceBuckets",
            actions=["s3:ListBucket"],
            resources=[console.bucket_arn, inference.bucket_arn],
        ),
        iam.PolicyStatement(
            sid="ReadManifests",
            actions=["s3:GetObject"],
            resources=[console.arn_for_objects("*"), inference.arn_for_objects("*")],
        ),
        iam.PolicyStatement(
            sid="WriteMapResults",
            actions=[
                "s3:PutObject",
                "s3:GetObject",
                "s3:ListMultipartUploadParts",
                "s3:AbortMultipartUpload",
            ],
            resources=[inference.arn_for_objects(f"{BATCHES_PREFIX}*")],
        ),
        iam.PolicyStatement(
            sid="InvokeChildren",
            actions=["lambda:InvokeFunction"],
            resources=[
                arn
                for child in (functions.analyse, functions.video_chunk)
                for arn in (child.function.function_arn, f"{child.function.function_arn}:*")
            ],
        ),
        iam.PolicyStatement(
            sid="RunChildWorkflows",
            actions=["states:StartExecution"],
            resources=[machine_arn(scope, name)],
        ),
        iam.PolicyStatement(
            sid="WatchChildWorkflows",
            actions=["states:DescribeExecution", "states:StopExecution"],
            resources=[f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:{name}/*"],
        ),
    ]
    for statement in statements:
        machine.add_to_role_policy(statement)
    machine.use_key_through(
        storage.key,
        ["s3"],
        "The Map's ItemReader/ResultWriter read and write the SSE-KMS buckets; the key is usable only "
        "through S3 (kms:ViaService).",
    )
    for bucket in (console, inference):
        acknowledge(
            machine,
            f"AwsSolutions-IAM5[Resource::{nag_text(scope, bucket.bucket_arn)}/*]",
            "The batch source (a prefix or a manifest) may be anywhere in the stack's two buckets; the "
            "ItemReader lists the prefix or reads the manifest.",
        )
    acknowledge(
        machine,
        f"AwsSolutions-IAM5[Resource::{nag_text(scope, inference.bucket_arn)}/batches/*]",
        "The ResultWriter writes each execution's results under batches/<execution>/.",
    )
    acknowledge(
        machine,
        f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
        f"execution:{nag_text(scope, name)}/*]",
        "The Distributed Map's child workflows are executions of this state machine, named at run time.",
    )
