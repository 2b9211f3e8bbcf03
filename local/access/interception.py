"""Every request that reaches the local endpoint is authorized before moto handles it.

Two moto entry points are wrapped: ``BaseResponse.call_action`` (every service but S3) and the S3
handlers' own authorization call. A denial answers with the service's own error code and an AWS-style
message naming principal, action, resource and why.
"""

from __future__ import annotations

import contextlib
import json
import uuid
import warnings
from typing import Any
from urllib.parse import unquote

import xmltodict
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.s3.exceptions import S3ClientError

from local.access import decisions, encryption, item_attributes, item_keys, resources
from local.access.principals import Caller, access_key_of, caller_for_key
from local.access.requests import PREFIXES, Call, Check, checks_for, iam_action
from local.access.required_resources import UnresolvedResource
from local.patches import Patch, apply, remove

ERROR_CODES = {
    "sqs": "AccessDenied",
    "sns": "AuthorizationError",
    "sts": "AccessDenied",
    "iam": "AccessDenied",
}
KMS_ERROR_CODES = {"sqs": "KMS.AccessDeniedException", "sns": "KMSAccessDenied"}
_original_call_action = BaseResponse.call_action
_original_s3_authorization = BaseResponse._authenticate_and_authorize_s3_action


class _AccessDenied(ServiceException):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


class _S3AccessDenied(S3ClientError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


class _S3InvalidRequest(S3ClientError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequest", message)


def _service(response: BaseResponse) -> str:
    scope = (response.headers.get("Authorization") or "").split("Credential=", 1)[-1].split(",")[0]
    parts = scope.split("/")
    name = parts[3] if len(parts) > 3 else str(response.service_name)
    return PREFIXES.get(name, name)


def _params(response: BaseResponse) -> dict[str, Any]:
    params: dict[str, Any] = {}
    parsed = getattr(response, "params", None)
    if isinstance(parsed, dict):
        params.update(parsed)
    if not params:
        body = response.body
        if isinstance(body, bytes):
            body = body.decode(errors="replace")
        if isinstance(body, str) and body.lstrip().startswith("{"):
            with contextlib.suppress(ValueError):
                params.update(json.loads(body))
        for name, values in (response.querystring or {}).items():
            params.setdefault(name, values[0] if isinstance(values, list) and values else values)
    params.update(response.uri_match or {})
    return params


def _call(response: BaseResponse) -> Call:
    return Call(
        service=_service(response),
        operation=response._get_action(),
        params=_params(response),
        region=response.region,
        account=response.current_account,
    )


def _caller(response: BaseResponse) -> Caller:
    return caller_for_key(access_key_of(response.headers.get("Authorization")))


def _first_denial(caller: Caller, checks: list[Check], region: str) -> tuple[Check, decisions.Denial] | None:
    for check in checks:
        denial = decisions.decide(caller, check.action, check.resource, check.context, region)
        if denial is not None:
            return check, denial
    return None


def call_action(self: BaseResponse) -> Any:
    caller = _caller(self)
    if not caller.administrator and _service(self) != "s3":  # S3 authorizes in its handlers
        call = _call(self)
        try:
            checks = item_keys.with_leading_keys(call, checks_for(call))
            checks = item_attributes.with_item_attributes(call, checks)
        except UnresolvedResource as unresolved:  # AWS refuses a request without its required parameters
            return _error_response(self, "ValidationException", str(unresolved))
        on_behalf = [
            extra
            for check in checks
            for extra in (
                encryption.for_queue(check, call.region, call.account)
                + encryption.for_topic(check, call.region, call.account)
            )
        ]
        denied = _first_denial(caller, checks + on_behalf, call.region)
        if denied is not None:
            check, denial = denied
            codes = KMS_ERROR_CODES if check.action.startswith("kms:") and call.service != "kms" else {}
            code = codes.get(call.service) or ERROR_CODES.get(call.service, "AccessDeniedException")
            return _error_response(self, code, denial.message())
    return _original_call_action(self)


def _error_response(response: BaseResponse, code: str, message: str) -> Any:
    with warnings.catch_warnings():  # AccessDenied*/ValidationException are common errors, not in each model
        warnings.simplefilter("ignore", UserWarning)
        status, headers, body = response.serialized(ActionResult(_AccessDenied(code, message)))
    headers["status"] = status
    headers["x-amzn-RequestId"] = str(uuid.uuid4())  # SDKs and Step Functions read it from errors
    return status, headers, body


def authorize_s3(self: BaseResponse, bucket_name: str | None = None, key_name: str | None = None) -> None:
    caller = _caller(self)
    if not caller.administrator:
        try:
            checks = _s3_checks(self, bucket_name, key_name)
        except UnresolvedResource as unresolved:
            raise _S3InvalidRequest(str(unresolved)) from None
        denied = _first_denial(caller, checks, self.region)
        if denied is not None:
            raise _S3AccessDenied(denied[1].message())
    _original_s3_authorization(self, bucket_name=bucket_name, key_name=key_name)


def _s3_checks(response: BaseResponse, bucket_name: str | None, key_name: str | None) -> list[Check]:
    operation = str(response.data.get("Action") or "ListAllMyBuckets")
    action = iam_action("s3", operation)
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in (response.querystring or {}).items()}
    bucket_arn = f"arn:aws:s3:::{bucket_name}" if bucket_name else "*"
    if key_name is None and action == "s3:DeleteObject":  # DeleteObjects: each key of the body
        return [Check("s3:DeleteObject", f"{bucket_arn}/{key}") for key in _deleted_keys(response)]
    params = {"Bucket": bucket_name, "Key": key_name} if key_name is not None else {"Bucket": bucket_name}
    checks = checks_for(Call("s3", operation, params, response.region, response.current_account))
    if action == "s3:ListBucket" and not key_name:
        context = {"s3:prefix": query["prefix"]} if "prefix" in query else {}
        return [Check(check.action, check.resource, context) for check in checks]
    if key_name is None:
        return checks
    checks += _copy_source_checks(response)
    checks += _object_encryption_checks(response, action, bucket_name or "", key_name, query)
    return checks


def _deleted_keys(response: BaseResponse) -> list[str]:
    try:
        objects = xmltodict.parse(response.body)["Delete"].get("Object", [])
    except Exception:  # malformed body: S3 itself answers MalformedXML
        return []
    return [item["Key"] for item in (objects if isinstance(objects, list) else [objects])]


def _copy_source_checks(response: BaseResponse) -> list[Check]:
    source = response.headers.get("x-amz-copy-source")
    if not source:
        return []
    path, _, version = unquote(source).lstrip("/").partition("?versionId=")
    bucket_name, _, key_name = path.partition("/")
    action = "s3:GetObjectVersion" if version else "s3:GetObject"
    checks = [Check(action, f"arn:aws:s3:::{bucket_name}/{key_name}")]
    kms_key = encryption.object_kms_key(bucket_name, key_name, version or None)
    return checks + encryption.for_object(
        "s3:GetObject", bucket_name, key_name, response.region, response.current_account, kms_key
    )


def _object_encryption_checks(
    response: BaseResponse, action: str, bucket_name: str, key_name: str, query: dict[str, str]
) -> list[Check]:
    region, account = response.region, response.current_account
    if action == "s3:PutObject":
        requested = response.headers.get("x-amz-server-side-encryption")
        if requested and requested not in ("aws:kms", "aws:kms:dsse"):
            return []
        kms_key = response.headers.get("x-amz-server-side-encryption-aws-kms-key-id") or (
            "alias/aws/s3" if requested else resources.bucket_kms_key(bucket_name)
        )
        return encryption.for_object(action, bucket_name, key_name, region, account, kms_key)
    if action in ("s3:GetObject", "s3:GetObjectVersion") and response.method == "GET":
        kms_key = encryption.object_kms_key(bucket_name, key_name, query.get("versionId"))
        return encryption.for_object(action, bucket_name, key_name, region, account, kms_key)
    return []


PATCHES = (
    Patch(BaseResponse, "call_action", call_action, "moto's dispatch of every non-S3 request, unauthorized"),
    Patch(
        BaseResponse,
        "_authenticate_and_authorize_s3_action",
        authorize_s3,
        "moto's S3 authorization, which checks only bucket policies and ACLs",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
