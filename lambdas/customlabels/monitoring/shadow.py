"""Shadow tests: a challenger answers a sample of live uploads next to the champion.

The champion's answer is what users get; the challenger's is stored apart, with the champion's, under
``shadow/<project>/<challenger>/`` of the inference bucket (one JSON per image version). The test's
state is the registry's ``SHADOW`` item of the project, written by the shadow control function only
(start, stop, and its scheduled finish). The detect function counts comparisons on a counter item of
the results table (a conditional ADD, so ``--images N`` holds under concurrency) and never writes the
registry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from customlabels.storage_layout import SHADOW_PREFIX
from customlabels.training.registry import from_dynamodb

SHADOW = "SHADOW"
ACTIVE, STOPPED = "ACTIVE", "STOPPED"
SAMPLE_BUCKETS = 10_000


@dataclass(frozen=True)
class ShadowTest:
    version_name: str
    version_arn: str
    sample: float
    status: str
    started_at: str
    max_images: int | None = None
    ends_at: str | None = None  # ISO 8601 UTC

    @classmethod
    def of(cls, item: dict[str, Any] | None) -> ShadowTest | None:
        if not item:
            return None
        return cls(
            version_name=item["versionName"],
            version_arn=item["versionArn"],
            sample=float(item["sample"]),
            status=item["status"],
            started_at=item["startedAt"],
            max_images=item.get("maxImages"),
            ends_at=item.get("endsAt"),
        )

    def is_done(self, compared: int, now: datetime) -> bool:
        return (self.max_images is not None and compared >= self.max_images) or (
            self.ends_at is not None and now.isoformat() >= self.ends_at
        )


def sampled(key: str, version: str, fraction: float) -> bool:
    """The same image version is always in or out of the sample (a retried message decides alike)."""
    digest = hashlib.sha256(f"{key}\0{version}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % SAMPLE_BUCKETS < fraction * SAMPLE_BUCKETS


def read(registry_table: Any, project: str) -> dict[str, Any] | None:
    item = registry_table.get_item(Key={"project": project, "sk": SHADOW}, ConsistentRead=True).get("Item")
    return from_dynamodb(item) if item else None


def counter_key(project: str, test: ShadowTest) -> dict[str, str]:
    """The results-table item counting this test's comparisons (in neither index: no status, no model)."""
    return {"image": f"shadow#{project}", "version": f"{test.version_name}#{test.started_at}"}


def claim(results_table: Any, project: str, test: ShadowTest, now: datetime, *, agreed: bool) -> bool:
    """Count one more comparison (and whether the two agreed); False when the test has its images or
    its time is up."""
    if test.ends_at is not None and now.isoformat() >= test.ends_at:
        return False
    request: dict[str, Any] = {
        "Key": counter_key(project, test),
        "UpdateExpression": "ADD compared :one, agreed :agreed",
        "ExpressionAttributeValues": {":one": 1, ":agreed": int(agreed)},
    }
    if test.max_images is not None:
        request["ConditionExpression"] = "attribute_not_exists(compared) OR compared < :max"
        request["ExpressionAttributeValues"][":max"] = test.max_images
    try:
        results_table.update_item(**request)
    except results_table.meta.client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def counts(results_table: Any, project: str, test: ShadowTest) -> tuple[int, int]:
    """(images compared, images on which both returned the same labels)."""
    item = results_table.get_item(Key=counter_key(project, test), ConsistentRead=True).get("Item") or {}
    return int(item.get("compared", 0)), int(item.get("agreed", 0))


def promotion_refusal(version_name: str, state: dict[str, Any] | None, min_agreement: float) -> str | None:
    """shadowMinAgreement: why ``version_name`` may not be promoted without a finished shadow test whose
    agreement reached the minimum; None when it may."""
    gate = f"shadowMinAgreement={min_agreement:g}"
    fix = (
        f"run `customlabels shadow start {version_name}` on live uploads, `shadow stop` it, then promote "
        "(or promote with force)"
    )
    if not state or state.get("versionName") != version_name:
        return f"{gate}: version {version_name!r} has no shadow test: {fix}"
    if state.get("status") != STOPPED:
        return f"{gate}: the shadow test of {version_name!r} is still running: {fix}"
    rate = state.get("agreementRate")
    if rate is None or rate < min_agreement:
        shown = "no image compared" if rate is None else f"agreement {rate:.1%}"
        return f"{gate}: the shadow test of {version_name!r} had {shown}: {fix}"
    return None


def record_key(project: str, version_name: str, image_key: str, image_version: str) -> str:
    return f"{SHADOW_PREFIX}{project}/{version_name}/{image_key}#{image_version}.json"


def label_names(labels: list[dict[str, Any]]) -> list[str]:
    return sorted({label["Name"] for label in labels})


def agreement(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement rate (same label set), per label (of the images where either model returned it, the
    share where both did) and the images where they disagree."""
    agreeing = 0
    per_label: dict[str, list[int]] = {}
    disagreeing = []
    for record in records:
        champion, challenger = set(record["champion"]["labels"]), set(record["challenger"]["labels"])
        agreeing += champion == challenger
        for label in champion | challenger:
            counts = per_label.setdefault(label, [0, 0])
            counts[0] += label in champion and label in challenger
            counts[1] += 1
        if champion != challenger:
            disagreeing.append(
                {"image": record["image"], "champion": sorted(champion), "challenger": sorted(challenger)}
            )
    return {
        "compared": len(records),
        "agreementRate": round(agreeing / len(records), 4) if records else None,
        "labels": [
            {"label": label, "images": total, "agreementRate": round(both / total, 4)}
            for label, (both, total) in sorted(per_label.items())
        ],
        "disagreements": disagreeing,
    }
