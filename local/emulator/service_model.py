"""botocore's service model of Rekognition (botocore/data/rekognition/2016-06-27/service-2.json.gz): the
operations, their input shapes and which errors are server faults."""

from __future__ import annotations

import botocore.session
from botocore.model import ServiceModel

_SESSION = botocore.session.get_session()
MODEL: ServiceModel = _SESSION.get_service_model("rekognition")
# botocore's Shape keeps only some metadata keys; the `fault` flag is read from the model's own text
_SHAPES: dict[str, dict] = _SESSION.get_component("data_loader").load_service_model(
    "rekognition", "service-2"
)["shapes"]


def is_fault(error_code: str) -> bool:
    """True for the errors the model marks `"fault": true` (ThrottlingException, InternalServerError):
    SDKs treat them as server errors (HTTP 5xx) and retry them."""
    return bool(_SHAPES.get(error_code, {}).get("fault"))
