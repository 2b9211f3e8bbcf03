"""Step Functions' optimized integration with itself (``arn:aws:states:::states:startExecution``) as AWS
runs it. A task's Parameters and result name the API's members in PascalCase (``StateMachineArn``,
``ExecutionArn``); the Step Functions API itself names them in camelCase (``stateMachineArn``). moto's
parser hands the Parameters to boto3 unchanged and returns boto3's response as it is, so both are
translated here with the API's shapes (the parser's own ``_to_boto_request`` / ``_from_boto_response``,
which DeployedStack, where the parser comes from, applies to every service integration).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel
from botocore.session import get_session
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

from local.patches import Patch, apply

_original_parameters = StateTaskServiceSfn._normalise_parameters
_original_response = StateTaskServiceSfn._normalise_response


@cache
def _operation(action: str) -> OperationModel:
    """The Step Functions operation of a boto3 method name (``start_execution``)."""
    model = get_session().get_service_model("stepfunctions")
    return next(model.operation_model(n) for n in model.operation_names if xform_name(n) == action)


def normalise_parameters(
    self: StateTaskServiceSfn,
    parameters: dict,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    _original_parameters(self, parameters, boto_service_name, service_action_name)
    self._to_boto_request(
        parameters, _operation(self._get_boto_service_action(service_action_name)).input_shape
    )


def normalise_response(
    self: StateTaskServiceSfn,
    response: Any,
    boto_service_name: str | None = None,
    service_action_name: str | None = None,
) -> None:
    _original_response(self, response, boto_service_name, service_action_name)
    action = self._get_boto_service_action(service_action_name)
    self._from_boto_response(response, _operation(action).output_shape)
    if isinstance(response, dict):  # dates as the state's JSON holds them (StartDate), not datetime
        response.update(json.loads(to_json_str(response)))


PATCHES = (
    Patch(
        StateTaskServiceSfn,
        "_normalise_parameters",
        normalise_parameters,
        "the parser's states:startExecution task, which passes PascalCase Parameters to boto3 unchanged",
    ),
    Patch(
        StateTaskServiceSfn,
        "_normalise_response",
        normalise_response,
        "the parser's states:startExecution task, which returns boto3's camelCase response unchanged",
    ),
)


def install() -> None:
    apply(PATCHES)
