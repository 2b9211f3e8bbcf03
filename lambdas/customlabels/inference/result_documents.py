"""Result documents that reach S3 through the results table's stream.

The detect function writes an upload's results-table row with its whole result document in the row
(``document``: the gzip-compressed bytes of the S3 object body) instead of PUTting the document
itself. The writer reads the table's stream (NEW_IMAGE), PUTs the body to the row's ``resultUri`` and
then removes ``document`` from the row. The removal is conditioned on the row still being the one the
record shows (same ``finishedAt``): a newer write of the row carries its own document in its own
stream record, which writes it in turn, so a failed condition is not an error.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from customlabels.aws_clients import client
from customlabels.environment import FunctionSettings
from customlabels.inference.results import (
    ROW_DOCUMENT,
    ROW_FINISHED_AT,
    ROW_IMAGE,
    ROW_RESULT_URI,
    ROW_VERSION,
)
from customlabels.metrics import Metric
from customlabels.s3uri import S3Uri, parse_s3_uri

DOCUMENT = ROW_DOCUMENT  # Binary: gzip of the exact S3 object body
RESULT_URI = ROW_RESULT_URI  # s3://bucket/key where the document goes
FINISHED_AT = ROW_FINISHED_AT
IMAGE, VERSION = ROW_IMAGE, ROW_VERSION  # the results table's key (infra/inference.py)
CONTENT_TYPE = "application/json"

logger = Logger(child=True)
metrics = Metrics()


class BadResultRow(ValueError):
    """A stream record whose row cannot give a document to write; the message names the row and why."""


@dataclass(frozen=True)
class PendingDocument:
    """One row's document, ready to write: where, what, and which write of the row it came from."""

    row_key: dict[str, str]
    destination: S3Uri
    body: bytes
    finished_at: str

    def __str__(self) -> str:
        return f"image={self.row_key[IMAGE]} version={self.row_key[VERSION]}"


def pending_document(new_image: Mapping[str, Any]) -> PendingDocument | None:
    """The document a row's new image carries (None without one); BadResultRow when it cannot be written.

    ``new_image`` is the deserialized NewImage of a stream record. In a Lambda event a Binary attribute is
    base64 text (botocore's dynamodbstreams model: ``AttributeValue.B`` is a blob, its example
    ``"B": "dGhpcyB0ZXh0IGlzIGJhc2U2NC1lbmNvZGVk"``); Powertools' deserializer keeps it as text.
    """
    if DOCUMENT not in new_image:
        return None
    row = f"image={new_image.get(IMAGE)!r} version={new_image.get(VERSION)!r}"
    if not isinstance(new_image.get(IMAGE), str) or not isinstance(new_image.get(VERSION), str):
        raise BadResultRow(f"results row {row}: the record has no image/version key")
    try:
        destination = parse_s3_uri(str(new_image.get(RESULT_URI)))
    except ValueError as error:
        raise BadResultRow(
            f"results row {row}: its {RESULT_URI} cannot take the document: {error}"
        ) from error
    finished_at = new_image.get(FINISHED_AT)
    if not isinstance(finished_at, str) or not finished_at:
        raise BadResultRow(
            f"results row {row}: it has no {FINISHED_AT}, so its document cannot be removed safely"
        )
    return PendingDocument(
        row_key={IMAGE: new_image[IMAGE], VERSION: new_image[VERSION]},
        destination=destination,
        body=_gunzip(new_image[DOCUMENT], row),
        finished_at=finished_at,
    )


def _gunzip(value: Any, row: str) -> bytes:
    try:
        compressed = base64.b64decode(value, validate=True) if isinstance(value, str) else bytes(value)
        return gzip.decompress(compressed)
    except (binascii.Error, TypeError, OSError, EOFError, zlib.error) as error:
        raise BadResultRow(
            f"results row {row}: its {DOCUMENT} is not gzip-compressed bytes ({error}); the detect "
            "function writes gzip.compress(<the S3 object body>)"
        ) from error


class DocumentWriter:
    """PUTs a row's document to S3, then removes it from the row if the row is still that write."""

    def __init__(self, results_table_name: str, *, s3: Any, dynamodb: Any) -> None:
        self.table = results_table_name
        self.s3 = s3
        self.dynamodb = dynamodb

    def write(self, document: PendingDocument) -> bool:
        """True when the row's ``document`` was removed; False when a newer write of the row holds it."""
        self.s3.put_object(
            Bucket=document.destination.bucket,
            Key=document.destination.key,
            Body=document.body,
            ContentType=CONTENT_TYPE,
        )
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={name: {"S": value} for name, value in document.row_key.items()},
                UpdateExpression="REMOVE #document",
                ConditionExpression="attribute_exists(#document) AND #finishedAt = :finishedAt",
                ExpressionAttributeNames={"#document": DOCUMENT, "#finishedAt": FINISHED_AT},
                ExpressionAttributeValues={":finishedAt": {"S": document.finished_at}},
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True


@dataclass(frozen=True)
class ResultDocumentSettings(FunctionSettings):
    """Set by infra/result_documents.py, read by handlers/write_result_documents.py at cold start."""

    results_table_name: str


class ResultDocumentStream:
    """One stream batch: each record's document written, the ones that fail reported as item failures.

    A failed record is retried by Lambda (bisecting the batch) and then sent to the on-failure
    destination (infra/result_documents.py); the others of the batch are not held back by it.
    """

    def __init__(self, env: Mapping[str, str]) -> None:
        self.settings = ResultDocumentSettings.from_environment(env)
        self.processor = BatchProcessor(
            event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
        )
        self.written = 0  # documents written in the batch under way

    @cached_property
    def writer(self) -> DocumentWriter:
        return DocumentWriter(self.settings.results_table_name, s3=client("s3"), dynamodb=client("dynamodb"))

    def run(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        self.written = 0
        response = process_partial_response(
            event=event, record_handler=self.write_record, processor=self.processor, context=context
        )
        if self.written:  # one value a batch (Powertools flushes a metric at 100 values)
            metrics.add_metric(
                name=Metric.RESULT_DOCUMENTS_WRITTEN, unit=MetricUnit.Count, value=self.written
            )
        return response

    def write_record(self, record: DynamoDBRecord) -> None:
        try:
            document = pending_document(record.dynamodb.new_image if record.dynamodb else {})
        except BadResultRow as error:
            logger.error(str(error))
            raise
        if document is None:
            logger.warning("stream record without a document skipped", extra={"eventName": record.event_name})
            return
        try:
            removed = self.writer.write(document)
        except ClientError as error:
            logger.error(f"results row {document}: could not write {document.destination}: {error}")
            raise
        self.written += 1
        if not removed:
            logger.info(
                "document written; a newer write of the row keeps its own", extra={"row": str(document)}
            )
