"""The training and model-control state machines as synthesized: ASL lint, failure paths, bounded
polls, retries, logging/tracing, and the registry table."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.config import Config
from infra.training import NAMED_FAILURES, TRANSIENT_ERRORS
from tests.infra.synth import build_stack, json_of, state_machine_definition


def _definition(template_json: dict[str, Any], name: str) -> dict[str, Any]:
    for logical_id, resource in template_json["Resources"].items():
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and name in logical_id:
            return state_machine_definition(resource)
    raise AssertionError(f"no state machine named like {name}")


@pytest.fixture(scope="module")
def training(template_json) -> dict[str, Any]:
    return _definition(template_json, "TrainingStateMachine")


@pytest.fixture(scope="module")
def control(template_json) -> dict[str, Any]:
    return _definition(template_json, "ModelControlStateMachine")


def _states(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return definition["States"]


def named_failures(definition: dict[str, Any]) -> set[str]:
    """The failures a machine can end in: those its Catch clauses, Choice rules and Pass states assign."""
    states = definition["States"].values()
    transitions = [*states, *(t for s in states for t in (*s.get("Catch", []), *s.get("Choices", [])))]
    return {t["Assign"]["failure"] for t in transitions if "failure" in t.get("Assign", {})}


def test_every_failure_ends_in_one_fail_state_named_by_the_variables(training) -> None:
    fails = {name: state for name, state in _states(training).items() if state["Type"] == "Fail"}
    fail = {
        "Type": "Fail",
        "ErrorPath": "States.Format('{}', $failure)",
        "CausePath": "States.Format('{}', $why)",
    }
    assert fails == {"Failed": fail}
    assert named_failures(training) == set(NAMED_FAILURES)


@pytest.mark.parametrize("machine", ["training", "control"])
def test_no_state_publishes_an_end_the_execution_end_rule_tells_it_once(machine: str, request) -> None:
    states = _states(request.getfixturevalue(machine))
    assert not [name for name, s in states.items() if ":sns:" in s.get("Resource", "")]
    ends = [name for name, s in states.items() if s["Type"] in {"Succeed", "Fail"}]
    assert sorted(ends) == ["Failed", "Succeeded"]


def test_lambda_tasks_retry_transient_errors_and_catch_the_rest(training, control) -> None:
    for definition in (training, control):
        for name, state in _states(definition).items():
            if state.get("Resource") != "arn:aws:states:::lambda:invoke":
                continue
            retry = state["Retry"][0]
            assert retry["ErrorEquals"] == TRANSIENT_ERRORS, name
            assert (
                retry["BackoffRate"] > 1 and retry["MaxAttempts"] >= 3 and retry["JitterStrategy"] == "FULL"
            )
            assert state["Catch"] == [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": f"{name}Error"}
            ]


def _loop_bound(definition: dict[str, Any], choice: str, variable: str) -> int:
    rules = json.dumps(_states(definition)[choice]["Choices"])
    found = re.search(rf'"Variable": "{re.escape(variable)}", "NumericGreaterThanEquals": (\d+)', rules)
    assert found, f"{choice} has no attempt bound on {variable}"
    return int(found.group(1))


def test_polls_wait_the_configured_interval_and_stop_after_the_configured_attempts(training) -> None:
    stack = build_stack(
        datasetPollSeconds="7",
        trainingPollSeconds="600",
        modelPollSeconds="30",
        maxTrainingHours="2",
        modelStartTimeoutMinutes="15",
    )
    config: Config = stack.config
    definition = _definition(json_of(stack), "TrainingStateMachine")
    states = _states(definition)
    assert states["WaitForDatasets"]["Seconds"] == 7
    assert states["WaitForTraining"]["Seconds"] == 600
    assert states["WaitForModel"]["Seconds"] == 30
    assert (
        _loop_bound(definition, "TrainingDone?", "$.training.attempt") == config.training_poll_attempts == 12
    )
    assert (
        _loop_bound(definition, "ModelRunning?", "$.deployment.attempt") == config.model_poll_attempts == 30
    )
    assert _loop_bound(definition, "DatasetsReady?", "$.datasets.attempt") == 120 * 60 // 7 + 1


def test_state_machines_trace_and_log_to_the_stack_log_group(template_json) -> None:
    machines = [
        r for r in template_json["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    assert len(machines) == 3  # training, model control, batch analysis
    for machine in machines:
        props = machine["Properties"]
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        destination = props["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"][
            "LogGroupArn"
        ]
        assert destination["Fn::GetAtt"][0].startswith("StateMachineLogs")


def test_the_task_token_stays_out_of_logs_and_out_of_peoples_reach(template_json) -> None:
    """RequestApproval's parameters carry the task token: the training machine logs no execution data;
    the token's table is named by no managed policy (people's) and by no role but the two approval
    functions'."""
    resources = template_json["Resources"]
    logging = {
        logical_id: r["Properties"]["LoggingConfiguration"]["IncludeExecutionData"]
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    }
    assert [i for i, included in logging.items() if not included] == [
        next(i for i in logging if i.startswith("TrainingTrainingStateMachine"))
    ]
    (tokens,) = [i for i, r in resources.items() if i.startswith("TrainingApprovalTokens")]
    naming = [
        logical_id
        for logical_id, r in resources.items()
        if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
        and f'"{tokens}"' in json.dumps(r["Properties"]["PolicyDocument"])
    ]
    assert sorted(re.sub(r"FunctionRoleDefaultPolicy.*", "", i) for i in naming) == [
        "TrainingApprovalsDecideApproval",
        "TrainingRequestApproval",
    ]


def test_registry_table_is_keyed_encrypted_with_the_app_key_and_recoverable(template_json) -> None:
    tables = [
        r["Properties"]
        for r in template_json["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
        and {"AttributeName": "sk", "KeyType": "RANGE"} in r["Properties"]["KeySchema"]
    ]
    assert len(tables) == 1
    table = tables[0]
    assert table["KeySchema"] == [
        {"AttributeName": "project", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["SSESpecification"]["SSEType"] == "KMS"
    assert table["SSESpecification"]["KMSMasterKeyId"]["Fn::GetAtt"][0].startswith("StorageKey")
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_training_outputs_are_named_for_the_offline_mode(template_json) -> None:
    assert {"TrainingStateMachineArn", "ModelControlStateMachineArn", "RegistryTableName"} <= set(
        template_json["Outputs"]
    )


def test_train_task_role_can_use_the_key_for_model_copies(template_json) -> None:
    train_policies = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for lid, r in template_json["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy" and lid.startswith("TrainingTrainFunctionRole")
    ]
    actions = {
        action
        for statements in train_policies
        for s in statements
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert {
        "kms:CreateGrant",
        "kms:DescribeKey",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "rekognition:CreateProjectVersion",
    } <= actions


def test_manifest_validation_has_disk_for_a_1_gb_manifest(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "handlers.validate_manifests.handler", "EphemeralStorage": {"Size": 2560}},
    )
