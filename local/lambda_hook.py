"""Runs moto's Lambda functions in-process instead of in Docker.

`install()` replaces `moto.awslambda.models.LambdaFunction._invoke_lambda`, the one place every Lambda
invocation goes through (lambda.invoke, Step Functions tasks, S3 and SQS triggers). A function with
Handler `handlers.<module>.handler` runs the module `lambdas/handlers/<module>.py`:
- each function gets its own instance of the handler module, imported with that function's
  environment, because handlers read their environment once at import;
- `os.environ` becomes thread-aware: while a function runs, its thread sees the function's
  variables layered over the process environment, and its writes stay in that layer, so concurrent
  invocations of different functions never see each other's variables;
- the result is returned as Lambda returns it; an exception becomes Lambda's error payload.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from moto import settings as moto_settings
from moto.awslambda.models import LambdaFunction
from moto.core.models import botocore_stubber

from local import access, emf
from local.patches import BOTO3, Patch, apply, remove

HANDLERS_DIR = Path(__file__).resolve().parent.parent / "lambdas" / "handlers"
# A ContextVar, not a thread-local: threads a handler starts through asyncio.to_thread or
# contextvars.copy_context() inherit its environment, as they would inside one Lambda sandbox.
_layer_var: ContextVar[dict[str, str] | None] = ContextVar("lambda_environment_layer", default=None)
_modules: dict[tuple, ModuleType] = {}
_modules_lock = threading.Lock()
_original_default_session = boto3._get_default_session
_sessions: dict[tuple, boto3.Session] = {}
_sessions_lock = threading.Lock()


class _LayeredEnviron(os._Environ):
    """os.environ whose reads and writes go to the current thread's layer first, when it has one."""

    def _layer(self) -> dict[str, str] | None:
        return _layer_var.get()

    def __getitem__(self, key: str) -> str:
        layer = self._layer()
        if layer is not None and key in layer:
            value = layer[key]
            if value is None:
                raise KeyError(key)
            return value
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        layer = self._layer()
        if layer is None:
            super().__setitem__(key, value)
        else:
            layer[key] = str(value)

    def __delitem__(self, key: str) -> None:
        layer = self._layer()
        if layer is None:
            super().__delitem__(key)
        else:
            self[key]
            layer[key] = None

    def _keys(self) -> set[str]:
        keys = set(super().__iter__())
        for key, value in (self._layer() or {}).items():
            (keys.add if value is not None else keys.discard)(key)
        return keys

    def __iter__(self):
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def copy(self) -> dict[str, str]:
        return {key: self[key] for key in self._keys()}


def _install_layered_environ() -> None:
    """Make the one os.environ object thread-aware in place, so references taken before the hook was
    installed (``from os import environ``, default arguments) see function environments too."""
    if not isinstance(os.environ, _LayeredEnviron):
        os.environ.__class__ = _LayeredEnviron


def _function_default_session() -> boto3.Session:
    """boto3's default session, one per function: in Lambda each function has its own process, so
    ``boto3.client()`` in one function never signs with another function's role."""
    layer = _layer_var.get()
    if layer is None:
        return _original_default_session()
    key = (layer.get("AWS_LAMBDA_FUNCTION_NAME"), layer.get("AWS_ACCESS_KEY_ID"), layer.get("AWS_REGION"))
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = _sessions[key] = boto3.session.Session()  # reads this function's environment
    return session


class _Layer:
    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = dict(variables)

    def __enter__(self) -> None:
        self.token = _layer_var.set(self.variables)

    def __exit__(self, *exc: object) -> None:
        _layer_var.reset(self.token)


@dataclass
class LambdaContext:
    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def function_environment(function: LambdaFunction) -> dict[str, str]:
    variables = {
        "_HANDLER": function.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        **_credentials(function),
    }
    if not botocore_stubber.enabled:
        variables["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{moto_settings.moto_server_port()}"
    variables.update({key: str(value) for key, value in (function.environment_vars or {}).items()})
    return variables


def _credentials(function: LambdaFunction) -> dict[str, str]:
    """The execution role's credentials when the endpoint authorizes calls; otherwise any key will do."""
    issued = access.role_credentials_if_enabled(function.role, function.function_name)
    if issued is None:
        return dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "testing")
    return {
        "AWS_ACCESS_KEY_ID": issued.access_key_id,
        "AWS_SECRET_ACCESS_KEY": issued.secret_access_key,
        "AWS_SESSION_TOKEN": issued.session_token,
    }


def _handler_module(function: LambdaFunction, variables: dict[str, str]) -> tuple[ModuleType, str]:
    package, _, rest = function.handler.partition(".")
    module_name, _, attribute = rest.rpartition(".")
    path = HANDLERS_DIR / f"{module_name}.py"
    if package != "handlers" or not module_name or not path.is_file():
        raise ImportError(
            f"Handler '{function.handler}' is not handlers.<module>.<function> with a module in "
            f"{HANDLERS_DIR}"
        )
    key = (function.function_arn, function.handler, tuple(sorted(variables.items())))
    with _modules_lock:
        module = _modules.get(key)
        if module is None:
            unique = f"handlers.{module_name}__{function.function_name}_{len(_modules)}"
            spec = importlib.util.spec_from_file_location(unique, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[unique] = module
            spec.loader.exec_module(module)
            _modules[key] = module
    return module, attribute


def _error_payload(error: BaseException, request_id: str) -> str:
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
    )


def invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    """Replacement of LambdaFunction._invoke_lambda: returns (payload, errored, logs)."""
    if isinstance(event, str | bytes):
        event = json.loads(event or "{}")
    request_id = str(uuid.uuid4())
    variables = function_environment(self)
    outcome: dict[str, Any] = {}

    def run() -> None:
        with _Layer(variables), emf.capture() as printed:
            try:
                module, attribute = _handler_module(self, variables)
                context = LambdaContext(
                    self.function_name,
                    str(self.version),
                    self.function_arn,
                    int(self.memory_size),
                    request_id,
                    self.logs_group_name,
                    f"local/{request_id}",
                    time.monotonic() + float(self.timeout),
                )
                outcome["result"] = getattr(module, attribute)(event if event is not None else {}, context)
            except BaseException as error:  # Lambda reports every failure of the handler
                outcome["error"] = error
        emf.publish_invocation(printed, variables)  # CloudWatch's EMF extraction from the function's logs

    worker = threading.Thread(target=run, name=f"lambda-{self.function_name}", daemon=True)
    worker.start()
    worker.join(float(self.timeout))
    if worker.is_alive():
        message = f"Task timed out after {float(self.timeout):.2f} seconds"
        return json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout"}), True, message
    if "error" in outcome:
        payload = _error_payload(outcome["error"], request_id)
        return payload, True, "".join(traceback.format_exception(outcome["error"]))
    return json.dumps(outcome.get("result")), False, ""


PATCHES = (
    Patch(
        LambdaFunction,
        "_invoke_lambda",
        invoke_in_process,
        "moto's Lambda invocation, which runs the function in a Docker container",
    ),
    Patch(
        boto3,
        "_get_default_session",
        _function_default_session,
        "boto3's one default session per process (a function's clients would sign with any function's role)",
        BOTO3,
    ),
)


def install() -> None:
    _install_layered_environ()
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
