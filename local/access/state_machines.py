"""State-machine tasks call AWS with the credentials of the state machine's role, as Step Functions does.

moto's Step Functions engine builds every task's client through ``boto_client_for`` with fixed keys;
each module that imported it gets a version that signs with the role's credentials instead.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import boto3
from botocore.config import Config
from moto import settings as moto_settings
from moto.core.models import botocore_stubber
from moto.stepfunctions import parser
from moto.stepfunctions.parser.asl.utils import boto_client

from local.access.principals import role_credentials

_original = boto_client.boto_client_for
_patched: list[Any] = []


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    role_arn = getattr(state_credentials, "role_arn", None)
    if not role_arn:
        return _original(region=region, service=service, state_credentials=state_credentials)
    credentials = role_credentials(role_arn, "states")
    endpoint = (
        {}
        if botocore_stubber.enabled
        else {"endpoint_url": f"http://localhost:{moto_settings.moto_server_port()}"}
    )
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1}),
        **endpoint,
    )


def _modules() -> list[Any]:
    found = []
    for info in pkgutil.walk_packages(parser.__path__, parser.__name__ + "."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # a module moto itself never loads (LocalStack leftovers)
            continue
        if getattr(module, "boto_client_for", None) is _original:
            found.append(module)
    return found


def install() -> None:
    if not _patched:
        _patched.extend(_modules())
    for module in _patched:
        module.boto_client_for = boto_client_for


def uninstall() -> None:
    for module in _patched:
        module.boto_client_for = _original
