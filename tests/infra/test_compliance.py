"""cdk-nag, cfn-lint and the wildcard-resource allow-list over the whole stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint

from tests.infra.statelint_gaps import statelint_problems
from tests.infra.synth import state_machine_definition

# Actions that have no resource-level scope in IAM, so `Resource: "*"` is the only form.
WILDCARD_ALLOWED = {
    "s3:ListAllMyBuckets": "lists every bucket of the account; no resource scope",
    "rekognition:DescribeProjects": "lists projects account-wide; no resource scope (guide, spec 01 §7.2)",
    "rekognition:CreateProject": "no resource scope; held by the aws:RequestTag/project condition",
    "groundtruthlabeling:*": "Ground Truth labeling actions have no resource scope (guide's console policy)",
    "xray:PutTraceSegments": "X-Ray tracing; no resource scope",
    "xray:PutTelemetryRecords": "X-Ray tracing; no resource scope",
    "xray:GetSamplingRules": "X-Ray sampling for Step Functions tracing; no resource scope",
    "xray:GetSamplingTargets": "X-Ray sampling for Step Functions tracing; no resource scope",
    "cloudwatch:PutMetricData": "metric data has no resource scope (limited by a namespace condition)",
    "cloudwatch:GetMetricData": "metric reads have no resource scope (idle guard: traffic, IU hours)",
    "cloudwatch:ListMetrics": "metric listing has no resource scope for metrics (customlabels usage)",
    "logs:CreateLogDelivery": "Step Functions vended logs; no resource scope",
    "logs:GetLogDelivery": "Step Functions vended logs; no resource scope",
    "logs:UpdateLogDelivery": "Step Functions vended logs; no resource scope",
    "logs:DeleteLogDelivery": "Step Functions vended logs; no resource scope",
    "logs:ListLogDeliveries": "Step Functions vended logs; no resource scope",
    "logs:PutResourcePolicy": "Step Functions vended logs; no resource scope",
    "logs:DescribeResourcePolicies": "Step Functions vended logs; no resource scope",
    "logs:DescribeLogGroups": "Step Functions vended logs; no resource scope",
    "s3:PutBucketNotification": "CDK's bucket-notification custom resource; scoped by CDK to the call",
    "states:SendTaskSuccess": "no resource scope (SAR); the token is the scope (approval function only)",
    "states:SendTaskFailure": "no resource scope (SAR); the token is the scope (approval function only)",
    "dynamodb:ListStreams": "no resource type (SAR); the result-document writer's stream mapping needs it",
}


def statements(template_json: dict[str, Any]):
    for logical_id, resource in template_json["Resources"].items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents.append(props["PolicyDocument"])
        if resource["Type"] == "AWS::IAM::Role":
            documents.extend(p["PolicyDocument"] for p in props.get("Policies", []))
        for document in documents:
            for statement in document["Statement"]:
                yield logical_id, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cdk_nag_has_no_unacknowledged_findings(stack) -> None:
    report = AwsSolutionsChecks().validate_scope(stack)
    findings = [
        f"{v.rule_name}: {[r.construct_path for r in v.violating_resources]}" for v in report.violations
    ]
    assert report.success, "\n".join(findings)


def test_every_acknowledgement_names_a_specific_reason(stack) -> None:
    acknowledged = {}
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                acknowledged.update(entry.data)
    assert acknowledged, "expected the stack's documented acknowledgements"
    for finding, reason in acknowledged.items():
        assert len(reason) >= 60, f"{finding}: reason too short to say what the resource needs"


def test_no_wildcard_resource_outside_the_allow_list(template_json) -> None:
    offenders = []
    for logical_id, statement in statements(template_json):
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource", [])):
            for action in as_list(statement["Action"]):
                if action not in WILDCARD_ALLOWED:
                    offenders.append(f"{logical_id}: {action}")
    assert not offenders, "Resource '*' without a reason:\n" + "\n".join(offenders)


def test_cfn_lint_finds_no_errors(template_json, tmp_path: Path) -> None:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template_json))
    matches = lint(path.read_text(), config=ManualArgs(regions=["us-east-1"]))
    errors = [str(m) for m in matches if m.rule.id.startswith("E")]
    assert not errors, "\n".join(errors)


def test_statelint_passes_every_state_machine(template_json) -> None:
    machines = {
        logical_id: resource
        for logical_id, resource in template_json["Resources"].items()
        if resource["Type"] == "AWS::StepFunctions::StateMachine"
    }
    assert len(machines) >= 2, "expected the training and model-control state machines"
    for logical_id, resource in machines.items():
        problems = statelint_problems(state_machine_definition(resource))
        assert not problems, f"{logical_id}:\n" + "\n".join(problems)
