"""DetectCustomLabels with a trained model (spec 05 §7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from local.emulator.errors import InvalidParameterException, InvalidS3ObjectException
from local.emulator.images import MAX_BYTES_INLINE, MAX_BYTES_S3, open_image
from local.emulator.learners import BoxDetector, ImageClassifier, Prediction
from local.emulator.storage import ObjectMissing, read_object

OBJECT_LOCALIZATION = "OBJECT_LOCALIZATION"
IMAGE_LEVEL_LABELS = "IMAGE_LEVEL_LABELS"


@dataclass
class TrainedModel:
    use_case: str
    predictor: ImageClassifier | BoxDetector
    thresholds: dict[str, float] = field(default_factory=dict)  # assumed thresholds, 0-1

    def predict(self, image: Image.Image) -> list[Prediction]:
        return self.predictor.predict(image)


def load_request_image(image: dict, s3) -> Image.Image:
    if ("Bytes" in image) == ("S3Object" in image):
        raise InvalidParameterException("Image must hold exactly one of Bytes or S3Object.")
    if "Bytes" in image:
        return open_image(image["Bytes"], MAX_BYTES_INLINE)
    s3_object = image["S3Object"] or {}
    try:
        data = read_object(
            s3, s3_object.get("Bucket", ""), s3_object.get("Name", ""), s3_object.get("Version")
        )
    except ObjectMissing:
        raise InvalidS3ObjectException(
            f"Unable to get object metadata from S3: s3://{s3_object.get('Bucket')}/{s3_object.get('Name')} "
            "does not exist or cannot be read."
        ) from None
    return open_image(data, MAX_BYTES_S3)


def detect(
    model: TrainedModel, image_request: dict, s3, min_confidence: float | None, max_results: int | None
) -> list[dict[str, Any]]:
    """The labels at or above MinConfidence (else the model's assumed thresholds), filtered on the
    confidence the response reports, so a label reported at 99.985 passes MinConfidence 99.985."""
    image = load_request_image(image_request, s3)
    reported = [(p, reported_confidence(p)) for p in model.predict(image)]
    kept = [(p, c) for p, c in reported if c >= _floor(p, model, min_confidence)]
    kept.sort(key=lambda pair: pair[1], reverse=True)
    if max_results is not None:
        kept = kept[:max_results]
    return [_as_label(p, confidence, image.size) for p, confidence in kept]


def reported_confidence(prediction: Prediction) -> float:
    """The 0-100 confidence as the response gives it (three decimals)."""
    return round(prediction.confidence * 100, 3)


def _floor(prediction: Prediction, model: TrainedModel, min_confidence: float | None) -> float:
    if min_confidence is None:
        return model.thresholds.get(prediction.label, 1.0) * 100
    return float(min_confidence)


def _as_label(prediction: Prediction, confidence: float, size: tuple[int, int]) -> dict[str, Any]:
    label: dict[str, Any] = {"Name": prediction.label, "Confidence": confidence}
    if prediction.box is not None:
        width, height = size
        box = prediction.box
        left, top = max(box.left / width, 0.0), max(box.top / height, 0.0)
        right, bottom = left + min(box.width / width, 1.0 - left), top + min(box.height / height, 1.0 - top)
        label["Geometry"] = {
            "BoundingBox": {"Width": right - left, "Height": bottom - top, "Left": left, "Top": top},
            # the box's corners, clockwise from the top left (the service may return a finer polygon)
            "Polygon": [
                {"X": left, "Y": top},
                {"X": right, "Y": top},
                {"X": right, "Y": bottom},
                {"X": left, "Y": bottom},
            ],
        }
    return label
