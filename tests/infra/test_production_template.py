"""The two-account shape (-c productionAccount=...): the production stack, the promotion state machine,
the training project's policy and the approval gate, with cdk-nag, cfn-lint and statelint on both stacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Aws, Stack
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint

from customlabels.naming import STACK_NAME
from customlabels.promotion.gate import promotion_role_name
from infra.functions import PipelineFunction
from infra.grants import GRANTS, PLUMBING, TWO_ACCOUNT_MODULES, On
from infra.promotion.sharing import promotion_machine_name, starter_role_name, training_machine_role_name
from infra.promotion.stack import CustomLabelsProductionStack
from infra.role_policies import base_targets, granted, statement
from infra.stack import CustomLabelsStack
from local.access.requests import Call, checks_for
from local.authz import NamedPolicy, PolicySet, Principal, Request, evaluate
from tests.infra import test_iam_static as iam_static
from tests.infra.iam_text import PSEUDO, render
from tests.infra.statelint_gaps import statelint_problems
from tests.infra.synth import build_stack, json_of, production_stack, state_machine_definition
from tests.infra.test_grants import normalized, role_statements
from tests.infra.test_training_template import named_failures

PRODUCTION, TRAINING = "222222222222", "111111111111"


@pytest.fixture(scope="module")
def stacks() -> tuple[CustomLabelsStack, CustomLabelsProductionStack]:
    training = build_stack(productionAccount=PRODUCTION, trainingAccount=TRAINING)
    return training, production_stack(training)


@pytest.fixture(scope="module")
def templates(stacks) -> tuple[dict[str, Any], dict[str, Any]]:
    return tuple(json_of(stack) for stack in stacks)


def machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: state_machine_definition(resource)
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    }


def machine_with(template: dict[str, Any], state: str) -> dict[str, Any]:
    return next(d for d in machines(template).values() if state in d["States"])


def test_share_project_builds_the_policy_itself_from_the_project_alone(templates) -> None:
    states = machine_with(templates[0], "ShareProject")["States"]
    assert set(states["ShareProject"]["Parameters"]["Payload"]) == {"projectArn.$"}


def test_the_promotion_role_has_the_name_the_policy_uses_and_copies_from_the_one_project(templates) -> None:
    production = templates[1]["Resources"]
    named = [
        r for r in production.values() if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName")
    ]
    assert sorted(r["Properties"]["RoleName"] for r in named) == sorted(
        [promotion_role_name("customlabels"), starter_role_name("customlabels")]
    )
    copies = [
        s for s in copy_role_statements(production) if "rekognition:CopyProjectVersion" in json.dumps(s)
    ]
    assert [s["Sid"] for s in copies] == ["CopyFromTraining", "CopyIntoProject"]
    assert f":{TRAINING}:project/customlabels/version/*" in json.dumps(copies[0]["Resource"])


def copy_role_statements(resources: dict[str, Any]) -> list[dict[str, Any]]:
    [policy] = [
        r for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and "rekognition:CopyProjectVersion" in json.dumps(r)
    ]  # fmt: skip
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _rendered(value: Any, resources: dict[str, Any]) -> Any:
    """A template value as text, in the production account (the stack's env)."""
    if isinstance(value, dict) and any(key == "Ref" or key.startswith("Fn::") for key in value):
        return render(value, resources).replace(PSEUDO["AWS::AccountId"], PRODUCTION)
    if isinstance(value, dict):
        return {key: _rendered(item, resources) for key, item in value.items()}
    if isinstance(value, list):
        return [_rendered(item, resources) for item in value]
    return value


def test_the_copy_role_can_copy_an_approved_version_into_its_project_and_write_the_output(templates) -> None:
    """The role is evaluated by the local policy engine on every resource the Service Authorization
    Reference requires for CopyProjectVersion, and on the key as S3 uses it to write the copy's output."""
    resources = templates[1]["Resources"]
    document = {"Version": "2012-10-17", "Statement": _rendered(copy_role_statements(resources), resources)}
    account, region = PRODUCTION, PSEUDO["AWS::Region"]
    role = Principal(f"arn:aws:iam::{account}:role/{promotion_role_name('customlabels')}", account)
    source = f"arn:aws:rekognition:{region}:{TRAINING}:project/customlabels/version/v3/1700000000001"
    request = {
        "SourceProjectArn": f"arn:aws:rekognition:{region}:{TRAINING}:project/customlabels/1600000000000",
        "SourceProjectVersionArn": source,
        "DestinationProjectArn": f"arn:aws:rekognition:{region}:{account}:project/customlabels/1700000000000",
    }
    checks = checks_for(Call("rekognition", "CopyProjectVersion", request, region, account))
    [(key_id, key)] = [(k, r) for k, r in resources.items() if r["Type"] == "AWS::KMS::Key"]
    key_policy = NamedPolicy("key policy", _rendered(key["Properties"]["KeyPolicy"], resources))
    write_output = {"kms:ViaService": f"s3.{region}.amazonaws.com"}
    asked = [(c.action, c.resource, {}) for c in checks]
    asked += [("kms:GenerateDataKey", _rendered({"Ref": key_id}, resources), write_output)]
    identity = [NamedPolicy("copy role", document)]
    decisions = {
        (action, resource): evaluate(
            Request(role, action, resource, context),
            PolicySet(identity, resource_account=account, key_policy=key_policy if "kms" in action else None),
        ).reason
        for action, resource, context in asked
    }
    assert {(c.action, c.resource) for c in checks} == {
        ("rekognition:CopyProjectVersion", source),
        ("rekognition:CopyProjectVersion", request["DestinationProjectArn"]),
    }
    assert all(reason.startswith("allowed") for reason in decisions.values()), decisions


def test_the_default_app_has_one_stack_and_no_sharing() -> None:
    training = build_stack()
    stacks = [c for c in training.node.root.node.children if isinstance(c, Stack)]
    assert [s.stack_name for s in stacks] == [STACK_NAME]
    template = json_of(training)
    definitions = json.dumps(machines(template))
    assert "ShareProject" not in definitions and "StartProductionPromotion" not in definitions
    assert training_machine_role_name("customlabels") not in json.dumps(template)


def test_promotion_machine_names_every_failure_and_waits_bounded(templates) -> None:
    definition = machine_with(templates[1], "CopyModel")
    fails = {name for name, s in definition["States"].items() if s["Type"] == "Fail"}
    assert fails == {"Failed"}
    assert named_failures(definition) == {"InvalidInput", "CopyFailed", "NotGated", "StartFailed"}
    states = definition["States"]
    assert states["CopyDone?"]["Type"] == "Choice"
    assert any("NumericGreaterThanEquals" in c for c in states["CopyDone?"]["Choices"])
    assert {"Rollback?", "DescribeRollback", "StopPreviousChampion", "Succeeded"} <= set(states)


def test_the_approval_gate_waits_for_a_task_token_with_a_timeout(templates) -> None:
    states = machine_with(templates[0], "RequestApproval")["States"]
    request = states["RequestApproval"]
    assert request["Resource"].endswith("lambda:invoke.waitForTaskToken")
    assert request["TimeoutSecondsPath"] == "$.run.settings.approvalTimeoutSeconds"
    caught = {tuple(c["ErrorEquals"]): c for c in request["Catch"]}
    assert caught[("Rejected",)]["Next"] == "Failed"
    assert caught[("Rejected",)]["Assign"] == {"failure": "Rejected", "why.$": "$.Cause"}
    assert caught[("States.Timeout",)]["Next"] == "ExplainApprovalTimeout"
    assert {"Rejected", "ApprovalTimedOut"} <= named_failures({"States": states})


def test_output_names_are_unique_across_the_stacks(templates) -> None:
    training, production = (set(t["Outputs"]) for t in templates)
    assert not training & production
    assert {
        "PromotionStateMachineArn",
        "ProductionInferenceBucketName",
        "ProductionProjectName",
    } <= production


def test_cdk_nag_is_clean_on_both_stacks(stacks) -> None:
    for stack in stacks:
        report = AwsSolutionsChecks().validate_scope(stack)
        findings = [
            f"{v.rule_name}: {[r.construct_path for r in v.violating_resources]}" for v in report.violations
        ]
        assert report.success, "\n".join(findings)


def test_cfn_lint_and_statelint_pass_the_production_stack(templates, tmp_path: Path) -> None:
    path = tmp_path / "production.json"
    path.write_text(json.dumps(templates[1]))
    errors = [
        str(m)
        for m in lint(path.read_text(), config=ManualArgs(regions=["us-east-1"]))
        if m.rule.id[0] == "E"
    ]
    assert not errors, "\n".join(errors)
    for template in templates:
        for logical_id, definition in machines(template).items():
            problems = statelint_problems(definition)
            assert not problems, f"{logical_id}:\n" + "\n".join(problems)


def test_every_production_function_holds_exactly_its_rows(stacks, templates) -> None:
    _, production = stacks
    every = {f.module for s in stacks for f in s.node.find_all() if isinstance(f, PipelineFunction)}
    assert every == set(GRANTS)
    assert every >= TWO_ACCOUNT_MODULES
    source = f"arn:{Aws.PARTITION}:rekognition:{Aws.REGION}:{TRAINING}:project/customlabels/version/*"
    for function in (c for c in production.node.find_all() if isinstance(c, PipelineFunction)):
        targets = {
            **base_targets(production.storage, production.config.projectName),
            On.REGISTRY: production.registry.table_arn,
            On.RESULTS_TABLE: production.inference.results_table.table_arn,
            On.IDEMPOTENCY_TABLE: production.inference.idempotency_table.table_arn,
            On.QUEUE: production.inference.queue.queue_arn,
            On.DOCUMENT_FAILURES: production.inference.document_failures.queue_arn,
            On.RESULTS_STREAM: production.inference.results_table.table_stream_arn,
            On.TOPIC: production.topic.topic_arn,
            On.OWN_LOG_GROUP: function.log_group.log_group_arn,
            On.SOURCE_VERSIONS: source,
        }
        expected = sorted(
            normalized(
                {
                    "Effect": "Allow",
                    **production.resolve(statement(g, targets[g.on], "customlabels").to_statement_json()),
                }
            )
            for g in [*PLUMBING, *granted(function.module, production.config, targets)]
        )
        assert role_statements(templates[1], production, function) == expected, function.module


def test_the_production_stacks_iam_passes_the_static_checks(templates) -> None:
    """Every action exists, every resource fits the action's resource types, every service principal is
    held to its source: the checks tests/infra/test_iam_static.py makes of the training stack."""
    production = templates[1]
    iam_static.test_every_action_exists(production)
    iam_static.test_every_resource_fits_one_of_its_actions_resource_types(production)
    iam_static.test_every_service_principal_is_held_to_keys_that_service_sends(production)


def role_policy_statements(template: dict[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role_logical_id} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def named_role(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    return next(
        (logical_id, r)
        for logical_id, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == name
    )


def test_after_approval_the_training_machine_starts_the_promotion_as_the_starter_role(
    stacks, templates
) -> None:
    training, _ = stacks
    states = machine_with(templates[0], "StartProductionPromotion")["States"]
    assert states["RequestApproval"]["Next"] == "ApprovalChecked?"
    (unverified,) = states["ApprovalChecked?"]["Choices"]
    assert "Not" in unverified and unverified["Assign"]["failure"] == "Rejected"
    assert (unverified["Next"], states["ApprovalChecked?"]["Default"]) == ("Failed", "MarkGated")
    assert states["MarkGated"]["Next"] == "PromoteAfterApproval?"
    (wanted,) = states["PromoteAfterApproval?"]["Choices"]
    assert (wanted["Variable"], wanted["Next"]) == (
        "$.run.settings.promoteAfterApproval",
        "StartProductionPromotion",
    )
    start = training.resolve(
        training.training.node.find_child("Training")
        .node.find_child("StartProductionPromotion")
        .to_state_json()
    )
    assert start["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":states:::states:startExecution"]]
    }
    role = json.dumps(start["Credentials"]["RoleArn"])
    assert f":iam::{PRODUCTION}:role/{starter_role_name('customlabels')}" in role
    machine = json.dumps(start["Parameters"]["StateMachineArn"])
    assert f":{PRODUCTION}:stateMachine:{promotion_machine_name('customlabels')}" in machine
    assert start["Parameters"]["Input"]["action"] == "promote"
    (caught,) = start["Catch"]
    assert (caught["Next"], caught["Assign"]["failure"]) == ("ExplainError", "PromotionNotStarted")


def test_the_training_machine_may_assume_only_the_starter_role(templates) -> None:
    role_id, _ = named_role(templates[0], training_machine_role_name("customlabels"))
    statements = role_policy_statements(templates[0], role_id)
    assumes = [s for s in statements if "sts:AssumeRole" in json.dumps(s["Action"])]
    assert len(assumes) == 1 and assumes[0]["Action"] == "sts:AssumeRole"
    assert f":iam::{PRODUCTION}:role/{starter_role_name('customlabels')}" in json.dumps(
        assumes[0]["Resource"]
    )
    assert not [s for s in statements if "states:StartExecution" in json.dumps(s["Action"])]


def test_the_starter_role_trusts_only_the_training_machine_and_may_only_start_the_promotion(
    templates,
) -> None:
    production = templates[1]
    role_id, role = named_role(production, starter_role_name("customlabels"))
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert f":iam::{TRAINING}:root" in json.dumps(trust["Principal"])
    assert json.dumps(trust["Condition"]["ArnEquals"]["aws:PrincipalArn"]).endswith(
        f':iam::{TRAINING}:role/{training_machine_role_name("customlabels")}"]]}}'
    )
    (only,) = role_policy_statements(production, role_id)
    assert only["Action"] == "states:StartExecution"
    machine_id = next(
        logical_id
        for logical_id, r in production["Resources"].items()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    )
    assert only["Resource"] == {"Ref": machine_id}
    assert production["Resources"][machine_id]["Properties"]["StateMachineName"] == promotion_machine_name(
        "customlabels"
    )
