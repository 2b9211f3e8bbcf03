"""Step Functions sends "Step Functions Execution Status Change" events to the default event bus, as AWS does.

moto 5.2.5 emits none. Here a standard workflow's execution sends one when it starts (``RUNNING``) and one
when it ends (``SUCCEEDED``, ``FAILED``, ``TIMED_OUT``, ``ABORTED``), in its account and Region, shaped as
https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html shows: ``source`` ``aws.states``,
``resources`` the execution ARN, and a detail with ``executionArn``, ``stateMachineArn``, ``name``,
``status``, ``startDate`` and ``stopDate`` (epoch milliseconds), ``input`` and ``output`` (JSON text, null
while unknown), their ``*Details``, ``error`` and ``cause``. Express workflows send none (same page).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from moto.stepfunctions.parser.api import ExecutionStatus, StateMachineType
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from local.patches import Patch, apply, remove

LOG = logging.getLogger("local.events")
DETAIL_TYPE = "Step Functions Execution Status Change"
_originals = {"start": ExecutionWorker.start, "terminated": BaseExecutionWorkerCommunication.terminated}


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def detail(execution: Execution) -> dict[str, Any]:
    status = execution.exec_status.value
    succeeded = execution.exec_status == ExecutionStatus.SUCCEEDED
    return {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": status,
        "startDate": _millis(execution.start_date),
        "stopDate": _millis(execution.stop_date),
        "input": to_json_str(execution.input_data, separators=(",", ":")),
        "output": to_json_str(execution.output, separators=(",", ":")) if succeeded else None,
        "inputDetails": {"included": True},
        "outputDetails": {"included": True} if succeeded else None,
        "error": execution.error,
        "cause": execution.cause,
        "redriveCount": 0,
        "redriveDate": None,
    }


def emit(execution: Execution) -> None:
    """Put the execution's current status on its account's default bus (rules there match it)."""
    if execution.sm_type != StateMachineType.STANDARD:
        return
    from moto.events.models import events_backends

    entry = {
        "Source": "aws.states",
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail(execution)),
        "Resources": [execution.exec_arn],
    }
    try:
        events_backends[execution.account_id][execution.region_name].put_events([entry])
    except Exception:  # an event that cannot be sent must not change how the execution ends
        LOG.exception("status change of %s not sent to EventBridge", execution.exec_arn)


def start(self: ExecutionWorker) -> None:
    """RUNNING is sent before the execution's thread starts, so it always precedes the end."""
    execution = getattr(self._execution_communication, "execution", None)
    if isinstance(execution, Execution):
        emit(execution)
    _originals["start"](self)


def terminated(self: BaseExecutionWorkerCommunication) -> None:
    _originals["terminated"](self)
    emit(self.execution)


PATCHES = (
    Patch(ExecutionWorker, "start", start, "moto's execution start, which sends no status-change event"),
    Patch(
        BaseExecutionWorkerCommunication,
        "terminated",
        terminated,
        "moto's execution end, which sends no status-change event",
    ),
)


def install() -> None:
    apply(PATCHES)


def uninstall() -> None:
    remove(PATCHES)
