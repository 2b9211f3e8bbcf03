"""Managed policies a team attaches to people, following the guide's setup chapter.

The guide's console policy grants S3 on ``custom-labels-console-*`` and ``rekognition:*`` on ``*``.
Here every statement is narrowed to this stack's bucket, key and project ARNs; the few statements that
must stay on ``*`` are the ones whose actions have no resource scope. People write only under
``datasets/``: validation results and training output (which the F1 gate reads) are the pipeline's.
The key is usable only through S3 and Rekognition, and grants only for AWS resources.
``ReviewerAccess`` is what ``customlabels feedback`` needs (the feedback loop's reviewers), nothing else:
it reads the registry and writes only the project's feedback partition. ``ApproverAccess`` is
``customlabels approve|reject``: the approval function's IAM-authenticated URL, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from customlabels.feedback.lineage import feedback_partition
from customlabels.storage_layout import DATASETS_PREFIX, review_prefix
from infra import pipeline_guards
from infra.arns import model_version_arn_pattern, project_arn_pattern, regional_service
from infra.config import Config
from infra.nag import acknowledge_wildcards
from infra.storage import Storage

# One IAM action per Custom Labels operation on this project's ARNs (spec 01 §9), minus CreateProject
# (no resource scope: its own statement), model copy and project policies (CopyProjectVersion,
# Put/Delete/ListProjectPolicies: they move models to other accounts) and what the pipeline owns
# (CreateProjectVersion, DeleteProjectVersion, DeleteProject: infra/pipeline_guards.py denies them).
CUSTOM_LABELS_OPERATIONS = [
    "CreateDataset", "DeleteDataset", "DescribeDataset", "DistributeDatasetEntries",
    "ListDatasetEntries", "ListDatasetLabels", "UpdateDatasetEntries",
    "DescribeProjectVersions",
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
    conditions: dict[str, dict[str, str | list[str]]] | None = None


class UserPolicies(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config, storage: Storage) -> None:
        super().__init__(scope, construct_id)
        project = config.projectName
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
            *console_bucket_rows(storage),
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

    def add_reviewer_access(self, config: Config, storage: Storage, registry: dynamodb.ITable) -> None:
        """``customlabels feedback add|export|import|status`` (and ``import --dataset``), as a person runs
        them; built once the registry exists."""
        project = config.projectName
        console, inference = storage.console_bucket, storage.inference_bucket
        review = review_prefix(project)
        rows = [
            self._find_stack(),
            Row(
                "ListReviewSet",
                ["s3:ListBucket"],
                [inference.bucket_arn],
                "The review set is listed by prefix, review/<project>/ only.",
                {"StringLike": {"s3:prefix": [f"{review}*"]}},
            ),
            Row(
                "ReviewSet",
                ["s3:GetObject", "s3:PutObject"],
                [inference.arn_for_objects(f"{review}*")],
                "Review entries, exports and their records: objects under review/<project>/.",
            ),
            Row(
                "ReadImagesAndManifests",
                OBJECT_READ,
                [console.arn_for_objects("*"), inference.arn_for_objects("*")],
                "Images under review may be any object of the stack's two buckets (uploads, batch sources, "
                "images added by hand): added by HeadObject, copied by version on import; the import merges "
                "into the champion's training manifest, which may be anywhere in the console bucket.",
            ),
            Row(
                "WriteFeedbackData",
                OBJECT_WRITE,
                [console.arn_for_objects(f"{DATASETS_PREFIX}{project}/feedback/*")],
                "The import writes the reviewed images, the merged training manifest and the import record "
                "(the retraining trigger) under datasets/<project>/feedback/.",
            ),
            Row(
                "ReadRegistry",
                ["dynamodb:GetItem", "dynamodb:Query"],
                [registry.table_arn],
                "The champion and its manifests (GetItem), the imports and what waits for training (Query).",
            ),
            Row(
                "WriteFeedbackRecords",
                ["dynamodb:PutItem", "dynamodb:UpdateItem"],
                [registry.table_arn],
                "An import's lineage item (PutItem) and the pending count (UpdateItem), in the project's "
                "feedback partition only: champion, version, gate and approval items are the pipeline's.",
                {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [feedback_partition(project)]}},
            ),
            Row(
                "FindProject",
                ["rekognition:DescribeProjects"],
                ["*"],
                "import --dataset finds the TRAIN dataset; DescribeProjects has no resource-level scope.",
            ),
            Row(
                "UpdateTrainDataset",
                ["rekognition:DescribeDataset", "rekognition:UpdateDatasetEntries"],
                [project_arn_pattern(project)],
                "import --dataset adds the answers to this project's TRAIN dataset; dataset ARNs end in a "
                "creation timestamp unknown at deploy time.",
            ),
        ]
        self.reviewer_access = self._policy(
            "ReviewerAccess",
            f"customlabels feedback (the model-feedback loop) on project {project}, nothing else",
            rows,
            storage,
            rekognition_uses_key=False,
        )

    def add_approver_access(self, config: Config, approval_function: lambda_.IFunction) -> None:
        """``customlabels approve|reject``: the approval function's URL with IAM auth, nothing else."""
        self.approver_access = self._policy(
            "ApproverAccess",
            f"customlabels approve|reject of the training runs of project {config.projectName}, nothing else",
            [
                self._find_stack(),
                Row(
                    "DecideApprovals",
                    ["lambda:InvokeFunctionUrl"],
                    [approval_function.function_arn],
                    "Calls the approval function's URL, which takes who decided from the verified caller; "
                    "only with IAM auth (lambda:FunctionUrlAuthType, Service Authorization Reference).",
                    {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
                ),
            ],
        )

    def _find_stack(self) -> Row:
        return Row(
            "FindStack",
            ["cloudformation:DescribeStacks"],
            [Stack.of(self).stack_id],
            "Without an outputs file the CLI reads the stack's outputs: this one stack.",
        )
    def add_pipeline_guards(self, project: str) -> None:
        """What the pipeline owns, denied to people (infra/pipeline_guards.py); OperatorAccess keeps the
        deletes teardown needs."""
        for policy in (self.console_access, self.sdk_access, self.reviewer_access):
            policy.add_statements(*pipeline_guards.people_guards(project))

    def add_operator_access(self, rows: list[Row], storage: Storage) -> None:
        """``customlabels train|analyse|start|stop|promote|usage|teardown`` (infra/operator_access.py)."""
        self.operator_access = self._policy(
            "OperatorAccess",
            "customlabels operator commands: train, analyse, start/stop, promote, usage, teardown",
            rows,
            storage,
            rekognition_uses_key=False,
        )
        self.operator_access.add_statements(pipeline_guards.gate_tags_guard())

    def _policy(
        self,
        construct_id: str,
        description: str,
        rows: list[Row],
        storage: Storage | None = None,
        rekognition_uses_key: bool = True,
    ) -> iam.ManagedPolicy:
        statements = [
            iam.PolicyStatement(sid=r.sid, actions=r.actions, resources=r.resources, conditions=r.conditions)
            for r in rows
        ]
        if storage is not None:
            statements += _key_statements(storage, rekognition_uses_key)
        policy = iam.ManagedPolicy(self, construct_id, description=description, statements=statements)
        for row in rows:
            acknowledge_wildcards(policy, row.actions, row.resources, row.why)
        return policy


def console_bucket_rows(storage: Storage) -> list[Row]:
    console = storage.console_bucket
    return [
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


def _key_statements(storage: Storage, rekognition_uses_key: bool) -> list[iam.PolicyStatement]:
    """SSE-KMS objects are read and written through S3; Rekognition reads them (and the key, for a
    model's KmsKeyId) on the caller's behalf, and creates its grants for AWS resources only. (DynamoDB
    uses the key through its own grant: its callers need no key permission.)"""
    key = storage.key.key_arn
    via = ["s3", "rekognition"] if rekognition_uses_key else ["s3"]
    use = iam.PolicyStatement(
        sid="UseKeyThroughS3AndRekognition" if rekognition_uses_key else "UseKeyThroughS3",
        actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
        resources=[key],
        conditions={"StringEquals": {"kms:ViaService": [regional_service(name) for name in via]}},
    )
    if not rekognition_uses_key:
        return [use]
    return [
        use,
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
