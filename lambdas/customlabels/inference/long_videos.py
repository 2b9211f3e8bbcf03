"""A video too long for one detect run goes to the batch-analysis state machine, analysed in chunks.

The execution is named after the video version (``video_plan.execution_name``): a re-delivered upload
either gets the running execution back (same name and input) or ``ExecutionAlreadyExists`` (it ran
already): either way no second analysis starts.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from customlabels.inference.errors import TransientProblem, error_code
from customlabels.inference.events import ImageVersion
from customlabels.inference.video_plan import execution_name

ALREADY_EXISTS = "ExecutionAlreadyExists"


class LongVideos:
    def __init__(self, stepfunctions: Any, state_machine_arn: str) -> None:
        self._stepfunctions = stepfunctions
        self._state_machine_arn = state_machine_arn

    def start(self, video: ImageVersion) -> str:
        """The execution's name; raise TransientProblem when Step Functions could not be asked."""
        name = execution_name(video)
        batch_input: dict[str, Any] = {"source": f"s3://{video.bucket}/{video.key}"}
        if video.version_id:
            batch_input["sourceVersionId"] = video.version_id
        try:
            self._stepfunctions.start_execution(
                stateMachineArn=self._state_machine_arn, name=name, input=json.dumps(batch_input)
            )
        except (BotoCoreError, ClientError) as error:
            if not (isinstance(error, ClientError) and error_code(error) == ALREADY_EXISTS):
                raise TransientProblem(f"starting the batch analysis of {name} failed: {error}") from error
        return name
