"""DynamoDB stream mappings on the local endpoint, run as Lambda runs them: records in order and in
Lambda's shape, filters, retries with bisect and the on-failure destination, partial batch responses,
the function's role, and a drain that waits for the consumer."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models.dynamodb import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
)
from botocore.exceptions import ClientError

from local import lambda_hook, stream_shards
from local.deploy import deploy
from local.endpoint import LocalEndpoint
from local.event_sources import EventSources
from local.provision.base import Clients
from local.stream_sources import StreamPoller, StreamSources, stream_mapping
from tests.fixtures.tables import RESULTS_KEYS, create_table
from tests.unit.access.test_endpoint_authorization import ACCOUNT, REGION, Endpoint, _document

CONSUMER = """import json, os, time
from pathlib import Path

def handler(event, context):
    records = event["Records"]
    with open(os.environ["SEEN"], "a") as seen:
        seen.write(json.dumps(records) + "\\n")
    time.sleep(float(os.environ.get("SLEEP", "0")))
    bad = [r for r in records if "bad" in r["dynamodb"].get("NewImage", {})]
    if bad and os.environ.get("FAILS") == "error":
        raise ValueError("a bad record")
    once = Path(os.environ["SEEN"] + ".failed")
    if bad and os.environ.get("FAILS") == "report-once" and not once.exists():
        once.write_text("x")
        return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in bad]}
    return {}
"""
LAMBDA_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole",
}
STREAM_READ = ["dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[Endpoint]:
    handlers = tmp_path_factory.mktemp("handlers")
    (handlers / "stream_consumer.py").write_text(CONSUMER)
    with pytest.MonkeyPatch.context() as patch, LocalEndpoint(reset=True) as running:
        patch.setattr(lambda_hook, "HANDLERS_DIR", handlers)
        yield Endpoint(running.url)


@dataclass
class Consumer:
    """A table with a NEW_IMAGE stream and a function mapped to it, and what the function was sent."""

    endpoint: Endpoint
    name: str
    stream_arn: str
    seen_file: Path
    mapping: dict[str, Any]

    def put(self, image: str, **attributes: dict[str, str]) -> None:
        item = {"image": {"S": image}, "version": {"S": "1"}, **attributes}
        self.endpoint.client("dynamodb").put_item(TableName=self.name, Item=item)

    def batches(self) -> list[list[dict[str, Any]]]:
        if not self.seen_file.exists():
            return []
        return [json.loads(line) for line in self.seen_file.read_text().splitlines()]

    def images(self) -> list[list[str]]:
        return [[r["dynamodb"]["Keys"]["image"]["S"] for r in batch] for batch in self.batches()]

    def sources(self) -> StreamSources:
        lambda_ = self.endpoint.client("lambda")
        streams = self.endpoint.client("dynamodbstreams")
        return StreamSources([stream_mapping(self.mapping, lambda_)], streams, lambda_)

    def allow(self, *statements: dict[str, Any]) -> None:
        self.endpoint.client("iam").put_role_policy(
            RoleName=self.name, PolicyName="grants", PolicyDocument=_document(*statements)
        )


def consumer(
    endpoint: Endpoint, tmp_path: Path, name: str, env: dict[str, str] | None = None, **mapping: Any
) -> Consumer:
    dynamodb = endpoint.client("dynamodb")
    stream = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    create_table(dynamodb, name, RESULTS_KEYS, StreamSpecification=stream)
    stream_arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    role = endpoint.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=_document(LAMBDA_TRUST))
    seen = tmp_path / f"{name}.jsonl"
    lambda_ = endpoint.client("lambda")
    lambda_.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="handlers.stream_consumer.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        Environment={"Variables": {"SEEN": str(seen), **(env or {})}},
    )
    created = lambda_.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON", **mapping
    )
    found = Consumer(endpoint, name, stream_arn, seen, created)
    found.allow({"Effect": "Allow", "Action": STREAM_READ, "Resource": stream_arn})
    return found


def wait_for(condition, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_records_arrive_in_order_in_batches_shaped_as_lambda_sends_them(endpoint, tmp_path) -> None:
    table = consumer(endpoint, tmp_path, "ordered", BatchSize=2)
    document = gzip.compress(b'{"labels": []}')
    for image in ("a", "b", "c"):
        table.put(image, document={"B": document}, n={"N": "7"})
    sources = table.sources()
    try:
        assert wait_for(lambda: sum(map(len, table.images())) == 3)
    finally:
        sources.stop()
    assert table.images() == [["a", "b"], ["c"]]
    record = table.batches()[0][0]
    assert record["eventName"] == "INSERT" and record["eventSource"] == "aws:dynamodb"
    assert record["eventVersion"] == "1.0" and record["awsRegion"] == REGION and record["eventID"]
    assert record["eventSourceARN"] == table.stream_arn
    change = record["dynamodb"]
    assert change["Keys"] == {"image": {"S": "a"}, "version": {"S": "1"}}
    assert base64.b64decode(change["NewImage"]["document"]["B"]) == document
    assert change["NewImage"]["n"] == {"N": "7"} and change["StreamViewType"] == "NEW_IMAGE"
    assert isinstance(change["ApproximateCreationDateTime"], float) and change["SizeBytes"] > 0
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for batch in table.batches() for r in batch]
    assert sequence == sorted(sequence)
    # Delivered records stay in the stream for any other reader, as in AWS.
    streams = endpoint.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=table.stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=table.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert len(streams.get_records(ShardIterator=iterator)["Records"]) == 3


def test_the_filter_drops_records_that_match_no_pattern(endpoint, tmp_path) -> None:
    with_document = {"dynamodb": {"NewImage": {"document": {"B": [{"exists": True}]}}}}
    large = {"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 5]}]}}}}
    filters = {"Filters": [{"Pattern": json.dumps(with_document)}, {"Pattern": json.dumps(large)}]}
    table = consumer(endpoint, tmp_path, "filtered", FilterCriteria=filters)
    table.put("written", document={"B": gzip.compress(b"{}")})
    endpoint.client("dynamodb").update_item(
        TableName="filtered",
        Key={"image": {"S": "written"}, "version": {"S": "1"}},
        UpdateExpression="REMOVE document",
    )  # the MODIFY record that follows has no document
    table.put("small", n={"N": "3"})
    table.put("large", n={"N": "12"})
    sources = table.sources()
    try:
        assert wait_for(lambda: sources.caught_up_since(time.monotonic() - 0.01), 20)
    finally:
        sources.stop()
    delivered = [(r["eventName"], r["dynamodb"]["Keys"]["image"]["S"]) for b in table.batches() for r in b]
    assert delivered == [("INSERT", "written"), ("INSERT", "large")]


def on_failure_queue(endpoint: Endpoint, name: str) -> tuple[str, str]:
    sqs = endpoint.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_a_failing_batch_is_split_retried_and_its_description_sent_to_the_on_failure_queue(
    endpoint, tmp_path
) -> None:
    url, queue_arn = on_failure_queue(endpoint, "discarded")
    table = consumer(
        endpoint, tmp_path, "bisected", env={"FAILS": "error"},
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )  # fmt: skip
    table.allow(
        {"Effect": "Allow", "Action": STREAM_READ, "Resource": table.stream_arn},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn},
    )
    for image in ("a", "b", "bad", "d"):
        table.put(image, **({"bad": {"BOOL": True}} if image == "bad" else {}))
    sources = table.sources()
    try:
        assert wait_for(lambda: ["d"] in table.images())
    finally:
        sources.stop()
    assert table.images() == [["a", "b", "bad", "d"], ["a", "b"], ["bad", "d"], ["bad"], ["bad"], ["d"]]
    messages = endpoint.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    sent = json.loads(messages[0]["Body"])
    # the record's shape as Powertools models it from AWS's "Retaining discarded records for a DynamoDB
    # event source" page (services-dynamodb-errors.html)
    DynamoDBStreamLambdaOnFailureDestinationModel.model_validate(sent)
    bad = table.batches()[3][0]["dynamodb"]["SequenceNumber"]
    assert sent["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert sent["requestContext"]["approximateInvokeCount"] == 2
    assert sent["responseContext"]["functionError"]  # as the Invoke response's X-Amz-Function-Error said
    info = sent["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"] == bad
    assert info["streamArn"] == table.stream_arn and info["shardId"].startswith("shardId-")


def test_reported_item_failures_resume_from_the_lowest_failed_record(endpoint, tmp_path) -> None:
    table = consumer(
        endpoint, tmp_path, "partial", env={"FAILS": "report-once"},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )  # fmt: skip
    for image in ("a", "bad", "c"):
        table.put(image, **({"bad": {"BOOL": True}} if image == "bad" else {}))
    sources = table.sources()
    try:
        assert wait_for(lambda: len(table.batches()) == 2)
        time.sleep(1)  # nothing else comes
    finally:
        sources.stop()
    assert table.images() == [["a", "bad", "c"], ["bad", "c"]]


def test_a_role_that_may_not_read_the_stream_makes_no_progress_until_it_may(endpoint, tmp_path) -> None:
    table = consumer(endpoint, tmp_path, "unreadable")
    table.allow({"Effect": "Allow", "Action": ["dynamodb:DescribeStream", "dynamodb:GetShardIterator"],
                 "Resource": table.stream_arn})  # fmt: skip
    table.put("a")
    sources = table.sources()
    (poller,) = sources.pollers
    try:
        assert wait_for(lambda: poller.last_problem is not None)
        assert "dynamodb:GetRecords" in poller.last_problem and poller.is_alive()
        assert table.batches() == [] and poller.invocations == 0
        table.allow({"Effect": "Allow", "Action": STREAM_READ, "Resource": table.stream_arn})
        assert wait_for(lambda: table.images() == [["a"]])
    finally:
        sources.stop()


def test_wait_until_drained_waits_for_a_slow_consumer(endpoint, tmp_path) -> None:
    table = consumer(endpoint, tmp_path, "slow", env={"SLEEP": "1.5"})
    lambda_ = endpoint.client("lambda")
    sources = EventSources([], endpoint.client("sqs"), lambda_, table.sources())
    try:
        table.put("a")
        assert sources.wait_until_drained(30)
        assert table.images() == [["a"]]
        assert sources.streams.invocations() == 1
    finally:
        sources.stop()


def test_a_poller_whose_filter_is_not_a_pattern_says_so() -> None:
    mapping = stream_mapping(
        {
            "UUID": "0123456789abcdef",
            "EventSourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t/stream/label",
            "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f",
            "FilterCriteria": {"Filters": [{"Pattern": "not json"}]},
        },
        NoLambda(),
    )
    poller = StreamPoller(mapping, streams=None, lambda_=None, stopping=None)  # type: ignore[arg-type]
    assert poller.disabled_reason.startswith("the mapping's FilterCriteria is not a list of event patterns")


class NoLambda:
    def get_function(self, FunctionName: str) -> dict[str, Any]:
        return {"Configuration": {"Role": f"arn:aws:iam::{ACCOUNT}:role/f"}}


def test_a_deployed_template_maps_a_table_stream_with_every_stream_setting(endpoint, tmp_path) -> None:
    role = endpoint.client("iam").create_role(
        RoleName="deployed", AssumeRolePolicyDocument=_document(LAMBDA_TRUST)
    )
    seen = tmp_path / "deployed.jsonl"
    with_document = json.dumps({"dynamodb": {"NewImage": {"document": {"B": [{"exists": True}]}}}})
    template = {
        "Resources": {
            "Results": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in RESULTS_KEYS],
                    "AttributeDefinitions": [
                        {"AttributeName": n, "AttributeType": "S"} for n, _ in RESULTS_KEYS
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                    "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                },
            },
            "Discarded": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Writer": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "handlers.stream_consumer.handler",
                    "Role": role["Role"]["Arn"],
                    "Code": {"ZipFile": "unused"},
                    "Environment": {"Variables": {"SEEN": str(seen)}},
                },
            },
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Results", "StreamArn"]},
                    "FunctionName": {"Ref": "Writer"},
                    "StartingPosition": "TRIM_HORIZON",
                    "BatchSize": 10,
                    "FilterCriteria": {"Filters": [{"Pattern": with_document}]},
                    "BisectBatchOnFunctionError": True,
                    "MaximumRetryAttempts": 2,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Discarded", "Arn"]}}},
                },
            },
        },
        "Outputs": {
            "Table": {"Value": {"Ref": "Results"}},
            "Stream": {"Value": {"Fn::GetAtt": ["Results", "StreamArn"]}},
        },
    }
    deployment = deploy(template, Clients(endpoint.admin, endpoint.url), stack_name="streamed")
    lambda_ = endpoint.client("lambda")
    stream_arn = deployment.outputs["Stream"]
    (raw,) = lambda_.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"]
    mapping = stream_mapping(raw, lambda_)
    assert (mapping.batch_size, mapping.bisect, mapping.max_retries, mapping.report_item_failures) == (
        10,
        True,
        2,
        True,
    )
    assert mapping.on_failure.startswith("arn:aws:sqs:") and mapping.starting_position == "TRIM_HORIZON"
    endpoint.client("iam").put_role_policy(
        RoleName="deployed", PolicyName="grants",
        PolicyDocument=_document({"Effect": "Allow", "Action": STREAM_READ, "Resource": stream_arn}),
    )  # fmt: skip
    table = Consumer(endpoint, deployment.outputs["Table"], stream_arn, seen, raw)
    table.put("plain")
    table.put("written", document={"B": b"{}"})
    sources = table.sources()
    try:
        assert wait_for(lambda: table.images() == [["written"]])
    finally:
        sources.stop()


def test_an_iterator_expires_and_a_poller_past_it_goes_on_after_the_last_record(
    endpoint, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(stream_shards, "ITERATOR_LIFETIME_SECONDS", 0.5)
    table = consumer(endpoint, tmp_path, "outlived", env={"SLEEP": "1"})
    streams = endpoint.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=table.stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=table.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
    )["ShardIterator"]
    time.sleep(0.6)
    with pytest.raises(ClientError) as expired:
        streams.get_records(ShardIterator=iterator)
    assert expired.value.response["Error"]["Code"] == "ExpiredIteratorException"
    table.put("a")
    sources = table.sources()
    try:
        assert wait_for(lambda: table.images() == [["a"]])
        table.put("b")  # written while the poller's iterator expires in the 1 s invocation
        assert wait_for(lambda: len(table.images()) == 2)
        time.sleep(1.5)
    finally:
        sources.stop()
    assert table.images() == [["a"], ["b"]]


def test_follow_takes_over_a_stream_mapping_created_later(endpoint, tmp_path) -> None:
    lambda_ = endpoint.client("lambda")
    for earlier in lambda_.list_event_source_mappings()["EventSourceMappings"]:  # other tests' mappings
        lambda_.delete_event_source_mapping(UUID=earlier["UUID"])
    sources = EventSources(
        [], endpoint.client("sqs"), lambda_, StreamSources([], endpoint.client("dynamodbstreams"), lambda_)
    )
    sources.follow(interval_seconds=0.2)
    try:
        table = consumer(endpoint, tmp_path, "later")
        table.put("a")
        assert wait_for(lambda: table.images() == [["a"]])
        assert sources.wait_until_drained(10) and len(sources.streams.pollers) == 1
    finally:
        sources.stop()
