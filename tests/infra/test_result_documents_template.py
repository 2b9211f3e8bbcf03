"""The result-document writer as CloudFormation: the results table's stream and the filtered mapping
that carries each upload's result document to the writer, failures to the inference dead-letter queue."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from tests.infra.test_inference_template import only, resources


def writer_mapping(template_json: dict[str, Any]) -> dict[str, Any]:
    function_id, _ = only(template_json, "AWS::Lambda::Function", "WriteResultDocuments")
    [mapping] = [
        r["Properties"]
        for r in resources(template_json, "AWS::Lambda::EventSourceMapping").values()
        if r["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    return mapping


def stream_record(event_name: str, new_image: dict[str, Any]) -> dict[str, Any]:
    return {"eventName": event_name, "eventSource": "aws:dynamodb", "dynamodb": {"NewImage": new_image}}


ROW = {"image": {"S": "s3://bucket/uploads/a.jpg"}, "version": {"S": "v1"}, "finishedAt": {"S": "t"}}
DOCUMENT = {"B": base64.b64encode(gzip.compress(b'{"labels": []}')).decode()}


def test_the_results_table_streams_new_images(template_json) -> None:
    _, table = only(template_json, "AWS::DynamoDB::Table", "InferenceResults")
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


def test_the_writer_reads_the_results_stream_in_order_with_retries_and_a_failure_queue(
    template_json,
) -> None:
    mapping = writer_mapping(template_json)
    table_id, _ = only(template_json, "AWS::DynamoDB::Table", "InferenceResults")
    dlq_id, _ = only(template_json, "AWS::SQS::Queue", "InferenceDocumentFailureQueue")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
    assert mapping["StartingPosition"] == "TRIM_HORIZON"  # no row written before the mapping is lost
    assert mapping["BatchSize"] == 100
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [dlq_id, "Arn"]}}}


@pytest.mark.parametrize(
    ("event_name", "image", "passes"),
    [
        ("INSERT", {**ROW, "document": DOCUMENT}, True),
        ("MODIFY", {**ROW, "document": DOCUMENT}, True),  # a re-detection overwrites the row
        ("MODIFY", ROW, False),  # the writer's own REMOVE document
        ("INSERT", ROW, False),  # a batch-analysis or video row: it PUT its document itself
        ("REMOVE", {}, False),
    ],
)
def test_the_filter_passes_only_rows_that_carry_a_document(
    template_json, event_name: str, image: dict[str, Any], passes: bool
) -> None:
    [criteria] = writer_mapping(template_json)["FilterCriteria"]["Filters"]
    pattern = EventPattern.load(criteria["Pattern"])  # EventBridge's pattern grammar, as Lambda's filters
    assert pattern.matches_event(stream_record(event_name, image)) is passes
    assert json.loads(criteria["Pattern"])["dynamodb"]["NewImage"]["document"] == {"B": [{"exists": True}]}


def test_a_batch_the_writer_gave_up_on_alarms_on_the_topic_apart_from_the_uploads_dead_letters(
    template_json,
) -> None:
    queue_id, _ = only(template_json, "AWS::SQS::Queue", "InferenceDocumentFailureQueue")
    _, alarm = only(template_json, "AWS::CloudWatch::Alarm", "InferenceDocumentFailureAlarm")
    [dimension] = alarm["Dimensions"]
    assert dimension["Value"] == {"Fn::GetAtt": [queue_id, "QueueName"]}
    assert alarm["Threshold"] == 1 and alarm["AlarmActions"]
    assert "customlabels documents --resend" in alarm["AlarmDescription"]
