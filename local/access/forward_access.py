"""Forward access: Rekognition reading and writing S3 for its caller, one row per delivery.

With a forward access session (FAS) an AWS service makes a downstream request with the permissions of
the principal that called it: the request is evaluated against the caller's identity policies, the
bucket policy and, when S3 uses KMS for the object, the key policy. What each target sees:
- S3 sees the caller as principal and ``aws:ViaAWSService`` true. ``aws:CalledVia`` is not set:
  Rekognition is not among the services that set it (IAM User Guide, global condition keys,
  aws:CalledVia and aws:ViaAWSService:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-viaawsservice).
- KMS, for an SSE-KMS object, sees the caller, ``kms:ViaService`` = ``s3.<region>.amazonaws.com`` (the
  service that calls KMS) and the S3 encryption context ``aws:s3:arn`` (the object ARN, or the bucket
  ARN with S3 Bucket Keys): AWS KMS Developer Guide, kms:ViaService
  (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service)
  and Amazon S3 User Guide, "Encryption context"
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context).
Forward access sessions: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html

The lead folds these rows into the delivery table (``local/access/delivery_contexts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

GUIDE_S3_PERMISSIONS = (
    "Rekognition Custom Labels Developer Guide, 'Accessing external Amazon S3 buckets' (spec 01 §3.2, the "
    "S3 actions Rekognition performs for the caller) and 'Set up SDK permissions' (spec 01 §3.3: access to "
    "images is evaluated with the caller's identity permissions)"
)


@dataclass(frozen=True)
class ForwardAccessRow:
    delivery: str
    principal: str
    via: str  # the service principal the caller's request goes through
    serving: tuple[str, ...]  # the Rekognition operations whose S3 calls this row covers
    operations: tuple[str, ...]  # S3 operations the local service makes for them
    bucket_actions: tuple[str, ...]  # authorized on the bucket ARN
    object_actions: tuple[str, ...]  # authorized on the object ARN, when the operation names a key
    kms_action: str | None  # what S3 asks KMS for an SSE-KMS object, as the caller
    request_keys: dict[str, object]  # condition keys S3 sees besides the caller's own
    kms_keys: tuple[str, ...]  # condition keys KMS sees (values depend on the object)
    source: str


_S3_SEES = {"aws:ViaAWSService": True}
_KMS_SEES = ("kms:ViaService", "kms:EncryptionContext:aws:s3:arn", "kms:CallerAccount", "aws:ViaAWSService")

# The guide lists the whole read set as what Rekognition needs; it does not say which call uses which
# action, so every read is authorized on all of them (README, "Decisions where the guide is unclear").
REKOGNITION_READS = ForwardAccessRow(
    delivery="Rekognition reads manifests and images (CreateDataset, CreateProjectVersion) for its caller",
    principal="the caller of the Rekognition operation",
    via="rekognition.amazonaws.com",
    serving=("CreateDataset", "CreateProjectVersion"),
    operations=("GetObject", "HeadObject", "GetBucketAcl", "ListObjectsV2"),
    bucket_actions=("s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket"),
    object_actions=("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:GetObjectTagging"),
    kms_action="kms:Decrypt",
    request_keys=_S3_SEES,
    kms_keys=_KMS_SEES,
    source=GUIDE_S3_PERMISSIONS,
)
REKOGNITION_WRITES = ForwardAccessRow(
    delivery="Rekognition writes training output (CreateProjectVersion) and the copy's output "
    "(CopyProjectVersion) to OutputConfig for its caller",
    principal="the caller of the Rekognition operation",
    via="rekognition.amazonaws.com",
    serving=("CreateProjectVersion", "CopyProjectVersion"),
    operations=("PutObject",),
    bucket_actions=(),
    object_actions=("s3:PutObject",),
    kms_action="kms:GenerateDataKey",
    request_keys=_S3_SEES,
    kms_keys=_KMS_SEES,
    source=f"{GUIDE_S3_PERMISSIONS}; spec 06 §4.4: CopyProjectVersion needs access to the S3 output bucket",
)
REKOGNITION_READS_IMAGE = ForwardAccessRow(
    delivery="Rekognition reads the S3Object image of DetectCustomLabels for its caller",
    principal="the caller of DetectCustomLabels",
    via="rekognition.amazonaws.com",
    serving=("DetectCustomLabels",),
    operations=("GetObject", "HeadObject"),
    bucket_actions=(),
    object_actions=("s3:GetObject",),
    kms_action="kms:Decrypt",
    request_keys=_S3_SEES,
    kms_keys=_KMS_SEES,
    source="Rekognition Custom Labels Developer Guide, analyzing an image with a Lambda function: the "
    "function's role needs s3:GetObject on the images (spec 05); InvalidS3ObjectException when it cannot",
)
ROWS = (REKOGNITION_READS, REKOGNITION_WRITES, REKOGNITION_READS_IMAGE)
# A GetObject of a given VersionId is authorized as s3:GetObjectVersion (Amazon S3 API Reference,
# GetObject, "Permissions": "you need the s3:GetObjectVersion permission to access a specific version").
VERSIONED = {"s3:GetObject": "s3:GetObjectVersion"}


def row_for(serving: str, operation: str) -> ForwardAccessRow:
    for row in ROWS:
        if serving in row.serving and operation in row.operations:
            return row
    raise NotImplementedError(
        f"the local Custom Labels service calls S3 {operation} for the caller of {serving}, which no "
        "forward-access row (local/access/forward_access.py) covers: add it, with the AWS page that says "
        "what S3 checks"
    )
