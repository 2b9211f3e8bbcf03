"""One image version in, one result out: check, detect on the champion model, write the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from customlabels.feedback.review import ReviewSet
from customlabels.inference import results
from customlabels.inference.champion import Champion, ChampionCache
from customlabels.inference.checks import check_image
from customlabels.inference.errors import (
    MODEL_NOT_READY,
    ImageProblem,
    ModelNotRunning,
    TransientProblem,
    classify_detect_error,
    error_code,
)
from customlabels.inference.events import ImageVersion
from customlabels.inference.model_start import ModelStarter
from customlabels.inference.shadow_runner import ShadowRunner
from customlabels.manifest.images import FirstRead

MODEL_GONE = "ResourceNotFoundException"


@dataclass(frozen=True)
class Settings:
    min_confidence: float | None
    start_stopped_model: bool
    model_retry_seconds: int


@dataclass(frozen=True)
class Outcome:
    status: str
    result_key: str
    model_version_arn: str | None
    model_version_name: str | None
    label_count: int
    # For the batch path's results manifest; not part of the idempotency record (as_dict).
    labels: list[dict[str, Any]] = field(default_factory=list, compare=False)
    error: dict[str, str] | None = field(default=None, compare=False)
    table_item: dict[str, Any] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "resultKey": self.result_key,
            "modelVersionArn": self.model_version_arn,
            "modelVersionName": self.model_version_name,
            "labelCount": self.label_count,
        }


class Analyzer:
    def __init__(
        self,
        *,
        s3: Any,
        rekognition: Any,
        results_table: Any,
        champions: ChampionCache,
        starter: ModelStarter,
        settings: Settings,
        results_bucket: str | None = None,
        review: ReviewSet | None = None,
        shadow: ShadowRunner | None = None,
        documents_in_rows: bool = False,
    ) -> None:
        self._s3 = s3
        self._rekognition = rekognition
        self._table = results_table
        self._champions = champions
        self._starter = starter
        self._settings = settings
        self._results_bucket = results_bucket  # None: next to the image, in its own bucket
        self._review = review  # None: reviewBelowConfidence is off
        self._shadow = shadow  # None: this path takes no part in shadow tests (batches)
        # True (uploads): an image's row carries its document and the result-document writer PUTs it
        # from the table's stream; False (batches, videos): the document is PUT here.
        self._documents_in_rows = documents_in_rows

    def analyse(self, image: ImageVersion, *, first: FirstRead | None = None, record: bool = True) -> Outcome:
        """Write the result of ``image``; raise TransientProblem when it should be retried later.

        ``first``: the image's header bytes, already read. ``record=False`` leaves the results-table
        item to the caller (``Outcome.table_item``): the batch path writes a batch's items together."""
        started_at = results.now_iso()
        champion: Champion | None = None
        try:
            checked = check_image(self._s3, image, first)
            champion = self._champions.get()
            parameter = _image_parameter(image, first)
            labels = self.detect(parameter, champion)
        except ImageProblem as problem:
            document = results.failure_document(
                image, code=problem.code, reason=problem.reason, fix=problem.fix, started_at=started_at
            )
            return self.publish(
                image, document, champion=None, label_count=0, record=record, in_row=self._documents_in_rows
            )
        if self._shadow:
            self._shadow.compare(image, parameter, champion, labels)
        sized = ImageVersion(**{**image.as_dict(), "size": checked.size})
        document = results.success_document(
            sized,
            labels=labels,
            model_version_arn=champion.version_arn,
            min_confidence=self._settings.min_confidence,
            dimensions=(checked.width, checked.height),
            image_format=checked.format,
            started_at=started_at,
        )
        return self.publish(
            sized,
            document,
            champion=champion,
            label_count=len(labels),
            record=record,
            in_row=self._documents_in_rows,
        )

    @property
    def min_confidence(self) -> float | None:
        return self._settings.min_confidence

    def champion(self) -> Champion:
        return self._champions.get()

    def detect(self, image: dict[str, Any], champion: Champion) -> list[dict[str, Any]]:
        """DetectCustomLabels on ``image`` (its ``Image`` parameter: S3Object or Bytes); raise
        ImageProblem (permanent) or TransientProblem, as for an upload."""
        request: dict[str, Any] = {"ProjectVersionArn": champion.version_arn, "Image": image}
        if self._settings.min_confidence is not None:
            request["MinConfidence"] = self._settings.min_confidence
        try:
            return self._rekognition.detect_custom_labels(**request)["CustomLabels"]
        except ClientError as error:
            raise self._problem(error, champion) from error

    def _problem(self, error: ClientError, champion: Champion) -> Exception:
        code = error_code(error)
        if code == MODEL_NOT_READY:
            return self._model_not_running(champion)
        if code == MODEL_GONE:
            self._champions.invalidate()
        return classify_detect_error(error) or TransientProblem(f"DetectCustomLabels failed: {code}: {error}")

    def _model_not_running(self, champion: Champion) -> Exception:
        if not self._settings.start_stopped_model:
            return ImageProblem(
                "MODEL_NOT_RUNNING",
                f"the champion model {champion.version_arn} is not running and onModelStopped=fail",
                "start the model (or deploy with onModelStopped=start), then upload the image again",
            )
        self._champions.invalidate()  # a promotion may be why this version is stopped
        self._starter.request_start(champion.version_arn)
        return ModelNotRunning(champion.version_arn, base_seconds=self._settings.model_retry_seconds)

    def publish(
        self,
        image: ImageVersion,
        document: dict[str, Any],
        *,
        champion: Champion | None,
        label_count: int,
        record: bool = True,
        in_row: bool = False,
    ) -> Outcome:
        """``in_row``: the row carries the document (when small enough) instead of a PUT here."""
        key = results.result_key(image, failed=document["status"] == results.FAILED)
        bucket = self._results_bucket or image.bucket
        item = results.table_item(image, document, f"s3://{bucket}/{key}")
        body = results.document_body(document)
        packed = results.packed_document(body) if in_row else None
        if packed is None:
            self._s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        else:
            item[results.ROW_DOCUMENT] = packed
        if self._review and document["status"] == results.SUCCEEDED:
            self._review.collect(document, f"s3://{bucket}/{key}")
        if record:
            self._table.put_item(Item=item)
        return Outcome(
            status=document["status"],
            result_key=key,
            model_version_arn=champion.version_arn if champion else None,
            model_version_name=champion.version_name if champion else None,
            label_count=label_count,
            labels=document.get("labels", []),
            error=document.get("error"),
            table_item=item,
        )


def _image_parameter(image: ImageVersion, first: FirstRead | None) -> dict[str, Any]:
    """An image the header read already holds whole goes as Bytes: those bytes are of the version the
    result names, and Rekognition does not read the object again (one S3 GET per image, not two)."""
    if first is not None and len(first.data) == first.size:
        return {"Bytes": first.data}
    return _s3_object(image)


def _s3_object(image: ImageVersion) -> dict[str, Any]:
    s3_object: dict[str, str] = {"Bucket": image.bucket, "Name": image.key}
    if image.version_id:
        s3_object["Version"] = image.version_id
    return {"S3Object": s3_object}
