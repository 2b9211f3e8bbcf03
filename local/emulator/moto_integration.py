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
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.exceptions import JsonRESTError
from moto.core.models import botocore_stubber
from moto.core.utils import camelcase_to_underscores
from moto.rekognition.models import rekognition_backends
from moto.rekognition.responses import RekognitionResponse
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_aws_sdk
from moto.sts.models import sts_backends

from local.access.principals import Caller
from local.authz import NamedPolicy
from local.emulator.backend import CustomLabelsBackend
from local.emulator.caller_s3 import CallerS3, acting_for
from local.emulator.cross_account import as_resource_policy, caller_of
from local.emulator.errors import CustomLabelsError
from local.emulator.request_validation import check_request
from local.emulator.scheduler import BackgroundScheduler, ManualScheduler
from local.emulator.service_model import MODEL
from local.emulator.settings import ServiceSettings
from local.emulator.usage_metrics import NAMESPACE, Datum, Retired
from local.patches import Patch, apply

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
    "CopyProjectVersion",
    "PutProjectPolicy",
    "ListProjectPolicies",
    "DeleteProjectPolicy",
)
NOT_IMPLEMENTED = "NotImplementedException"
NOT_IMPLEMENTED_STATUS = 501  # not retried by SDKs, unlike 500
_ATTRIBUTE = "custom_labels_service"
_lock = threading.Lock()
_settings = ServiceSettings()
_scheduler_factory: Callable[[], BackgroundScheduler | ManualScheduler] = BackgroundScheduler


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
                _s3_client(region),
                region,
                account,
                _settings,
                _scheduler_factory(),
                other_account=lambda other: service_for(other, region),
                # `service` is bound below, before any model can run or be called
                metrics=lambda data: _publish(account, region, service, data),
            )
            setattr(moto_backend, _ATTRIBUTE, service)
        return service


def project_resource_policy(resource_arn: str) -> NamedPolicy | None:
    """The policies of the project a project or version ARN belongs to, as one resource policy (what the
    endpoint's authorization layer checks for a call from another account)."""
    _, _, _, region, account, resource = resource_arn.split(":", 5)
    if not resource.startswith("project/"):
        return None
    project_name = resource.split("/")[1]
    state = service_for(account, region).state
    project = next((p for p in state.projects.values() if p.name == project_name), None)
    policies = list(state.policies.get(project.arn, {}).values()) if project else []
    return as_resource_policy("project policies of " + project_name, policies) if policies else None


def resource_tags(resource_arn: str) -> dict[str, str]:
    """The tags of a Custom Labels resource (project, dataset or model version), for the endpoint's
    authorization layer (``aws:ResourceTag/<key>``)."""
    parts = resource_arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "rekognition" or not parts[5].startswith("project/"):
        return {}
    state = service_for(parts[4], parts[3]).state
    with state.lock:
        return dict(state.tags.get(resource_arn, {}))


def _publish(account: str, region: str, service: CustomLabelsBackend, data: list[Datum]) -> None:
    """The service's own publication: straight into CloudWatch of its account and Region (no request,
    no credentials), while it is still the service moto serves there (a reset replaces it)."""
    if getattr(rekognition_backends[account][region], _ATTRIBUTE, None) is not service:
        raise Retired(f"the Custom Labels service of {account}/{region} was reset")
    cloudwatch_backends[account][region].put_metric_data(NAMESPACE, data)


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


def _caller(response: RekognitionResponse) -> Caller:
    """The principal moto resolves from the request's access key: an assumed role, else the account root."""
    account = response.current_account
    role = sts_backends[account]["aws"].get_assumed_role_from_access_key(response.get_access_key())
    return caller_of(account, role.arn if role is not None else f"arn:aws:iam::{account}:root")


def _json_error(code: str, message: str, status: int) -> JsonRESTError:
    error = JsonRESTError(code, message)
    error.code = status
    return error


def _caller_s3(response: RekognitionResponse, service: CustomLabelsBackend, serving: str) -> CallerS3 | None:
    """The S3 view of the request's caller when the endpoint authorizes (None: the service's own)."""
    from local import access
    from local.access import forwarded
    from local.access.principals import caller_for_key

    if not access.enabled():
        return None
    caller = caller_for_key(response.get_access_key())
    if caller.administrator:
        return None
    region = response.region
    return CallerS3(
        service.state.own_s3,
        lambda operation, params: forwarded.refusal(caller, serving, operation, params, region),
    )


def _operation_method(operation: str):
    method_name = camelcase_to_underscores(operation)

    def handle(self: RekognitionResponse) -> str:
        service = service_for(self.current_account, self.region)
        with acting_for(_caller_s3(self, service, operation)):
            return _handle(self, service)

    def _handle(self: RekognitionResponse, service: CustomLabelsBackend) -> str:
        try:
            request = _decode_blobs(operation, json.loads(self.body or "{}"))
            check_request(operation, request)
            if operation != "DetectCustomLabels":  # its faults count in the model's metrics
                service.faults.maybe_fail(operation)
            if operation == "CopyProjectVersion":
                return json.dumps(service.copy_project_version(request, _caller(self)))
            return json.dumps(getattr(service, method_name)(request))
        except json.JSONDecodeError:
            raise JsonRESTError("InvalidParameterException", "The request body is not JSON.") from None
        except CustomLabelsError as error:
            raise _json_error(error.code, error.message, error.status) from None
        except NotImplementedError as missing:
            raise _json_error(NOT_IMPLEMENTED, f"{operation}: {missing}", NOT_IMPLEMENTED_STATUS) from None

    handle.__name__ = method_name
    return handle


def _not_implemented_method(operation: str):
    def handle(self: RekognitionResponse) -> str:
        raise _json_error(
            NOT_IMPLEMENTED,
            f"{operation} is not implemented by the local endpoint (the Custom Labels operations are).",
            NOT_IMPLEMENTED_STATUS,
        )

    handle.__name__ = camelcase_to_underscores(operation)
    return handle


def _unimplemented_operations() -> list[str]:
    """Rekognition operations in botocore's model that neither this service nor moto answers."""
    return [
        name
        for name in MODEL.operation_names
        if name not in OPERATIONS and not hasattr(RekognitionResponse, camelcase_to_underscores(name))
    ]


UNIMPLEMENTED = tuple(_unimplemented_operations())  # computed before install() adds methods


def _json_ready(value: Any) -> Any:
    """Timestamps as ISO-8601 UTC strings, as Step Functions puts them in aws-sdk task results."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


_AWS_SDK_TASK = state_task_service_aws_sdk.StateTaskServiceAwsSdk
_original_eval_service_task = _AWS_SDK_TASK._eval_service_task


def _eval_service_task(self, env, *args, **kwargs) -> None:
    _original_eval_service_task(self, env, *args, **kwargs)
    env.stack.append(_json_ready(env.stack.pop()))


PATCHES = (
    *(
        Patch(
            RekognitionResponse,
            camelcase_to_underscores(operation),
            _operation_method(operation),
            f"moto's Rekognition, which has no Custom Labels operation {operation}",
        )
        for operation in OPERATIONS
    ),
    *(
        Patch(
            RekognitionResponse,
            camelcase_to_underscores(operation),
            _not_implemented_method(operation),
            f"moto's Rekognition, which answers {operation} (in botocore's model, not in moto) with HTML",
        )
        for operation in UNIMPLEMENTED
    ),
    # Step Functions names aws-sdk errors "<Service>.<Exception>": Rekognition.ResourceNotFoundException
    Patch(
        state_task_service_aws_sdk._SERVICE_ERROR_NAMES,
        "rekognition",
        "Rekognition",
        "the aws-sdk task's table of service names in error names, which lacks Rekognition",
        owner_name=f"{state_task_service_aws_sdk.__name__}._SERVICE_ERROR_NAMES",
    ),
    Patch(
        _AWS_SDK_TASK,
        "_eval_service_task",
        _eval_service_task,
        "the aws-sdk task, which leaves botocore datetimes in its result (they then fail to serialise)",
    ),
)


def install() -> None:
    """Register the operations on moto (idempotent)."""
    apply(PATCHES)
