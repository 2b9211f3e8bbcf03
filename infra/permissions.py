"""Managed policies a team attaches to people, following the guide's setup chapter.

The guide's console policy grants S3 on ``custom-labels-console-*`` and ``rekognition:*`` on ``*``.
Here every statement is narrowed to this stack's bucket, key and project ARNs; the few statements that
must stay on ``*`` are the ones whose actions have no resource scope. People write only under
``datasets/``: validation results and training output (which the F1 gate reads) are the pipeline's.
The key is usable only through S3 and Rekognition, and grants only for AWS resources.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.arns import model_version_arn_pattern, project_arn_pattern, regional_service
from infra.config import Config
from infra.nag import acknowledge_wildcards
from infra.storage import DATASETS_PREFIX, Storage

# One IAM action per Custom Labels operation on this project's ARNs (spec 01 §9), minus CreateProject
# (no resource scope: its own statement) and model copy and project policies (CopyProjectVersion,
# Put/Delete/ListProjectPolicies): they move models to other accounts.
CUSTOM_LABELS_OPERATIONS = [
    "DeleteProject",
    "CreateDataset", "DeleteDataset", "DescribeDataset", "DistributeDatasetEntries",
    "ListDatasetEntries", "ListDatasetLabels", "UpdateDatasetEntries",
    "CreateProjectVersion", "DeleteProjectVersion", "DescribeProjectVersions",
    "StartProjectVersion", "StopProjectVersion", "DetectCustomLabels",
    "TagResource", "UntagResource", "ListTagsForResource",
]  # fmt: skip

OBJECT_READ = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectAcl"]
OBJECT_WRITE = ["s3:PutObject", "s3:PutObjectTagging"]
BUCKET_READ = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:GetBucketVersioning"]


@dataclass(frozen=True)
class Row:
    sid: str
    actions: list[str]
    resources: list[str]
    why: str  # also the reason of the cdk-nag acknowledgement a wildcard here needs
    conditions: dict[str, dict[str, str]] | None = None


class UserPolicies(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config, storage: Storage) -> None:
        super().__init__(scope, construct_id)
        project = config.projectName
        console = storage.console_bucket
        shared = [
            Row(
                "ListProjects",
                ["rekognition:DescribeProjects"],
                ["*"],
                "rekognition:DescribeProjects lists projects by name; it has no resource-level scope.",
            ),
            Row(
                "CreateProject",
                ["rekognition:CreateProject"],
                ["*"],
                "CreateProject has no resource-level scope; the request must tag the project "
                f"project={project}.",
                {"StringEquals": {"aws:RequestTag/project": project}},
            ),
            Row(
                "Project",
                [f"rekognition:{op}" for op in CUSTOM_LABELS_OPERATIONS],
                [project_arn_pattern(project)],
                "Project, dataset and model-version ARNs end in a creation timestamp unknown at deploy "
                "time; the pattern is this one project.",
            ),
            Row(
                "ReadConsoleBucket",
                BUCKET_READ,
                [console.bucket_arn],
                "People list and inspect this one bucket.",
            ),
            Row(
                "ReadConsoleObjects",
                OBJECT_READ,
                [console.arn_for_objects("*")],
                "People read datasets, validation results and training output: objects of this one bucket.",
            ),
            Row(
                "WriteDatasets",
                OBJECT_WRITE,
                [console.arn_for_objects(f"{DATASETS_PREFIX}*")],
                "People upload manifests and images under datasets/ only; the keys are theirs to choose.",
            ),
        ]
        self.console_access = self._policy(
            "ConsoleAccess",
            f"Custom Labels console use of project {project} and its bucket",
            [
                Row(
                    "ListBuckets",
                    ["s3:ListAllMyBuckets"],
                    ["*"],
                    "The console lists buckets; s3:ListAllMyBuckets has no resource-level scope.",
                ),
                *shared,
                Row(
                    "GroundTruth",
                    ["groundtruthlabeling:*"],
                    ["*"],
                    "The guide's console policy grants Ground Truth labeling for the console's labeling "
                    "jobs; these actions have no resource-level scope.",
                ),
            ],
            storage,
        )
        self.sdk_access = self._policy(
            "SdkAccess", f"Programmatic Custom Labels use of project {project}", shared, storage
        )
        self.inference_only = self._policy(
            "InferenceOnly",
            f"DetectCustomLabels on the model versions of {project}, nothing else",
            [
                Row(
                    "Detect",
                    ["rekognition:DetectCustomLabels"],
                    [model_version_arn_pattern(project)],
                    "Model-version ARNs end in a creation timestamp; inference is allowed on this "
                    "project's versions only.",
                )
            ],
        )

    def _policy(
        self, construct_id: str, description: str, rows: list[Row], storage: Storage | None = None
    ) -> iam.ManagedPolicy:
        statements = [
            iam.PolicyStatement(sid=r.sid, actions=r.actions, resources=r.resources, conditions=r.conditions)
            for r in rows
        ]
        if storage is not None:
            statements += _key_statements(storage)
        policy = iam.ManagedPolicy(self, construct_id, description=description, statements=statements)
        for row in rows:
            acknowledge_wildcards(policy, row.actions, row.resources, row.why)
        return policy


def _key_statements(storage: Storage) -> list[iam.PolicyStatement]:
    """SSE-KMS objects are read and written through S3; Rekognition reads them (and the key, for a
    model's KmsKeyId) on the caller's behalf, and creates its grants for AWS resources only."""
    key = storage.key.key_arn
    return [
        iam.PolicyStatement(
            sid="UseKeyThroughS3AndRekognition",
            actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
            resources=[key],
            conditions={
                "StringEquals": {"kms:ViaService": [regional_service("s3"), regional_service("rekognition")]}
            },
        ),
        iam.PolicyStatement(
            sid="KeyGrantsForRekognition",
            actions=["kms:CreateGrant"],
            resources=[key],
            conditions={
                "StringEquals": {"kms:ViaService": [regional_service("rekognition")]},
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        ),
    ]
