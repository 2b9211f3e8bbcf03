"""State-machine tasks call AWS with the credentials of the state machine's role, as Step Functions does.

moto's Step Functions engine builds every task's client through ``boto_client_for`` with fixed keys;
each module that imported it gets a version that signs with the role's credentials instead.

A task with ``Credentials: {"RoleArn": ...}`` (a cross-account task) runs as that role: the state
machine's role assumes it with ``sts:AssumeRole`` through the endpoint, so the call is authorized like
any other (the machine role's identity policy and the target role's trust policy).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from moto import settings as moto_settings
from moto.core.models import botocore_stubber
from moto.stepfunctions import parser
from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.utils import boto_client

from local.access.principals import Credentials, role_credentials
from local.patches import Patch, apply, remove

_original = boto_client.boto_client_for
_original_credentials = StateTask._eval_state_credentials
_TASKS = "moto.stepfunctions.parser.asl.component.state.exec"
# Every module of moto's parser that imported boto_client_for (tests compare with a scan of the parser)
CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.utils.boto_client",
    f"{_TASKS}.state_map.item_reader.eval.resource_eval_s3",
    f"{_TASKS}.state_map.result_writer.resource_eval.resource_eval_s3",
    f"{_TASKS}.state_task.lambda_eval_utils",
    *(
        f"{_TASKS}.state_task.service.state_task_service_{name}"
        for name in (
            *("aws_sdk", "batch", "dynamodb", "ecs", "events"),
            *("glue", "sfn", "sns", "sqs", "unsupported"),
        )
    ),
)


@dataclass
class TaskCredentials(StateCredentials):
    """A task's `Credentials.RoleArn`, with the role of the state machine that assumes it."""

    machine_role_arn: str = ""


def eval_state_credentials(self: StateTask, env: Environment) -> StateCredentials:
    credentials = _original_credentials(self, env)
    machine_role = env.aws_execution_details.role_arn
    if self.credentials is None or credentials.role_arn == machine_role:
        return credentials
    return TaskCredentials(role_arn=credentials.role_arn, machine_role_arn=machine_role)


def _client(service: str, region: str, credentials: Credentials) -> Any:
    endpoint_url = (
        None if botocore_stubber.enabled else f"http://localhost:{moto_settings.moto_server_port()}"
    )
    return _cached_client(service, region, credentials, endpoint_url)


@cache
def _cached_client(service: str, region: str, credentials: Credentials, endpoint_url: str | None) -> Any:
    """One client per role and service, as Step Functions keeps its connections: building a client per
    task cost a Map child as much as its batch's first few images (py-spy, backfill benchmark)."""
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1}),
        endpoint_url=endpoint_url,
    )


def _assumed(role_arn: str, machine_role_arn: str, region: str) -> Credentials:
    """The task's role, assumed by the machine's role (refused: the task fails with the AccessDenied)."""
    sts = _client("sts", region, role_credentials(machine_role_arn, "states"))
    issued = sts.assume_role(RoleArn=role_arn, RoleSessionName="states-task")["Credentials"]
    return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    role_arn = getattr(state_credentials, "role_arn", None)
    if not role_arn:
        return _original(region=region, service=service, state_credentials=state_credentials)
    if isinstance(state_credentials, TaskCredentials):
        return _client(service, region, _assumed(role_arn, state_credentials.machine_role_arn, region))
    return _client(service, region, role_credentials(role_arn, "states"))


def client_modules_in_parser() -> list[str]:
    """The parser's modules that hold moto's own boto_client_for (what CLIENT_MODULES must list)."""
    found = []
    for info in pkgutil.walk_packages(parser.__path__, parser.__name__ + "."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # a module moto itself never loads (DeployedStack leftovers)
            continue
        if vars(module).get("boto_client_for") is _original:
            found.append(info.name)
    return found


PATCHES = (
    *(
        Patch(
            importlib.import_module(name),
            "boto_client_for",
            boto_client_for,
            "the parser's task clients, which sign every call with fixed keys",
        )
        for name in CLIENT_MODULES
    ),
    Patch(
        StateTask,
        "_eval_state_credentials",
        eval_state_credentials,
        "the parser's task Credentials, which it never assumes",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
