"""The result-document writer: the results table's stream -> each upload's result document PUT to S3.

The detect function writes an upload's results-table item with its result document in it (attribute
``document``, gzip of the S3 object body) rather than PUTting the document itself, one AWS call fewer
per image. This function reads the table's stream (NEW_IMAGE) through an event source mapping whose
filter passes only items that carry a document, PUTs it to the item's ``resultUri`` and removes it from
the item; that removal's own stream record carries no document, so the filter drops it. A record that
still fails after its retries goes to the writer's failure queue, whose alarm tells the topic.
"""

from __future__ import annotations

import jsii
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from customlabels.inference.result_documents import DOCUMENT, ResultDocumentSettings
from infra.config import Config
from infra.functions import PipelineFunction
from infra.grants import On
from infra.role_policies import granted_function
from infra.storage import Storage

# Lambda's stream batch: up to 100 records, each one PUT and one UpdateItem (well within the timeout).
BATCH_SIZE = 100
RETRY_ATTEMPTS = 10
TIMEOUT_SECONDS = 60


def document_filter() -> lambda_.FilterCriteria:
    """New or changed items whose new image has a ``document``. Lambda Developer Guide, "Using event
    filtering with a DynamoDB event source": NewImage attributes are matched in DynamoDB JSON, and the
    Exists operator applies to leaf nodes only, here the ``B`` value of the Binary attribute."""
    return lambda_.FilterCriteria.filter(
        {
            "eventName": lambda_.FilterRule.or_("INSERT", "MODIFY"),
            "dynamodb": {"NewImage": {DOCUMENT: {"B": lambda_.FilterRule.exists()}}},
        }
    )


def result_document_writer(
    scope: Construct,
    *,
    config: Config,
    storage: Storage,
    results_table: dynamodb.Table,
    failure_queue: sqs.IQueue,
) -> PipelineFunction:
    """The function and its stream mapping. Not DynamoEventSource: its table.grantStreamRead adds
    kms:Decrypt on the key without kms:ViaService, and SqsDlq adds kms:Encrypt/ReEncrypt* on it; the
    grant table (infra/grants.py) holds exactly what the function's role needs."""
    stream_arn = results_table.table_stream_arn
    if stream_arn is None:
        raise ValueError("the results table needs a stream (NEW_IMAGE) for the result-document writer")
    writer = granted_function(
        scope,
        "WriteResultDocuments",
        module="write_result_documents",
        config=config,
        storage=storage,
        targets={
            On.RESULTS_TABLE: results_table.table_arn,
            On.RESULTS_STREAM: stream_arn,
            On.DOCUMENT_FAILURES: failure_queue.queue_arn,
        },
        timeout_seconds=TIMEOUT_SECONDS,
        environment=ResultDocumentSettings(results_table_name=results_table.table_name).to_environment(),
    )
    writer.function.add_event_source_mapping(
        "ResultsStream",
        event_source_arn=stream_arn,
        starting_position=lambda_.StartingPosition.TRIM_HORIZON,
        batch_size=BATCH_SIZE,
        bisect_batch_on_error=True,
        retry_attempts=RETRY_ATTEMPTS,
        report_batch_item_failures=True,
        filters=[document_filter()],
        on_failure=_QueueOnFailure(failure_queue),
    )
    return writer


@jsii.implements(lambda_.IEventSourceDlq)
class _QueueOnFailure:
    """The on-failure destination without SqsDlq's grants (the writer's SendFailedRecords row has it)."""

    def __init__(self, queue: sqs.IQueue) -> None:
        self._queue = queue

    def bind(
        self, _target: lambda_.IEventSourceMapping, _function: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self._queue.queue_arn)
