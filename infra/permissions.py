"""Managed policies a team attaches to people, following the guide's setup chapter.

The guide's console policy grants S3 on ``custom-labels-console-*`` and ``rekognition:*`` on ``*``.
Here every statement is narrowed to this stack's bucket, key and project ARNs; the few
statements that must stay on ``*`` are the ones whose actions have no resource scope.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import Config
from infra.storage import Storage

# One IAM action per Custom Labels operation (spec 01 §9), minus model copy and project
# policies, which the pipeline does not use.
SDK_OPERATIONS = [
    "CreateProject", "DeleteProject",
    "CreateDataset", "DeleteDataset", "DescribeDataset", "DistributeDatasetEntries",
    "ListDatasetEntries", "ListDatasetLabels", "UpdateDatasetEntries",
    "CreateProjectVersion", "DeleteProjectVersion", "DescribeProjectVersions",
    "StartProjectVersion", "StopProjectVersion", "DetectCustomLabels",
    "TagResource", "UntagResource", "ListTagsForResource",
]  # fmt: skip

OBJECT_READ_WRITE = [
    "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectAcl",
    "s3:PutObject", "s3:PutObjectTagging",
]  # fmt: skip
BUCKET_READ = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:GetBucketVersioning"]


def project_arn_pattern(project_name: str) -> str:
    """Matches the project, its datasets and its model versions (spec 01 §7.1)."""
    return f"arn:{Aws.PARTITION}:rekognition:{Aws.REGION}:{Aws.ACCOUNT_ID}:project/{project_name}/*"


def model_version_arn_pattern(project_name: str) -> str:
    return f"arn:{Aws.PARTITION}:rekognition:{Aws.REGION}:{Aws.ACCOUNT_ID}:project/{project_name}/version/*"


def key_use_statement(storage: Storage, *, for_training: bool) -> iam.PolicyStatement:
    """SSE-KMS sources need Decrypt/GenerateDataKey; KmsKeyId in CreateProjectVersion needs
    CreateGrant/DescribeKey (spec 01 §4)."""
    actions = ["kms:Decrypt", "kms:GenerateDataKey"]
    if for_training:
        actions += ["kms:CreateGrant", "kms:DescribeKey"]
    return iam.PolicyStatement(actions=actions, resources=[storage.key.key_arn])


class UserPolicies(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config, storage: Storage) -> None:
        super().__init__(scope, construct_id)
        bucket = storage.console_bucket
        project = project_arn_pattern(config.projectName)

        self.console_access = iam.ManagedPolicy(
            self,
            "ConsoleAccess",
            description=f"Custom Labels console use of project {config.projectName} and its bucket",
            statements=[
                iam.PolicyStatement(sid="ListBuckets", actions=["s3:ListAllMyBuckets"], resources=["*"]),
                iam.PolicyStatement(
                    sid="ConsoleBucket",
                    actions=BUCKET_READ + OBJECT_READ_WRITE,
                    resources=[bucket.bucket_arn, bucket.arn_for_objects("*")],
                ),
                iam.PolicyStatement(
                    sid="ListProjects", actions=["rekognition:DescribeProjects"], resources=["*"]
                ),
                iam.PolicyStatement(sid="Project", actions=["rekognition:*"], resources=[project]),
                iam.PolicyStatement(sid="GroundTruth", actions=["groundtruthlabeling:*"], resources=["*"]),
                key_use_statement(storage, for_training=True),
            ],
        )

        self.sdk_access = iam.ManagedPolicy(
            self,
            "SdkAccess",
            description=f"Programmatic Custom Labels use of project {config.projectName}",
            statements=[
                iam.PolicyStatement(
                    sid="ListProjects", actions=["rekognition:DescribeProjects"], resources=["*"]
                ),
                iam.PolicyStatement(
                    sid="Project",
                    actions=[f"rekognition:{op}" for op in SDK_OPERATIONS],
                    resources=[project],
                ),
                iam.PolicyStatement(
                    sid="ConsoleBucket",
                    actions=BUCKET_READ + OBJECT_READ_WRITE,
                    resources=[bucket.bucket_arn, bucket.arn_for_objects("*")],
                ),
                key_use_statement(storage, for_training=True),
            ],
        )

        self.inference_only = iam.ManagedPolicy(
            self,
            "InferenceOnly",
            description=f"DetectCustomLabels on the model versions of {config.projectName}, nothing else",
            statements=[
                iam.PolicyStatement(
                    sid="Detect",
                    actions=["rekognition:DetectCustomLabels"],
                    resources=[model_version_arn_pattern(config.projectName)],
                )
            ],
        )
