"""Puts the local Custom Labels service behind moto's Rekognition endpoint.

Each Custom Labels operation becomes a method of moto's `RekognitionResponse` (moto dispatches a JSON
request `RekognitionService.<Operation>` to the snake_case method), so boto3 under `mock_aws`, boto3
against a moto server and Step Functions `aws-sdk:rekognition:*` tasks (moto's parser calls boto3 with
the stubber on under `mock_aws`, or `http://localhost:$MOTO_PORT` in server mode) all reach one
service per account and region. The service lives on moto's Rekognition backend object, so moto's
reset (a new `mock_aws`, `/moto-api/reset`) also resets it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import settings as moto_settings
from moto.core.exceptions import JsonRESTError
from moto.core.models import botocore_stubber
from moto.core.utils import camelcase_to_underscores
from moto.rekognition.models import rekognition_backends
from moto.rekognition.responses import RekognitionResponse
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_aws_sdk

from local.emulator.backend import CustomLabelsBackend
from local.emulator.errors import CustomLabelsError
from local.emulator.scheduler import BackgroundScheduler, ManualScheduler
from local.emulator.settings import ServiceSettings

OPERATIONS = (
    "CreateProject",
    "DescribeProjects",
    "DeleteProject",
    "CreateDataset",
    "DescribeDataset",
    "DeleteDataset",
    "ListDatasetEntries",
    "ListDatasetLabels",
    "UpdateDatasetEntries",
    "DistributeDatasetEntries",
    "CreateProjectVersion",
    "DescribeProjectVersions",
    "StartProjectVersion",
    "StopProjectVersion",
    "DeleteProjectVersion",
    "DetectCustomLabels",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
)
_ATTRIBUTE = "custom_labels_service"
_lock = threading.Lock()
_settings = ServiceSettings()
_scheduler_factory: Callable[[], BackgroundScheduler | ManualScheduler] = BackgroundScheduler
_installed = False


def configure(
    settings: ServiceSettings | None = None,
    scheduler_factory: Callable[[], BackgroundScheduler | ManualScheduler] | None = None,
) -> None:
    """Settings for services created from now on (each account/region gets one on first use)."""
    global _settings, _scheduler_factory
    _settings = settings or ServiceSettings()
    _scheduler_factory = scheduler_factory or BackgroundScheduler


def service_for(account: str, region: str) -> CustomLabelsBackend:
    moto_backend = rekognition_backends[account][region]
    with _lock:
        service = getattr(moto_backend, _ATTRIBUTE, None)
        if service is None:
            service = CustomLabelsBackend(
                _s3_client(region), region, account, _settings, _scheduler_factory()
            )
            setattr(moto_backend, _ATTRIBUTE, service)
        return service


def _s3_client(region: str):
    """A client of the S3 this moto serves: in-process under mock_aws, else over HTTP to this server."""
    if botocore_stubber.enabled:
        endpoint = f"https://s3.{region}.amazonaws.com"
    else:
        endpoint = f"http://127.0.0.1:{moto_settings.moto_server_port()}"
    return boto3.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _decode_blobs(operation: str, request: dict) -> dict:
    """The JSON protocol sends blobs base64-encoded."""
    image = request.get("Image")
    if operation == "DetectCustomLabels" and isinstance(image, dict) and isinstance(image.get("Bytes"), str):
        request["Image"] = {**image, "Bytes": _b64(image["Bytes"], "Image.Bytes")}
    changes = request.get("Changes")
    if (
        operation == "UpdateDatasetEntries"
        and isinstance(changes, dict)
        and isinstance(changes.get("GroundTruth"), str)
    ):
        request["Changes"] = {**changes, "GroundTruth": _b64(changes["GroundTruth"], "Changes.GroundTruth")}
    return request


def _b64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise JsonRESTError("InvalidParameterException", f"{field} is not valid base64.") from None


def _operation_method(operation: str):
    method_name = camelcase_to_underscores(operation)

    def handle(self: RekognitionResponse) -> str:
        service = service_for(self.current_account, self.region)
        try:
            request = _decode_blobs(operation, json.loads(self.body or "{}"))
            service.faults.maybe_fail(operation)
            return json.dumps(getattr(service, method_name)(request))
        except json.JSONDecodeError:
            raise JsonRESTError("InvalidParameterException", "The request body is not JSON.") from None
        except CustomLabelsError as error:
            rest_error = JsonRESTError(error.code, error.message)
            rest_error.code = error.status
            raise rest_error from None

    handle.__name__ = method_name
    return handle


def _json_ready(value: Any) -> Any:
    """Timestamps as ISO-8601 UTC strings, as Step Functions puts them in aws-sdk task results."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


def _patch_aws_sdk_results() -> None:
    """moto 5.2.5 leaves botocore datetimes in aws-sdk task results, which then fail to serialise."""
    task = state_task_service_aws_sdk.StateTaskServiceAwsSdk
    original = task._eval_service_task

    def eval_service_task(self, env, *args, **kwargs):
        original(self, env, *args, **kwargs)
        env.stack.append(_json_ready(env.stack.pop()))

    task._eval_service_task = eval_service_task


def install() -> None:
    """Register the operations on moto (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        for operation in OPERATIONS:
            setattr(RekognitionResponse, camelcase_to_underscores(operation), _operation_method(operation))
        # Step Functions names aws-sdk errors "<Service>.<Exception>": Rekognition.ResourceNotFoundException
        state_task_service_aws_sdk._SERVICE_ERROR_NAMES.setdefault("rekognition", "Rekognition")
        _patch_aws_sdk_results()
        _installed = True
