"""Every function's role holds exactly its rows of the grant table (infra/grants.py), and the policies
around the key, topic, queue and people hold what issue 12 asks of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack

from infra.batch import batch_machine_arn
from infra.functions import PipelineFunction
from infra.grants import GRANTS, PLUMBING, TWO_ACCOUNT_MODULES, On
from infra.monitoring import results_by_model_version_arn
from infra.role_policies import base_targets, granted, statement
from infra.stack import CustomLabelsStack
from tests.infra.synth import build_stack, json_of


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def normalized(document: dict[str, Any]) -> str:
    """One statement as comparable text: lists for Action, Resource and condition values."""
    statement = dict(document)
    statement["Action"] = sorted(_list(statement["Action"]))
    statement["Resource"] = _list(statement["Resource"])
    if "Condition" in statement:
        statement["Condition"] = {
            op: {key: sorted(_list(value), key=json.dumps) for key, value in values.items()}
            for op, values in statement["Condition"].items()
        }
    return json.dumps(statement, sort_keys=True)


def functions(stack: CustomLabelsStack) -> list[PipelineFunction]:
    return [c for c in stack.node.find_all() if isinstance(c, PipelineFunction)]


def role_statements(template_json: dict[str, Any], stack: Stack, function: PipelineFunction) -> list[str]:
    role = {"Ref": stack.get_logical_id(function.role.node.default_child)}
    return sorted(
        normalized(s)
        for resource in template_json["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and role in resource["Properties"]["Roles"]
        for s in resource["Properties"]["PolicyDocument"]["Statement"]
    )


def expected_statements(stack: CustomLabelsStack, function: PipelineFunction) -> list[str]:
    targets = {
        **base_targets(stack.storage, stack.config.projectName),
        On.REGISTRY: stack.training.registry.table_arn,
        On.APPROVAL_TOKENS: stack.training.approval_tokens.table_arn,
        On.RESULTS_TABLE: stack.inference.results_table.table_arn,
        On.RESULTS_BY_MODEL_VERSION: results_by_model_version_arn(stack.inference.results_table),
        On.IDEMPOTENCY_TABLE: stack.inference.idempotency_table.table_arn,
        On.QUEUE: stack.inference.queue.queue_arn,
        On.DOCUMENT_FAILURES: stack.inference.document_failures.queue_arn,
        On.RESULTS_STREAM: stack.inference.results_table.table_stream_arn,
        On.BATCH_MACHINE: batch_machine_arn(stack),
        On.TOPIC: stack.topic.topic_arn,
        On.TRAINING_MACHINE: stack.training.training_state_machine.state_machine_arn,
        On.OWN_LOG_GROUP: function.log_group.log_group_arn,
    }
    grants = [*PLUMBING, *granted(function.module, stack.config, targets)]
    return sorted(
        normalized(
            {
                "Effect": "Allow",
                **stack.resolve(statement(g, targets[g.on], stack.config.projectName).to_statement_json()),
            }
        )
        for g in grants
    )


@pytest.fixture(scope="module")
def fail_mode() -> tuple[CustomLabelsStack, dict[str, Any]]:
    stack = build_stack(onModelStopped="fail", removalPolicy="destroy")
    return stack, json_of(stack)


def test_every_function_has_a_row_in_the_table(stack) -> None:
    # the two-account modules: tests/infra/test_production_template.py
    assert sorted(f.module for f in functions(stack)) == sorted(set(GRANTS) - TWO_ACCOUNT_MODULES)


def test_every_functions_statements_equal_its_rows(stack, template_json, fail_mode) -> None:
    for built, template in ((stack, template_json), fail_mode):
        for function in functions(built):
            assert role_statements(template, built, function) == expected_statements(built, function), (
                function.module
            )


def test_only_registry_writers_may_write_it_and_nobody_scans_or_queries() -> None:
    writers = {
        module
        for module, grants in GRANTS.items()
        for grant in grants
        if grant.on is On.REGISTRY and {"dynamodb:PutItem", "dynamodb:UpdateItem"} & set(grant.actions)
    }
    assert writers == {
        "train",
        "check_training",
        "evaluate",
        "start_model",
        "check_model",
        "stop_model",
        "promote",
        "idle_guard",
        "request_approval",
        "decide_approval",
        "copy_model",
        "check_copy",
        "start_retraining",
        "shadow_control",
        "drift_check",  # its DRIFT item only: the latest report the console shows
    }
    detect_reads = {a for g in GRANTS["detect"] if g.on is On.REGISTRY for a in g.actions}
    assert detect_reads == {"dynamodb:GetItem"}
    every_action = {a for grants in GRANTS.values() for g in grants for a in g.actions}
    # One Query, on one index, key-conditioned on the champion's ARN: the drift check's window
    queriers = {
        (module, g.on)
        for module, grants in GRANTS.items()
        for g in grants
        if {"dynamodb:Query", "dynamodb:Scan"} & set(g.actions)
    }
    assert queriers == {("drift_check", On.RESULTS_BY_MODEL_VERSION)}
    assert not {a for a in every_action if a == "dynamodb:Scan"}
    # BatchGetItem reads named keys only: the batch children's idempotency check on the results table
    batch_readers = {
        (module, g.on)
        for module, grants in GRANTS.items()
        for g in grants
        if "dynamodb:BatchGetItem" in g.actions
    }
    assert batch_readers == {("batch_analyse", On.RESULTS_TABLE)}
    # Only the result-document writer reads a stream: the results table's, which carries the documents
    stream_readers = {
        (module, g.on)
        for module, grants in GRANTS.items()
        for g in grants
        if {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"} & set(g.actions)
    }
    assert stream_readers == {("write_result_documents", On.RESULTS_STREAM)}


def test_every_lambda_key_statement_names_the_services_that_may_use_it() -> None:
    for module, grants in GRANTS.items():
        for grant in grants:
            if any(a.startswith("kms:") for a in grant.actions):
                assert grant.via, f"{module} {grant.sid}: kms without kms:ViaService"


def test_every_grant_says_why() -> None:
    for module, grants in GRANTS.items():
        for grant in grants:
            assert len(grant.why) >= 30, f"{module} {grant.sid}"


def test_every_log_group_follows_the_removal_policy(template_json, fail_mode) -> None:
    for template, policy in ((template_json, "Retain"), (fail_mode[1], "Delete")):
        groups = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"}
        assert len(groups) == 28  # 27 functions and the state machines' group
        assert {k: r["DeletionPolicy"] for k, r in groups.items()} == dict.fromkeys(groups, policy)


def test_only_the_batch_machine_uses_the_key_and_only_through_s3(template_json) -> None:
    """No state machine publishes (the execution-end function tells the topic); the batch machine's Map
    reads and writes the SSE-KMS buckets."""
    machines = [
        k for k, r in template_json["Resources"].items() if r["Type"] == "AWS::StepFunctions::StateMachine"
    ]
    key_use = {}
    for machine in machines:
        role = template_json["Resources"][machine]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        key_use[machine] = [
            s
            for r in template_json["Resources"].values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]
            for s in r["Properties"]["PolicyDocument"]["Statement"]
            if any(a.startswith("kms:") for a in _list(s["Action"]))
        ]
    (batch,) = [m for m in machines if m.startswith("Batch")]
    assert all(not statements for machine, statements in key_use.items() if machine != batch), key_use
    (statement,) = key_use[batch]
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    services = json.dumps(statement["Condition"]["StringEquals"]["kms:ViaService"])
    assert services.count("s3.") == 1 and "sns." not in services


def test_the_drift_check_writes_only_its_report_partition_of_the_registry(stack, template_json) -> None:
    (check,) = [function for function in functions(stack) if function.module == "drift_check"]
    writes = [
        json.loads(s) for s in role_statements(template_json, stack, check) if "dynamodb:PutItem" in s
    ]
    assert len(writes) == 1, writes
    condition = writes[0]["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"]
    assert _list(condition) == [f"DRIFT#{stack.config.projectName}"]
