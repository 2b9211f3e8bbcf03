"""The grant table: for every Lambda, each statement of its role, what it is on and why.

Read from the boto3 calls of each handler and the domain code it calls (``lambdas/handlers/*.py``,
``lambdas/customlabels/**``). ``infra/role_policies.py`` turns a row into the role's statements, and the
``why`` is also the reason of the cdk-nag acknowledgement a wildcard in the row needs.
tests/infra/test_grants.py asserts that every function's synthesized statements are exactly its rows.
Changing a handler's calls means changing its row here.

A data table: rows read top to bottom, exempt from the module size limit (tests/unit/test_code_sizes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from customlabels.monitoring.latest_report import PARTITION_PREFIX as DRIFT_PARTITION_PREFIX


class On(StrEnum):
    """What a grant is on; infra/role_policies.py maps each to its ARN (or pattern)."""

    ANY = "*"
    PROJECT = "project"  # this project, its datasets and model versions
    PROJECT_ITSELF = "this project itself"  # not its datasets or model versions
    VERSIONS = "model versions"
    CONSOLE_BUCKET = "console bucket"
    CONSOLE_OBJECTS = "console bucket objects"
    VALIDATION_OBJECTS = "console validation/"
    TRAINING_OUTPUT_OBJECTS = "console training-output/"
    INFERENCE_BUCKET = "inference bucket"
    UPLOADS = "inference uploads/"
    RESULTS = "inference results/"
    INFERENCE_OBJECTS = "inference bucket objects"
    BATCHES = "inference batches/"
    SHADOW = "inference shadow/"
    REVIEW_OPEN = "inference review/<project>/open/"
    TRAINING_MACHINE = "training state machine"
    REGISTRY = "registry table"
    APPROVAL_TOKENS = "approval tokens table"
    RESULTS_TABLE = "results table"
    RESULTS_STREAM = "results table's stream"
    RESULTS_BY_MODEL_VERSION = "results table's ByModelVersion index"
    IDEMPOTENCY_TABLE = "idempotency table"
    QUEUE = "inference queue"
    DOCUMENT_FAILURES = "result-document failure queue"
    BATCH_MACHINE = "batch-analysis state machine"
    TOPIC = "notifications topic"
    KEY = "app key"
    OWN_LOG_GROUP = "the function's log group"
    SOURCE_VERSIONS = "training project's versions"  # in the training account (production stack only)


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    on: On
    why: str
    via: tuple[str, ...] = ()  # kms:ViaService: the services that may use the key on the role's behalf
    list_prefix: str | None = None  # s3:prefix condition of s3:ListBucket
    only_if: tuple[str, str] | None = None  # (setting, value): granted only with that configuration
    only_with: str | None = None  # granted only when this (nullable) setting is set
    project_tag: bool = False  # aws:RequestTag/project must be the project name (no resource scope)
    # dynamodb:LeadingKeys must be this prefix followed by the project name: the item's partition
    partition_prefix: str | None = None
    if_target: bool = False  # granted only in a stack that has its target (``on``)


# What every function gets from infra/functions.py (X-Ray is added by CDK for active tracing).
PLUMBING = (
    Grant(
        "WriteOwnLogs",
        ("logs:CreateLogStream", "logs:PutLogEvents"),
        On.OWN_LOG_GROUP,
        "Lambda writes the function's logs to its own KMS-encrypted log group.",
    ),
    Grant(
        "",
        ("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
        On.ANY,
        "X-Ray active tracing sends trace segments; these actions have no resource-level scope.",
    ),
)

_PROJECTS = "rekognition:DescribeProjects lists projects by name; it has no resource-level scope."
_VERSIONS = (
    "Model-version ARNs end in a creation timestamp unknown at deploy time; the pattern is this "
    "project's versions."
)
_PROJECT = (
    "Project, dataset and model-version ARNs end in a creation timestamp unknown at deploy time; the "
    "pattern is this one project."
)
_REGISTRY_KEY = "The registry table is encrypted with the app key: item reads and writes use it."
_IF_HELD = "A conditional UpdateItem: a version the registry does not hold is left alone (no read first)."


def _describe_versions(why: str = "Reads the model version's status and description.") -> Grant:
    return Grant(
        "DescribeVersions", ("rekognition:DescribeProjectVersions",), On.PROJECT, f"{why} {_PROJECT}"
    )


def _registry(*verbs: str, why: str) -> Grant:
    return Grant("Registry", tuple(f"dynamodb:{verb}" for verb in verbs), On.REGISTRY, why)


def _review(path: str) -> Grant:
    return Grant(
        "WriteReviewSet",
        ("s3:PutObject",),
        On.REVIEW_OPEN,
        f"Results of the {path} below reviewBelowConfidence (or with no label) go to the review set, one "
        "object per image version under review/<project>/open/.",
        only_with="reviewBelowConfidence",
    )


def _key(
    *services: str, why: str, actions: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey")
) -> Grant:
    return Grant("UseKey", actions, On.KEY, why, via=services)


# The S3 reads Rekognition performs for its caller on training data (the guide's external-bucket policy,
# spec 01 §3.2); offline, the forward-access rows of local/access/delivery_contexts.py authorize each
# of them as the caller.
REKOGNITION_OBJECT_READS = ("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:GetObjectTagging")
REKOGNITION_BUCKET_READS = ("s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket")


def _rekognition_reads(operation: str, also: str = "") -> tuple[Grant, Grant]:
    """The guide's read set on the console bucket, for a role whose `operation` makes Rekognition read."""
    why = (
        f"{operation} makes Rekognition read the manifests and images with this role's access (forward "
        "access); the guide lists these reads for a bucket Rekognition trains from."
    )
    return (
        Grant(
            "ReadTrainingData",
            REKOGNITION_OBJECT_READS,
            On.CONSOLE_OBJECTS,
            f"{why} They may be anywhere in the console bucket.{also}",
        ),
        Grant("ReadTrainingBucket", REKOGNITION_BUCKET_READS, On.CONSOLE_BUCKET, why),
    )


def _read_videos(why: str) -> tuple[Grant, ...]:
    """A video source may be in either of the stack's buckets (its key is user-chosen)."""
    return tuple(
        Grant(
            sid,
            ("s3:GetObject", "s3:GetObjectVersion"),
            on,
            f"A video source may be any key of the {name}. {why}",
        )
        for sid, on, name in (
            ("ReadConsoleVideos", On.CONSOLE_OBJECTS, "console bucket"),
            ("ReadInferenceVideos", On.INFERENCE_OBJECTS, "inference bucket"),
        )
    )


GRANTS: dict[str, tuple[Grant, ...]] = {
    "validate_training_input": (),
    "validate_manifests": (
        Grant(
            "ReadManifestsAndImages",
            ("s3:GetObject",),
            On.CONSOLE_OBJECTS,
            "Manifests and the images they reference may be anywhere in the console bucket; the engine "
            "reads them (HeadObject, ranged GetObject).",
        ),
        Grant(
            "ListConsoleBucket",
            ("s3:ListBucket",),
            On.CONSOLE_BUCKET,
            "A missing manifest or image reads as 404 (an error the engine reports) rather than 403.",
        ),
        Grant(
            "ReadBucketOwner",
            ("s3:GetBucketAcl",),
            On.CONSOLE_BUCKET,
            "The images-bucket-owner check compares bucket owners (GetBucketAcl).",
        ),
        Grant(
            "WriteValidationResults",
            ("s3:PutObject",),
            On.VALIDATION_OBJECTS,
            "Writes manifest_summary.json and the *_with_validation.json files of each execution under "
            "validation/<project>/<execution>/.",
        ),
        _key(
            "s3", why="The console bucket is SSE-KMS with the app key: reads decrypt, writes make data keys."
        ),
    ),
    "ensure_project": (
        Grant("ListProjects", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        Grant(
            "CreateProject",
            ("rekognition:CreateProject",),
            On.ANY,
            "Creates the project when it does not exist; CreateProject has no resource-level scope, so "
            "the request must tag it project=<the stack's project>.",
            project_tag=True,
        ),
        Grant(
            "TagProject",
            ("rekognition:TagResource",),
            On.PROJECT,
            f"CreateProject with Tags also needs TagResource on the new project. {_PROJECT}",
        ),
        Grant(
            "FindVersionClash",
            ("rekognition:DescribeProjectVersions", "rekognition:ListTagsForResource"),
            On.PROJECT,
            "Before any dataset is replaced, a versionName already trained from other manifests fails the "
            f"run (the version's manifest-hash tags are compared). {_PROJECT}",
        ),
        Grant(
            "HashManifests",
            ("s3:GetObject",),
            On.CONSOLE_OBJECTS,
            "Hashes the run's manifests (anywhere in the console bucket) to compare with the version's tags.",
        ),
        _key("s3", why="The console bucket is SSE-KMS with the app key: reading a manifest decrypts."),
    ),
    "prepare_datasets": (
        Grant("ListProjects", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        Grant(
            "ReplaceDatasets",
            (
                "rekognition:CreateDataset",
                "rekognition:DeleteDataset",
                "rekognition:DescribeDataset",
                "rekognition:ListDatasetEntries",
                "rekognition:TagResource",
            ),
            On.PROJECT,
            f"Replaces the TRAIN/TEST datasets (created with tags) and reads their entry errors. {_PROJECT}",
        ),
        *_rekognition_reads("CreateDataset"),
        _key("s3", why="CreateDataset reads SSE-KMS objects of the console bucket through S3."),
    ),
    "split_datasets": (
        Grant(
            "SplitDatasets",
            ("rekognition:DistributeDatasetEntries",),
            On.PROJECT,
            f"Moves 20% of the TRAIN entries to the empty TEST dataset. {_PROJECT}",
        ),
    ),
    "train": (
        *_rekognition_reads(
            "CreateProjectVersion", " The function also hashes the manifests to tag the version (GetObject)."
        ),
        Grant(
            "WriteTrainingOutput",
            ("s3:PutObject",),
            On.TRAINING_OUTPUT_OBJECTS,
            "CreateProjectVersion writes its OutputConfig (training and evaluation results) with the "
            "caller's access under training-output/<project>/<version>/.",
        ),
        Grant(
            "Train",
            (
                "rekognition:CreateProjectVersion",
                "rekognition:DescribeProjectVersions",
                "rekognition:ListTagsForResource",
                "rekognition:TagResource",
            ),
            On.PROJECT,
            f"Starts training (with tags) or finds this run's version and compares its tags. {_PROJECT}",
        ),
        _registry("GetItem", "PutItem", why="Records the new version (PutItem) unless a re-run finds it."),
        _key(
            "dynamodb",
            "rekognition",
            "s3",
            why="Reads SSE-KMS manifests, writes registry items, and Rekognition reads the key (KmsKeyId).",
            actions=("kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"),
        ),
        Grant(
            "GrantKeyToRekognition",
            ("kms:CreateGrant",),
            On.KEY,
            "CreateProjectVersion with KmsKeyId lets Rekognition create a grant for the model's copy of the "
            "images; only Rekognition, only for an AWS resource.",
            via=("rekognition",),
        ),
    ),
    "check_training": (
        _describe_versions(),
        Grant(
            "ReadTrainingOutput",
            ("s3:GetObject",),
            On.TRAINING_OUTPUT_OBJECTS,
            "On TRAINING_FAILED reads the manifest summary the service wrote under training-output/.",
        ),
        _registry("UpdateItem", why="Records the training end (conditional update of the version item)."),
        _key("dynamodb", "s3", why=f"Reads SSE-KMS training output. {_REGISTRY_KEY}"),
    ),
    "evaluate": (
        _describe_versions(),
        Grant(
            "ReadEvaluation",
            ("s3:GetObject",),
            On.TRAINING_OUTPUT_OBJECTS,
            "Reads the evaluation summary the service wrote under training-output/<project>/<version>/.",
        ),
        _registry(
            "GetItem", "UpdateItem", why="Reads the champion pointer; records F1 and the gate decision."
        ),
        _key("dynamodb", "s3", why=f"Reads SSE-KMS training output. {_REGISTRY_KEY}"),
    ),
    "validate_control_input": (
        Grant("ListProjects", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        _describe_versions("Checks that the requested version exists."),
        _registry(
            "GetItem",
            why="Promote checks the version's gate result (a version that did not pass is refused "
            "unless force).",
        ),
        _key("dynamodb", why=_REGISTRY_KEY),
    ),
    "start_model": (
        _describe_versions(),
        Grant(
            "StartModel", ("rekognition:StartProjectVersion",), On.VERSIONS, f"Starts the model. {_VERSIONS}"
        ),
        _registry(
            "UpdateItem", why=f"Records the status and inference units on the version item. {_IF_HELD}"
        ),
        _key("dynamodb", why=_REGISTRY_KEY),
    ),
    "check_model": (
        _describe_versions(),
        _registry("UpdateItem", why=f"Records the status reached on the version item. {_IF_HELD}"),
        _key("dynamodb", why=_REGISTRY_KEY),
    ),
    "stop_model": (
        _describe_versions(),
        Grant("StopModel", ("rekognition:StopProjectVersion",), On.VERSIONS, f"Stops the model. {_VERSIONS}"),
        _registry("UpdateItem", why=f"Records the status on the version item. {_IF_HELD}"),
        _key("dynamodb", why=_REGISTRY_KEY),
    ),
    "promote": (
        _describe_versions("Reads the F1 score of a version the registry does not hold."),
        _registry(
            "GetItem",
            "PutItem",
            "UpdateItem",
            why="Reads the version's F1 and the champion pointer, moves the pointer (PutItem) and stamps "
            "the version with who promoted it (promotedBy, forced).",
        ),
        _key("dynamodb", why=_REGISTRY_KEY),
    ),
    "detect": (
        Grant(
            "DetectOnChampion",
            ("rekognition:DetectCustomLabels",),
            On.VERSIONS,
            "Detects labels with the champion, which changes with every promotion, and with a shadow "
            f"test's challenger. {_VERSIONS}",
        ),
        Grant(
            "StartStoppedChampion",
            ("rekognition:StartProjectVersion",),
            On.VERSIONS,
            f"onModelStopped=start: starts the champion when it is not running. {_VERSIONS}",
            only_if=("onModelStopped", "start"),
        ),
        Grant(
            "ReadUploads",
            ("s3:GetObject", "s3:GetObjectVersion"),
            On.UPLOADS,
            "Reads whatever image a user uploads under uploads/ of the inference bucket (ranged GETs of the "
            "header, by version); keys are user-chosen.",
        ),
        Grant(
            "ListUploads",
            ("s3:ListBucket",),
            On.INFERENCE_BUCKET,
            "Without ListBucket a deleted upload reads as 403 instead of 404 (and would be retried).",
            list_prefix="uploads/*",
        ),
        Grant(
            "WriteResults",
            ("s3:PutObject",),
            On.RESULTS,
            "Results mirror the upload's key under results/ (results/<key>.json or .error.json).",
        ),
        Grant(
            "WriteResultItems",
            ("dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            On.RESULTS_TABLE,
            "One results-table item per image, an SQS batch's items written together (BatchWriteItem; "
            "an upload's item carries its result document for the writer); a shadow test's comparisons "
            "are counted on one item (conditional ADD, so --images N holds).",
        ),
        Grant(
            "WriteShadowRecords",
            ("s3:PutObject",),
            On.SHADOW,
            "One shadow comparison per sampled upload: shadow/<project>/<challenger>/<key>#<version>.",
        ),
        _review("upload path (images and video frames)"),
        Grant(
            "IdempotencyRecords",
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
            On.IDEMPOTENCY_TABLE,
            "Powertools idempotency: one record per image version, in progress or done.",
        ),
        Grant(
            "ReadChampion",
            ("dynamodb:GetItem",),
            On.REGISTRY,
            "Reads the champion pointer and the champion's cap hold (capHoldUntil).",
        ),
        Grant(
            "ConsumeUploadMessages",
            (
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ),
            On.QUEUE,
            "Lambda's SQS poller receives and deletes with the function's role; the handler postpones "
            "messages of a starting model (ChangeMessageVisibility).",
        ),
        Grant(
            "StartLongVideoAnalysis",
            ("states:StartExecution",),
            On.BATCH_MACHINE,
            "A video too long for one run is analysed in chunks by the batch-analysis state machine "
            "(the production stack has none: there such a video gets a VIDEO_TOO_LONG error result).",
            if_target=True,
        ),
        _key(
            "dynamodb",
            "s3",
            "sqs",
            why="Uploads, results, tables and queue messages are encrypted with the app key.",
        ),
    ),
    "write_result_documents": (
        Grant(
            "WriteResultDocuments",
            ("s3:PutObject",),
            On.RESULTS,
            "PUTs the result document a results-table item carries to its resultUri: results/<key>.json "
            "or .error.json, keys mirroring the user-chosen upload keys.",
        ),
        Grant(
            "RemoveWrittenDocuments",
            ("dynamodb:UpdateItem",),
            On.RESULTS_TABLE,
            "Removes the written document from its item (REMOVE document, conditioned on finishedAt).",
        ),
        Grant(
            "ReadResultsStream",
            ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
            On.RESULTS_STREAM,
            "Lambda's event source mapping reads the results table's stream with the function's role "
            "(Lambda Developer Guide, 'Using Lambda with DynamoDB', execution role permissions).",
        ),
        Grant(
            "ListStreams",
            ("dynamodb:ListStreams",),
            On.ANY,
            "The event source mapping lists the table's streams; the Service Authorization Reference "
            "gives dynamodb:ListStreams no resource type, so it cannot be scoped.",
        ),
        Grant(
            "SendFailedRecords",
            ("sqs:SendMessage",),
            On.DOCUMENT_FAILURES,
            "Lambda sends a record that still fails after its retries to the on-failure destination, "
            "the writer's failure queue, with the function's role.",
        ),
        _key(
            "dynamodb",
            "s3",
            "sqs",
            why="The results table, the inference bucket and the failure queue are encrypted with the "
            "app key: S3 writes make data keys, SQS sends make and decrypt them.",
        ),
    ),
    "idle_guard": (
        Grant("ListProjects", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        _describe_versions("Lists the project's model versions and their status."),
        Grant(
            "StopModel",
            ("rekognition:StopProjectVersion",),
            On.VERSIONS,
            f"Stops whichever model version of this project is idle or over the daily cap. {_VERSIONS}",
        ),
        Grant(
            "ReadMetrics",
            ("cloudwatch:GetMetricData",),
            On.ANY,
            "Reads the Detections traffic and InServiceInferenceUnits metrics; GetMetricData has no "
            "resource-level scope.",
        ),
        Grant(
            "QueueDepth",
            ("sqs:GetQueueAttributes",),
            On.QUEUE,
            "Messages waiting in the inference queue keep a model running.",
        ),
        Grant("PublishStops", ("sns:Publish",), On.TOPIC, "Tells people about every stop."),
        _registry(
            "GetItem", "UpdateItem", why="Records what it saw and did (and the cap hold) on version items."
        ),
        _key("dynamodb", "sns", why=f"The topic is encrypted with the app key. {_REGISTRY_KEY}"),
    ),
    "notify_execution_end": (
        Grant(
            "PublishExecutionEnds",
            ("sns:Publish",),
            On.TOPIC,
            "Tells people once of every end of a pipeline execution (the execution-end rule's event).",
        ),
        _key("sns", why="The topic is encrypted with the app key."),
    ),
    "request_approval": (
        _registry(
            "UpdateItem",
            why="Marks the version PENDING with its deadline and execution (no token: people read the "
            "registry).",
        ),
        Grant(
            "KeepTaskToken",
            ("dynamodb:PutItem",),
            On.APPROVAL_TOKENS,
            "Keeps the task token where only the approval function reads it (no person's policy names "
            "this table).",
        ),
        Grant("PublishReview", ("sns:Publish",), On.TOPIC, "Sends reviewers what they need to decide."),
        _key("dynamodb", "sns", why=f"The topic is encrypted with the app key. {_REGISTRY_KEY}"),
    ),
    "decide_approval": (
        _registry(
            "GetItem",
            "UpdateItem",
            why="Finds the waiting version (GetItem) and records the decision with the verified caller's "
            "ARN (UpdateItem).",
        ),
        Grant(
            "UseTaskToken",
            ("dynamodb:GetItem", "dynamodb:DeleteItem"),
            On.APPROVAL_TOKENS,
            "Reads the waiting run's task token and removes it once used.",
        ),
        Grant(
            "AnswerTheRun",
            ("states:SendTaskSuccess", "states:SendTaskFailure"),
            On.ANY,
            "Approves or rejects the waiting run with its task token; SendTaskSuccess and SendTaskFailure "
            "have no resource-level scope (Service Authorization Reference): the token is the scope, and "
            "only this function can read it.",
        ),
        _key("dynamodb", why="The registry and the approval tokens table are encrypted with the app key."),
    ),
    "share_project": (
        Grant(
            "ShareWithProduction",
            ("rekognition:ListProjectPolicies", "rekognition:PutProjectPolicy"),
            On.PROJECT,
            "Puts the project policy that lets the production promotion role copy versions (or finds it "
            f"there). {_PROJECT}",
        ),
    ),
    "mark_gated": (
        Grant(
            "TagGatedVersion",
            ("rekognition:TagResource",),
            On.VERSIONS,
            "Tags the version this run gated and got approved (customlabels.promotion.gate): what the "
            f"training project's policy lets production copy. {_VERSIONS}",
        ),
    ),
    "validate_promotion_input": (
        Grant("ListProjects", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        _describe_versions("A rollback checks that the previous champion's copy exists."),
        _registry("GetItem", why="A rollback reads the production champion pointer (and its previous one)."),
        _key("dynamodb", why=_REGISTRY_KEY),
    ),
    "copy_model": (
        Grant(
            "CopyFromTraining",
            ("rekognition:CopyProjectVersion",),
            On.SOURCE_VERSIONS,
            "Copies an approved version of the one training project (the training project's policy must "
            "allow this role too). Model-version ARNs end in a creation timestamp unknown at deploy time.",
        ),
        Grant(
            "CopyIntoProject",
            ("rekognition:CopyProjectVersion",),
            On.PROJECT_ITSELF,
            "The Service Authorization Reference requires CopyProjectVersion on the destination project too; "
            "only this project (its ARN ends in a creation timestamp unknown at deploy time).",
        ),
        Grant(
            "FindOrTagCopy",
            (
                "rekognition:DescribeProjectVersions",
                "rekognition:ListTagsForResource",
                "rekognition:TagResource",
            ),
            On.PROJECT,
            f"Finds the copy an earlier run made (by its source tag) and tags a new copy. {_PROJECT}",
        ),
        Grant(
            "WriteCopyOutput",
            ("s3:PutObject",),
            On.TRAINING_OUTPUT_OBJECTS,
            "CopyProjectVersion writes the copy's training results to its OutputConfig with the caller's "
            "access, under training-output/<project>/<version>/.",
        ),
        _registry("GetItem", "PutItem", why="Records the copy with its lineage (source, hashes, approval)."),
        _key(
            "dynamodb",
            "rekognition",
            "s3",
            why="The guide: CopyProjectVersion with KmsKeyId needs DescribeKey, GenerateDataKey and Decrypt "
            "on the key; Rekognition writes the copy's output into the SSE-KMS bucket with the caller's "
            f"access, so KMS sees S3 as the via-service. {_REGISTRY_KEY}",
            actions=("kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"),
        ),
        Grant(
            "GrantKeyToRekognition",
            ("kms:CreateGrant",),
            On.KEY,
            "CopyProjectVersion with KmsKeyId lets Rekognition create a grant for the copied model; only "
            "Rekognition, only for an AWS resource.",
            via=("rekognition",),
        ),
    ),
    "check_copy": (
        _describe_versions("Reads the copy's status."),
        _registry("UpdateItem", why=f"Records the copy's end status. {_IF_HELD}"),
        _key("dynamodb", why=_REGISTRY_KEY),
    ),
    "batch_prepare": (
        Grant("ListProjects", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        _describe_versions("Resolves the run's model version and reads its status."),
        _registry("GetItem", why="Reads the champion pointer when the input names no versionName."),
        *_read_videos("Reads a video source's header (HeadObject, ranged GETs) to cut it into chunks."),
        Grant(
            "WriteVideoChunks",
            ("s3:PutObject",),
            On.BATCHES,
            "Writes a video source's frame chunks, batches/<execution>/chunks.jsonl, the Map's items.",
        ),
        _key("dynamodb", "s3", why="The registry table and the buckets are encrypted with the app key."),
    ),
    "batch_analyse": (
        Grant(
            "DetectOnRunModel",
            ("rekognition:DetectCustomLabels",),
            On.VERSIONS,
            f"Detects labels with the run's model version (the champion or versionName). {_VERSIONS}",
        ),
        Grant(
            "ReadConsoleImages",
            ("s3:GetObject", "s3:GetObjectVersion"),
            On.CONSOLE_OBJECTS,
            "A backfill source may be any prefix or manifest of the console bucket; images are read by "
            "version (a ranged GET of the header, which names the version; HeadObject for an empty one).",
        ),
        Grant(
            "ReadInferenceImages",
            ("s3:GetObject", "s3:GetObjectVersion"),
            On.INFERENCE_OBJECTS,
            "A backfill source may be any prefix or manifest of the inference bucket; images are read by "
            "version (a ranged GET of the header, which names the version; HeadObject for an empty one).",
        ),
        Grant(
            "ListConsoleBucket",
            ("s3:ListBucket",),
            On.CONSOLE_BUCKET,
            "A manifest line naming a missing image reads as 404 (a reported failure) rather than 403.",
        ),
        Grant(
            "ListInferenceBucket",
            ("s3:ListBucket",),
            On.INFERENCE_BUCKET,
            "An image deleted since the listing reads as 404 (a reported failure) rather than 403.",
        ),
        Grant(
            "WriteResults",
            ("s3:PutObject",),
            On.RESULTS,
            "Results go where the upload path writes them: results/<key under uploads/> or "
            "results/<bucket>/<key> (.json or .error.json).",
        ),
        _review("batch analysis"),
        Grant(
            "ResultItems",
            ("dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"),
            On.RESULTS_TABLE,
            "Skips an image whose result for this model version exists (BatchGetItem of the child's "
            "images by key); one item per image, written a batch at a time (BatchWriteItem).",
        ),
        _key("dynamodb", "s3", why="Images, results and the results table are encrypted with the app key."),
    ),
    "batch_video_chunk": (
        Grant(
            "DetectOnRunModel",
            ("rekognition:DetectCustomLabels",),
            On.VERSIONS,
            f"Detects labels in each frame with the run's model version. {_VERSIONS}",
        ),
        *_read_videos("Reads its chunk of the video (ranged GETs of the pinned version)."),
        Grant(
            "WriteChunkTimelines",
            ("s3:PutObject",),
            On.BATCHES,
            "Writes the chunk's timeline, batches/<execution>/chunks/<chunk>.json, for MergeVideo.",
        ),
        _key("s3", why="The buckets are SSE-KMS with the app key: reads decrypt, writes make data keys."),
    ),
    "batch_video_merge": (
        Grant(
            "ReadChunkTimelines",
            ("s3:GetObject",),
            On.BATCHES,
            "Reads the chunk timelines under batches/<execution>/chunks/.",
        ),
        Grant(
            "WriteResults",
            ("s3:PutObject",),
            On.RESULTS,
            "The video's result goes where the upload path writes it: results/<key under uploads/> or "
            "results/<bucket>/<key> (.json or .error.json).",
        ),
        Grant(
            "WriteResultItem", ("dynamodb:PutItem",), On.RESULTS_TABLE, "One results-table item per video."
        ),
        _review("long videos analysed in chunks (their frames)"),
        _key("dynamodb", "s3", why="The buckets and the results table are encrypted with the app key."),
    ),
    "start_retraining": (
        _registry(
            "GetItem",
            "UpdateItem",
            why="Reads the images imported since the last training (the FEEDBACK item), the champion and "
            "its testing manifest's hash (GetItem); takes the pending imports (conditional UpdateItem) and "
            "stamps each import with the run (UpdateItem).",
        ),
        Grant(
            "ReadFrozenTestSet",
            ("s3:GetObject",),
            On.CONSOLE_OBJECTS,
            "Hashes the champion's testing manifest, which may be anywhere in the console bucket, to check "
            "it is the one the registry holds (the frozen test set).",
        ),
        Grant(
            "StartTraining",
            ("states:StartExecution",),
            On.TRAINING_MACHINE,
            "Starts the training pipeline on the merged manifest.",
        ),
        _key("dynamodb", "s3", why="The registry and the console bucket are encrypted with the app key."),
    ),
    "batch_summary": (
        Grant(
            "ReadMapResults",
            ("s3:GetObject",),
            On.BATCHES,
            "Reads the Distributed Map's ResultWriter manifest and result files under batches/<execution>/.",
        ),
        Grant(
            "WriteSummary",
            ("s3:PutObject", "s3:AbortMultipartUpload"),
            On.BATCHES,
            "Writes summary.json and streams results.jsonl (multipart upload) under batches/<execution>/.",
        ),
        _key(
            "s3",
            why="The inference bucket is SSE-KMS with the app key: reads decrypt, writes make data keys.",
        ),
    ),
    "drift_check": (
        _registry("GetItem", why="Reads the champion pointer and its version item (its snapshot's place)."),
        Grant(
            "KeepLatestReport",
            ("dynamodb:PutItem",),
            On.REGISTRY,
            "Keeps the latest report (which the console shows) as the project's DRIFT item, in the "
            "DRIFT#<project> partition: the one partition this role may write (dynamodb:LeadingKeys).",
            partition_prefix=DRIFT_PARTITION_PREFIX,
        ),
        Grant("FindProject", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        _describe_versions(
            "A champion without a recorded snapshot: its TestingDataResult names the test snapshot."
        ),
        Grant(
            "ReadTestSnapshot",
            ("s3:GetObject",),
            On.TRAINING_OUTPUT_OBJECTS,
            "Reads the champion's evaluation manifest snapshot (the drift baseline) under training-output/.",
        ),
        Grant(
            "QueryWindow",
            ("dynamodb:Query",),
            On.RESULTS_BY_MODEL_VERSION,
            "Reads the champion's results of the window: one Query of the ByModelVersion index.",
        ),
        _key("dynamodb", "s3", why="The tables and the console bucket are encrypted with the app key."),
    ),
    "shadow_control": (
        Grant("FindProject", ("rekognition:DescribeProjects",), On.ANY, _PROJECTS),
        _describe_versions("Checks the challenger is trained, and whether it runs, before starting it."),
        Grant(
            "RunChallenger",
            ("rekognition:StartProjectVersion", "rekognition:StopProjectVersion"),
            On.VERSIONS,
            f"Starts the shadow test's challenger and stops it when the test ends. {_VERSIONS}",
        ),
        _registry(
            "GetItem",
            "PutItem",
            why="Reads the champion; writes the project's SHADOW item (the test's state), nothing else.",
        ),
        Grant(
            "ReadComparisonCount",
            ("dynamodb:GetItem",),
            On.RESULTS_TABLE,
            "Reads how many images the detect function compared (the test's counter item).",
        ),
        _key("dynamodb", why=f"The results table is encrypted with the app key. {_REGISTRY_KEY}"),
    ),
}

# Functions that exist only when the app has a production account (-c productionAccount=...).
TWO_ACCOUNT_MODULES = frozenset(
    {"share_project", "mark_gated", "validate_promotion_input", "copy_model", "check_copy"}
)
