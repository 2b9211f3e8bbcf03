"""The detect path's side of a shadow test: for a sampled upload, the challenger's answer next to the
champion's, stored apart. Nothing here can fail the user's image: a challenger that is not running yet,
throttled or gone only means this image is not compared."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from customlabels.inference.champion import Champion
from customlabels.inference.events import ImageVersion
from customlabels.monitoring import shadow
from customlabels.monitoring.shadow import ShadowTest

logger = Logger(child=True)


class ShadowRunner:
    def __init__(
        self,
        *,
        s3: Any,
        rekognition: Any,
        registry_table: Any,
        results_table: Any,
        project: str,
        ttl_seconds: float,
        min_confidence: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._s3, self._rekognition, self._table = s3, rekognition, registry_table
        self._results = results_table
        self._project, self._ttl, self._min_confidence, self._clock = (
            project,
            ttl_seconds,
            min_confidence,
            clock,
        )
        self._lock = threading.Lock()
        self._test: ShadowTest | None = None
        self._read_at: float | None = None

    def active(self) -> ShadowTest | None:
        """The active shadow test, re-read from the registry at most once per ``ttl_seconds``."""
        with self._lock:
            if self._read_at is None or self._clock() - self._read_at >= self._ttl:
                self._test = ShadowTest.of(shadow.read(self._table, self._project))
                self._read_at = self._clock()
            test = self._test
        return test if test and test.status == shadow.ACTIVE else None

    def compare(
        self, image: ImageVersion, parameter: dict[str, Any], champion: Champion, labels: list[dict[str, Any]]
    ) -> None:
        test = self.active()
        if not test or test.version_arn == champion.version_arn:
            return
        if not shadow.sampled(image.key, image.version, test.sample):
            return
        try:
            self._compare(test, image, parameter, champion, labels)
        except (ClientError, BotoCoreError) as error:
            logger.warning("shadow comparison skipped", extra={"image": image.key, "error": str(error)})

    def _compare(
        self,
        test: ShadowTest,
        image: ImageVersion,
        parameter: dict[str, Any],
        champion: Champion,
        labels: list[dict[str, Any]],
    ) -> None:
        request: dict[str, Any] = {"ProjectVersionArn": test.version_arn, "Image": parameter}
        if self._min_confidence is not None:
            request["MinConfidence"] = self._min_confidence
        answer = self._rekognition.detect_custom_labels(**request)["CustomLabels"]
        champion_labels, challenger_labels = shadow.label_names(labels), shadow.label_names(answer)
        agreed = champion_labels == challenger_labels
        if not shadow.claim(self._results, self._project, test, datetime.now(UTC), agreed=agreed):
            return
        record = {
            "image": f"s3://{image.bucket}/{image.key}",
            "version": image.version,
            "champion": {"versionName": champion.version_name, "labels": champion_labels},
            "challenger": {"versionName": test.version_name, "labels": challenger_labels},
            "comparedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._s3.put_object(
            Bucket=image.bucket,
            Key=shadow.record_key(self._project, test.version_name, image.key, image.version),
            Body=json.dumps(record).encode(),
            ContentType="application/json",
        )
