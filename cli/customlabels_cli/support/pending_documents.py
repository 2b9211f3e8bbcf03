"""Results-table items whose result document the writer has not written to S3 yet, and re-sending them.

An upload's item carries its document (``document``, gzip of the S3 body) until the result-document
writer has PUT it and removed the attribute (lambdas/customlabels/inference/result_documents.py). An
item that keeps it past a few minutes is one the writer gave up on. Re-sending adds 1 to the item's
``documentResends``: a change of the item, so the table's stream carries a MODIFY record whose new image
still has ``document`` and the writer's filter passes it again. An update that changes nothing would
not do: "If you perform a PutItem or UpdateItem operation that does not change any data in an item,
then DynamoDB Streams will not write a stream record for that operation" (DynamoDB Developer Guide,
"Change data capture for DynamoDB Streams", formerly "Capturing Table Activity with DynamoDB Streams").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from customlabels.inference.results import (
    ROW_DOCUMENT,
    ROW_DOCUMENT_RESENDS,
    ROW_FINISHED_AT,
    ROW_IMAGE,
    ROW_RESULT_URI,
    ROW_VERSION,
)

IMAGE, VERSION, RESULT_URI, FINISHED_AT = ROW_IMAGE, ROW_VERSION, ROW_RESULT_URI, ROW_FINISHED_AT
# What the listing reads of an item; never the document itself (up to 64 KB an item).
LISTED = (IMAGE, VERSION, RESULT_URI, FINISHED_AT, ROW_DOCUMENT_RESENDS)


@dataclass(frozen=True)
class PendingDocument:
    image: str
    version: str
    result_uri: str
    finished_at: str
    resends: int

    @property
    def key(self) -> dict[str, dict[str, str]]:
        return {IMAGE: {"S": self.image}, VERSION: {"S": self.version}}

    def as_json(self) -> dict[str, Any]:
        """The item's attribute names, as `--json` prints them."""
        return {IMAGE: self.image, VERSION: self.version, RESULT_URI: self.result_uri,
                FINISHED_AT: self.finished_at, ROW_DOCUMENT_RESENDS: self.resends}  # fmt: skip


def iso_cutoff(now: datetime, older_than_minutes: float) -> str:
    """``finishedAt`` as the detect function writes it (results.now_iso: UTC, milliseconds, ``Z``), so
    the items' strings compare in time order."""
    cutoff = now - timedelta(minutes=older_than_minutes)
    return cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _scan_pages(dynamodb: Any, table: str, cutoff: str) -> Iterator[dict[str, Any]]:
    names = {f"#{name}": name for name in (*LISTED, ROW_DOCUMENT)}
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table,
        ProjectionExpression=", ".join(f"#{name}" for name in LISTED),
        FilterExpression=f"attribute_exists(#{ROW_DOCUMENT}) AND #{FINISHED_AT} < :cutoff",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={":cutoff": {"S": cutoff}},
    )
    for page in pages:
        yield from page.get("Items", [])


def pending_documents(dynamodb: Any, table: str, cutoff: str) -> list[PendingDocument]:
    """Items that still carry a document and finished before ``cutoff``, oldest first."""
    found = [
        PendingDocument(
            image=item[IMAGE]["S"],
            version=item[VERSION]["S"],
            result_uri=item.get(RESULT_URI, {}).get("S", ""),
            finished_at=item[FINISHED_AT]["S"],
            resends=int(item.get(ROW_DOCUMENT_RESENDS, {}).get("N", "0")),
        )
        for item in _scan_pages(dynamodb, table, cutoff)
    ]
    return sorted(found, key=lambda pending: (pending.finished_at, pending.image, pending.version))


def resend(dynamodb: Any, table: str, pending: PendingDocument) -> bool:
    """Adds 1 to the item's re-send counter while it still has its document; False when the writer
    wrote it meanwhile (the condition failed: nothing to re-send)."""
    try:
        dynamodb.update_item(
            TableName=table,
            Key=pending.key,
            UpdateExpression="ADD #resends :one",
            ConditionExpression="attribute_exists(#document)",
            ExpressionAttributeNames={"#resends": ROW_DOCUMENT_RESENDS, "#document": ROW_DOCUMENT},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True
