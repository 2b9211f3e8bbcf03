"""The pre-flight check reads the uploaded version, and tells S3 faults (retry) from bad images (final)."""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber

from customlabels.inference.checks import check_image
from customlabels.inference.errors import ImageProblem, TransientProblem
from customlabels.inference.events import images_in_message
from tests.unit.inference import images
from tests.unit.inference.conftest import upload


def _image(event: dict) -> object:
    (image,) = images_in_message(json.dumps(event))
    return image


def test_the_event_version_is_checked_even_after_the_key_is_overwritten(resources) -> None:
    s3 = resources["s3"]
    first = _image(upload(s3, "uploads/cat.png", images.png(200, 100)))
    upload(s3, "uploads/cat.png", b"not an image any more")
    checked = check_image(s3, first)
    assert (checked.format, checked.width, checked.height) == ("PNG", 200, 100)
    with pytest.raises(ImageProblem):
        check_image(s3, _image(upload(s3, "uploads/cat.png", b"still not an image")))


def test_an_s3_server_error_is_transient_not_a_bad_image(resources) -> None:
    s3 = resources["s3"]
    image = _image(upload(s3, "uploads/dog.png", images.png()))
    with Stubber(s3) as stub:
        stub.add_client_error("get_object", service_error_code="InternalError", http_status_code=500)
        with pytest.raises(TransientProblem, match="InternalError"):
            check_image(s3, image)
