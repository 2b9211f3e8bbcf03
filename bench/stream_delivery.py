"""How soon a DynamoDB stream record reaches its mapped function on the local endpoint: the time from
a PutItem's return to the function's invocation, over 30 writes, each after the previous delivery.

The local pollers poll an idle shard 4 times a second, as Lambda does ("Lambda polls shards in your
DynamoDB stream for records at a base rate of 4 times per second", AWS Lambda Developer Guide,
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html), so about 0.25 s is the floor a test pays
after a write whose consumer it waits for. The baseline is one bare PutItem plus one GetRecords, in
the same process.

Run it alone: ``python -m bench stream_delivery``."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pytest

from local import lambda_hook
from local.endpoint import LocalEndpoint
from local.stream_sources import POLL_SECONDS
from tests.unit.offline.test_stream_sources import CONSUMER, Consumer, Endpoint, consumer

WRITES = 30


def run() -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        handlers = Path(folder)
        (handlers / "stream_consumer.py").write_text(CONSUMER)
        patch.setattr(lambda_hook, "HANDLERS_DIR", handlers)
        with LocalEndpoint(reset=True) as running:
            table = consumer(Endpoint(running.url), handlers, "bench")
            baseline = _bare_round_trip(table)
            sources = table.sources()
            try:
                delays = [_delivery(table, index) for index in range(WRITES)]
            finally:
                sources.stop()
    median = statistics.median(delays)
    print(
        f"stream record -> function: median {median * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms over "
        f"{WRITES} writes = {median / baseline:.1f}x a bare PutItem + GetRecords "
        f"({baseline * 1000:.1f} ms); idle poll interval {POLL_SECONDS * 1000:.0f} ms"
    )


def _bare_round_trip(table: Consumer) -> float:
    streams = table.endpoint.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=table.stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=table.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
    )["ShardIterator"]
    start = time.perf_counter()
    for index in range(WRITES):
        table.put(f"baseline-{index}")
        iterator = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
    return (time.perf_counter() - start) / WRITES


def _delivery(table: Consumer, index: int) -> float:
    image = f"image-{index}"
    start = time.perf_counter()
    table.put(image)
    while not any(image in batch for batch in table.images()):
        time.sleep(0.002)
    return time.perf_counter() - start
