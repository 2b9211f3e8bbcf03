"""Lambda function URLs on the local endpoint, with IAM auth as Lambda does it.

Local URL shape (docs/decisions.md): ``http://127.0.0.1:<port>/lambda-url/<url-id>/`` (a path on the
endpoint, since ``<url-id>.lambda-url.<region>.on.aws`` does not resolve offline; the url-id is the one
moto gives the URL config). A request there, per the Lambda developer guide ("Invoking Lambda function
URLs", "Control access to Lambda function URLs"):
- AuthType AWS_IAM: the request must carry a valid SigV4 signature (service ``lambda``) of a key the
  endpoint issued (a key it did not issue acts as the administrator, as everywhere on this endpoint);
  the caller needs ``lambda:InvokeFunctionUrl`` on the function, with the condition keys
  ``lambda:FunctionUrlAuthType`` and ``lambda:FunctionArn`` (Service Authorization Reference). A
  failure answers 403 ``{"Message": "Forbidden"}``.
- AuthType NONE is not served (this project has none): 403 saying so.
- The function gets the request payload format 2.0 with ``requestContext.authorizer.iam`` naming the
  verified caller; its answer is mapped as Lambda does: ``statusCode``/``headers``/``body`` when it
  returns that shape, else 200 with the returned JSON; an error answers 502 Internal Server Error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sts.models import sts_backends
from werkzeug.wrappers import Request, Response

from local.access import decisions
from local.access.principals import PARTITION, Caller, access_key_of, caller_for_key
from local.patches import Patch, apply, remove

PATH_PREFIX = "/lambda-url/"
ACTION = "lambda:InvokeFunctionUrl"
MAX_SKEW = timedelta(minutes=15)
_original_call = DomainDispatcherApplication.__call__


def local_url(endpoint_url: str, aws_url: str) -> str:
    """The endpoint's URL of a function URL moto made (``https://<url-id>.lambda-url.<region>.on.aws``)."""
    url_id = aws_url.split("//", 1)[-1].split(".", 1)[0]
    return f"{endpoint_url.rstrip('/')}{PATH_PREFIX}{url_id}/"


def _function_for(url_id: str) -> LambdaFunction | None:
    for account in list(lambda_backends.values()):
        for backend in list(account.values()):
            for function in backend.list_functions():
                config = getattr(function, "url_config", None)
                if config is not None and config.url.split("//", 1)[-1].startswith(f"{url_id}."):
                    return function
    return None


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _forbidden() -> Response:
    return _json(403, {"Message": "Forbidden"})


def _issued_credentials(access_key_id: str) -> Credentials | None:
    """The credentials of a key the endpoint issued (an assumed role's session), or None."""
    for account in list(sts_backends.values()):
        for assumed in list(account[PARTITION].assumed_roles):
            if assumed.access_key_id == access_key_id:
                return Credentials(access_key_id, assumed.secret_access_key, assumed.session_token)
    return None


def _fresh(request: Request) -> bool:
    """Signed within MAX_SKEW of now (IAM user guide, "Signing AWS API requests": a signature is valid
    for 15 minutes)."""
    try:
        signed_at = datetime.strptime(request.headers.get("X-Amz-Date", ""), SIGV4_TIMESTAMP)
        signed_at = signed_at.replace(tzinfo=UTC)
    except ValueError:
        return False
    return abs(datetime.now(UTC) - signed_at) <= MAX_SKEW


def _payload_matches(request: Request) -> bool:
    """A client-sent payload hash (X-Amz-Content-SHA256) must be the body's."""
    claimed = request.headers.get("X-Amz-Content-SHA256")
    return claimed in (None, "UNSIGNED-PAYLOAD") or claimed == hashlib.sha256(request.get_data()).hexdigest()


def signature_is_valid(request: Request, credentials: Credentials) -> bool:
    """Recompute the SigV4 signature over the headers the client signed (botocore's signer)."""
    authorization = request.headers.get("Authorization", "")
    parts = authorization.split(" ", 1)[-1].split(",")
    fields = dict(part.strip().split("=", 1) for part in parts if "=" in part)
    scope = fields.get("Credential", "").split("/")
    signed = fields.get("SignedHeaders", "").split(";")
    if len(scope) != 5 or scope[3] != "lambda" or "host" not in signed or "x-amz-date" not in signed:
        return False
    if credentials.token and request.headers.get("X-Amz-Security-Token") != credentials.token:
        return False
    if not (_fresh(request) and _payload_matches(request)):
        return False
    query = f"?{request.query_string.decode()}" if request.query_string else ""
    url = f"{request.scheme}://{request.host}{request.path}{query}"
    headers = {name: request.headers.get(name, "") for name in signed}
    rebuilt = AWSRequest(method=request.method, url=url, headers=headers, data=request.get_data())
    rebuilt.context["timestamp"] = request.headers.get("X-Amz-Date", "")
    signer = SigV4Auth(credentials, "lambda", scope[2])
    expected = signer.signature(signer.string_to_sign(rebuilt, signer.canonical_request(rebuilt)), rebuilt)
    return expected == fields.get("Signature")


def authenticate(request: Request, function: LambdaFunction) -> Caller | Response:
    key = access_key_of(request.headers.get("Authorization"))
    if key is None:
        return _forbidden()
    caller = caller_for_key(key)
    credentials = _issued_credentials(key)
    if credentials is not None and not signature_is_valid(request, credentials):
        return _forbidden()
    if not caller.administrator:
        context = {"lambda:FunctionUrlAuthType": "AWS_IAM", "lambda:FunctionArn": function.function_arn}
        if decisions.decide(caller, ACTION, function.function_arn, context, function.region) is not None:
            return _forbidden()
    return caller


def payload_event(request: Request, url_id: str, function: LambdaFunction, caller: Caller, key: str) -> dict:
    """The request payload format 2.0 (Lambda developer guide, "Invoking Lambda function URLs")."""
    now = datetime.now(UTC)
    body = request.get_data()
    text_body = request.mimetype.startswith("text/") or request.mimetype in ("application/json", "")
    principal = caller.principal
    path = "/" + request.path[len(PATH_PREFIX) + len(url_id):].lstrip("/")
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": request.query_string.decode(),
        "headers": {name.lower(): value for name, value in request.headers.items()},
        "queryStringParameters": dict(request.args) or None,
        "requestContext": {
            "accountId": principal.account,
            "apiId": url_id,
            "authorizer": {
                "iam": {
                    "accessKey": key,
                    "accountId": principal.account,
                    "callerId": principal.session_arn.split("/", 1)[-1] if principal.session_arn else key,
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": principal.session_arn or principal.arn,
                    "userId": key,
                }
            },
            "domainName": f"{url_id}.lambda-url.{function.region}.on.aws",
            "domainPrefix": url_id,
            "http": {
                "method": request.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": body.decode() if text_body else base64.b64encode(body).decode(),
        "isBase64Encoded": not text_body,
    }


def response_of(payload: str, errored: bool) -> Response:
    """Lambda's response mapping of a function URL ("Invoking Lambda function URLs", response format)."""
    if errored:
        return _json(502, {"Message": "Internal Server Error"})
    result = json.loads(payload) if payload else None
    if not (isinstance(result, dict) and "statusCode" in result):
        return _json(200, result)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    response = Response(data, status=int(result["statusCode"]))
    response.headers["Content-Type"] = "application/json"
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    return response


def serve(request: Request) -> Response:
    url_id = request.path[len(PATH_PREFIX):].split("/", 1)[0]
    function = _function_for(url_id)
    if function is None:
        return _json(404, {"Message": f"no function URL {url_id} on this endpoint"})
    if function.url_config.config.get("AuthType") != "AWS_IAM":
        return _json(403, {"Message": "only AuthType AWS_IAM function URLs are served locally"})
    caller = authenticate(request, function)
    if isinstance(caller, Response):
        return caller
    event = payload_event(request, url_id, function, caller, access_key_of(request.headers["Authorization"]))
    payload, errored, _logs = function._invoke_lambda(event=json.dumps(event))
    return response_of(payload, errored)


def dispatch(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
    if not environ.get("PATH_INFO", "").startswith(PATH_PREFIX):
        return _original_call(self, environ, start_response)
    return serve(Request(environ))(environ, start_response)


PATCHES = (
    Patch(
        DomainDispatcherApplication,
        "__call__",
        dispatch,
        "moto server's request dispatch, which has no route for Lambda function URLs",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
