"""Building blocks both state machines share: Lambda tasks with retries, the failure chain, poll loops,
and the one deploy-model sub-flow (start -> poll until RUNNING -> promote -> stop the previous champion).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from customlabels.training.contract import (
    CHECK_MODEL_KEYS,
    FAILED_STATE,
    PROMOTE_KEYS,
    START_MODEL_KEYS,
    STOP_PREVIOUS_CHAMPION_KEYS,
    STOP_UNSTARTED_MODEL_KEYS,
    VALIDATE_INPUT_KEYS,
    Failure,
    PollOutcome,
    Wanted,
    model_failure,
)
from infra.config import Config
from infra.functions import PipelineFunction

# Errors worth another try: throttling and transient service faults (Rekognition, DynamoDB, Lambda itself).
TRANSIENT_ERRORS = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "InternalServerError",
    "ServiceUnavailable",
    "RequestLimitExceeded",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
RETRY_INTERVAL = Duration.seconds(1)
RETRY_ATTEMPTS = 6
RETRY_BACKOFF = 1.5
RETRY_MAX_DELAY = Duration.seconds(30)
# Workflow variables of the failure tail (step-functions-variables.html): the task that failed (a Catch
# assigns it), the named failure and the sentence that says why (the execution's error and cause).
FAILED_TASK = "failedTask"
FAILURE = "failure"
WHY = "why"
# JSONata (step-functions-jsonata.html; $parse is Step Functions' JSON-text parser): the caught error
# output is the Pass state's input at $.error (the Catch's ResultPath).
CAUGHT_WHY = (
    "{% $failedTask & ' failed with ' & $states.input.error.Error & ': ' & "
    "($cause := $states.input.error.Cause; "
    "($substring($cause, 0, 1) = '{' and $contains($cause, 'errorMessage')) "
    "? $parse($cause).errorMessage : $cause) %}"
)


class ModelHandlers(Protocol):
    """The model-control functions the deploy sub-flow runs (the training and the promotion stacks')."""

    @property
    def start_model(self) -> PipelineFunction: ...
    @property
    def check_model(self) -> PipelineFunction: ...
    @property
    def stop_model(self) -> PipelineFunction: ...
    @property
    def promote(self) -> PipelineFunction: ...


class Flow:
    """Builds the states of one state machine: Lambda tasks with retries, the failure end."""

    def __init__(self, scope: Construct) -> None:
        self.scope = scope
        self._failed: sfn.Fail | None = None
        self._caught: sfn.State | None = None

    def invoke(
        self,
        name: str,
        function: PipelineFunction,
        payload: dict,
        result_path: str,
        keys: Sequence[str],
        failure: Failure,
    ) -> tasks.LambdaInvoke:
        """A Lambda task whose listed result keys land under `result_path`; any error ends in `failure`."""
        task = tasks.LambdaInvoke(
            self.scope,
            name,
            lambda_function=function.function,
            payload=sfn.TaskInput.from_object(payload),
            result_selector={f"{key}.$": f"$.Payload.{key}" for key in keys},
            result_path=result_path,
            retry_on_service_exceptions=False,
        )
        task.add_retry(
            errors=TRANSIENT_ERRORS,
            interval=RETRY_INTERVAL,
            max_attempts=RETRY_ATTEMPTS,
            backoff_rate=RETRY_BACKOFF,
            max_delay=RETRY_MAX_DELAY,
            jitter_strategy=sfn.JitterType.FULL,
        )
        self.catch(task, name, failure)
        return task

    def catch(self, state: sfn.TaskStateBase | sfn.CustomState, task: str, failure: Failure) -> None:
        """Any error of `state` goes to the one failure tail, which reads the task and the named failure
        from these variables (Catch ``Assign``: Step Functions variables, step-functions-variables.html)."""
        state.add_catch(
            self._caught_tail(),
            errors=["States.ALL"],
            result_path="$.error",
            assign={FAILED_TASK: task, FAILURE: failure.value},
        )

    def _caught_tail(self) -> sfn.State:
        """ExplainError -> Failed. A Lambda's error cause is JSON with its stack trace: only its
        errorMessage reaches the execution's cause (no trace, no file paths); other causes (timeouts,
        service errors) are text and are kept."""
        if self._caught is None:
            explain = sfn.Pass.jsonata(self.scope, "ExplainError", assign={WHY: CAUGHT_WHY})
            explain.next(self.failed())
            self._caught = explain
        return self._caught

    @staticmethod
    def failing(failure: Failure, cause: str) -> dict[str, str]:
        """The variables a transition into the failure tail assigns: the named failure and why."""
        return {FAILURE: failure.value, WHY: cause}

    def fail_when(
        self, choice: sfn.Choice, condition: sfn.Condition, failure: Failure, cause: str
    ) -> sfn.Choice:
        """`choice` ends in `failure` when `condition` holds; `cause` is a path or an intrinsic."""
        return choice.when(condition, self.failed(), assign=self.failing(failure, cause))

    def failed(self) -> sfn.Fail:
        """Failed: the one end of every failure path. The execution's error and cause are the named
        failure and its sentence (Fail ``ErrorPath``/``CausePath`` as intrinsics of the variables,
        state-fail.html); people hear of it from the execution-end rule (infra/execution_ends.py)."""
        if self._failed is None:
            self._failed = sfn.Fail(
                self.scope,
                FAILED_STATE,
                error_path=sfn.JsonPath.format("{}", sfn.JsonPath.string_at(f"${FAILURE}")),
                cause_path=sfn.JsonPath.format("{}", sfn.JsonPath.string_at(f"${WHY}")),
            )
        return self._failed

    def succeed(self) -> sfn.Succeed:
        """Succeeded (output: the summary, whose message the execution-end notice quotes)."""
        return sfn.Succeed(self.scope, "Succeeded", output_path="$.summary")

    def wait(self, name: str, seconds: int) -> sfn.Wait:
        return sfn.Wait(self.scope, name, time=sfn.WaitTime.duration(Duration.seconds(seconds)))

    @staticmethod
    def timed_out(message: str, *paths: str) -> str:
        """The cause of a poll loop that ran out of attempts: names the last status seen."""
        return sfn.JsonPath.format(message, *(sfn.JsonPath.string_at(p) for p in paths))

    def input_check(
        self, function: PipelineFunction, payload: dict, then: sfn.IChainable
    ) -> tasks.LambdaInvoke:
        """ValidateInput into ``$.run``, then InputValid?: a bad input fails with its problems as cause."""
        validate = self.invoke(
            "ValidateInput", function, payload, "$.run", VALIDATE_INPUT_KEYS, Failure.InvalidInput
        )
        return validate.next(self.input_valid(then))

    def input_valid(self, then: sfn.IChainable) -> sfn.Choice:
        """InputValid?: the checked input at ``$.run`` goes on to `then`, or fails with its problems."""
        valid = sfn.Choice(self.scope, "InputValid?")
        return self.fail_when(
            valid,
            sfn.Condition.boolean_equals("$.run.valid", False),
            Failure.InvalidInput,
            sfn.JsonPath.string_at("$.run.cause"),
        ).otherwise(then)


def poll_timeout_message(config: Config) -> str:
    """The cause of a model poll that ran out of attempts (version, last status, polls made)."""
    return (
        "The model {} was still {} after {} polls "
        f"({config.model_poll_attempts} polls of {config.modelPollSeconds} s)"
    )


@dataclass(frozen=True)
class Poll:
    """One model poll loop: Wait -> Check -> Choice, for the status wanted."""

    wanted: Wanted
    prefix: str  # names WaitFor<prefix> and Check<prefix>
    choice: str  # name of the Choice state


def model_poll(
    flow: Flow,
    handlers: ModelHandlers,
    poll: Poll,
    *,
    seconds: int,
    attempts: int,
    timeout_message: str,
    done: sfn.IChainable,
    on_timeout: sfn.IChainable,
) -> sfn.Wait:
    """The loop's entry (its Wait). DONE goes to `done`; FAILED fails; running out of attempts goes to
    `on_timeout` with the failure assigned."""
    failure = model_failure(poll.wanted)
    wait = flow.wait(f"WaitFor{poll.prefix}", seconds)
    check = flow.invoke(
        f"Check{poll.prefix}",
        handlers.check_model,
        {
            "model": sfn.JsonPath.object_at("$.model"),
            "wanted": poll.wanted.value,
            "poll": sfn.JsonPath.object_at("$.deployment"),
        },
        "$.deployment",
        CHECK_MODEL_KEYS,
        failure,
    )
    choice = sfn.Choice(flow.scope, poll.choice)
    timed_out = flow.timed_out(
        timeout_message, "$.model.versionName", "$.deployment.status", "$.deployment.attempt"
    )
    wait.next(check).next(choice)
    choice.when(sfn.Condition.string_equals("$.deployment.outcome", PollOutcome.DONE.value), done)
    flow.fail_when(
        choice,
        sfn.Condition.string_equals("$.deployment.outcome", PollOutcome.FAILED.value),
        failure,
        sfn.JsonPath.string_at("$.deployment.failure.cause"),
    )
    choice.when(
        sfn.Condition.number_greater_than_equals("$.deployment.attempt", attempts),
        on_timeout,
        assign=flow.failing(failure, timed_out),
    ).otherwise(wait)
    return wait


RUNNING_POLL = Poll(Wanted.RUNNING, "Model", "ModelRunning?")
STOPPED_POLL = Poll(Wanted.STOPPED, "Stop", "ModelStopped?")


def deploy_model(
    flow: Flow,
    handlers: ModelHandlers,
    *,
    seconds: int,
    attempts: int,
    timeout_message: str,
    stop_on_timeout: bool,
    promoted: sfn.IChainable,
    when_running: Callable[[sfn.State], sfn.IChainable] = lambda promote: promote,
) -> tasks.LambdaInvoke:
    """StartModel ``$.model`` -> poll until RUNNING -> Promote -> stop the previous champion -> `promoted`.

    `when_running` chooses what follows RUNNING given the Promote state; a start that times out is
    stopped first (so it does not bill) when `stop_on_timeout`.
    """
    model = {"model": sfn.JsonPath.object_at("$.model")}
    start = flow.invoke(
        "StartModel",
        handlers.start_model,
        model,
        "$.deployment",
        START_MODEL_KEYS,
        Failure.StartFailed,
    )
    promote = flow.invoke(
        "Promote",
        handlers.promote,
        {**model, "executionArn": sfn.JsonPath.string_at("$$.Execution.Id")},  # recorded as promotedBy
        "$.promotion",
        PROMOTE_KEYS,
        Failure.StartFailed,
    )
    has_previous = sfn.Choice(flow.scope, "PreviousChampion?")
    stop_previous = flow.invoke(
        "StopPreviousChampion",
        handlers.stop_model,
        {
            "model": {
                "projectName": sfn.JsonPath.string_at("$.model.projectName"),
                "projectArn": sfn.JsonPath.string_at("$.model.projectArn"),
                "versionName": sfn.JsonPath.string_at("$.promotion.previous.versionName"),
            }
        },
        "$.previousModel",
        STOP_PREVIOUS_CHAMPION_KEYS,
        Failure.StartFailed,
    )
    promote.next(has_previous)
    has_previous.when(sfn.Condition.is_not_null("$.promotion.previous"), stop_previous).otherwise(promoted)
    stop_previous.next(promoted)

    after_timeout: sfn.IChainable = flow.failed()
    if stop_on_timeout:
        after_timeout = flow.invoke(
            "StopUnstartedModel",
            handlers.stop_model,
            model,
            "$.stopped",
            STOP_UNSTARTED_MODEL_KEYS,
            Failure.StartFailed,
        ).next(flow.failed())

    poll = model_poll(
        flow,
        handlers,
        RUNNING_POLL,
        seconds=seconds,
        attempts=attempts,
        timeout_message=timeout_message,
        done=when_running(promote),
        on_timeout=after_timeout,
    )
    start.next(poll)
    return start
