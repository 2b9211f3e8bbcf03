"""Security properties of the synthesized template that a platform team audits before deploying."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.infra.synth import build_stack, json_of, template_of

OUTPUTS = ["ProjectName", "ConsoleBucketName", "InferenceBucketName", "KmsKeyArn", "NotificationsTopicArn"]


def resources(template_json: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == type_name}


def only(template_json: dict[str, Any], type_name: str) -> tuple[str, dict[str, Any]]:
    found = resources(template_json, type_name)
    assert len(found) == 1, f"expected one {type_name}, found {sorted(found)}"
    return next(iter(found.items()))


def key_id(template_json: dict[str, Any]) -> str:
    return only(template_json, "AWS::KMS::Key")[0]


def bucket_ids(template_json: dict[str, Any]) -> dict[str, str]:
    """Logical ids of the console, inference and access-log buckets, by role."""
    ids = {}
    for logical_id in resources(template_json, "AWS::S3::Bucket"):
        for role in ("ConsoleBucket", "InferenceBucket", "AccessLogs"):
            if logical_id.startswith(f"Storage{role}"):
                ids[role] = logical_id
    assert set(ids) == {"ConsoleBucket", "InferenceBucket", "AccessLogs"}, ids
    return ids


def test_outputs_have_the_documented_names(template: Template) -> None:
    for name in OUTPUTS:
        template.has_output(name, {})


def test_key_rotates_and_has_an_alias(template: Template) -> None:
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/customlabels-pipeline"})


@pytest.mark.parametrize("role", ["ConsoleBucket", "InferenceBucket"])
def test_data_buckets_are_private_kms_encrypted_versioned_and_logged(template_json, role) -> None:
    ids = bucket_ids(template_json)
    props = template_json["Resources"][ids[role]]["Properties"]
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["BucketKeyEnabled"] is True
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id(template_json), "Arn"]},
    }
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": ids["AccessLogs"]}
    assert any("NoncurrentVersionExpiration" in r for r in props["LifecycleConfiguration"]["Rules"])


def test_every_bucket_denies_requests_without_tls(template_json) -> None:
    ids = bucket_ids(template_json)
    policies = resources(template_json, "AWS::S3::BucketPolicy").values()
    protected = set()
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                assert statement["Effect"] == "Deny" and statement["Action"] == "s3:*"
                protected.add(policy["Properties"]["Bucket"]["Ref"])
    assert protected == set(ids.values())


def test_console_bucket_follows_the_console_naming_convention(template_json) -> None:
    name = template_json["Resources"][bucket_ids(template_json)["ConsoleBucket"]]["Properties"]["BucketName"]
    separator, parts = name["Fn::Join"]
    assert separator == "-" and parts[0] == "custom-labels-console" and parts[1] == {"Ref": "AWS::Region"}
    # default suffix: derived from the stack id, so two stacks never collide
    assert "AWS::StackId" in str(parts[2])


def test_console_bucket_suffix_is_configurable() -> None:
    template = template_of(build_stack(consoleBucketSuffix="team-a"))
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"BucketName": {"Fn::Join": ["-", ["custom-labels-console", {"Ref": "AWS::Region"}, "team-a"]]}},
    )


def test_buckets_are_retained_by_default_and_destroyable_by_config(template_json) -> None:
    for bucket in resources(template_json, "AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Retain"
    destroyable = json_of(build_stack(removalPolicy="destroy"))
    for bucket in resources(destroyable, "AWS::S3::Bucket").values():
        assert bucket["DeletionPolicy"] == "Delete"


ENCRYPTION_PROPERTY = {
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
}


@pytest.mark.parametrize("type_name", sorted(ENCRYPTION_PROPERTY))
def test_every_queue_topic_log_group_and_table_uses_the_app_key(template_json, type_name) -> None:
    path = ENCRYPTION_PROPERTY[type_name]
    expected = {"Fn::GetAtt": [key_id(template_json), "Arn"]}
    for logical_id, resource in resources(template_json, type_name).items():
        value = resource["Properties"]
        for part in path:
            value = value.get(part, {})
        assert value == expected, f"{logical_id} is not encrypted with the app key"


def test_topic_accepts_only_tls(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )


def managed_policy(template_json, name: str) -> list[dict[str, Any]]:
    for logical_id, policy in resources(template_json, "AWS::IAM::ManagedPolicy").items():
        if logical_id.startswith(f"UserPolicies{name}"):
            return policy["Properties"]["PolicyDocument"]["Statement"]
    raise AssertionError(f"no managed policy {name}")


def joined(value: Any) -> str:
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(joined(part) for part in value["Fn::Join"][1])
    if isinstance(value, dict) and "Ref" in value:
        return f"${{{value['Ref']}}}"
    return str(value)


def test_inference_only_policy_allows_detection_on_this_projects_versions_only(template_json) -> None:
    statements = managed_policy(template_json, "InferenceOnly")
    assert len(statements) == 1
    statement = statements[0]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "rekognition:DetectCustomLabels"
    assert joined(statement["Resource"]) == (
        "arn:${AWS::Partition}:rekognition:${AWS::Region}:${AWS::AccountId}:project/customlabels/version/*"
    )


@pytest.mark.parametrize("name", ["ConsoleAccess", "SdkAccess"])
def test_user_policies_scope_rekognition_to_the_project(template_json, name) -> None:
    for statement in managed_policy(template_json, name):
        if statement["Effect"] == "Deny":  # the pipeline guards: tests/infra/test_iam_static.py
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if actions == ["rekognition:CreateProject"]:
            assert statement["Condition"] == {"StringEquals": {"aws:RequestTag/project": "customlabels"}}
        elif any(a.startswith("rekognition:") and a != "rekognition:DescribeProjects" for a in actions):
            assert joined(statement["Resource"]).endswith(":project/customlabels/*")


def test_sdk_policy_can_use_the_key_for_training(template_json) -> None:
    kms_actions = set()
    for statement in managed_policy(template_json, "SdkAccess"):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement.get("Resource") == {"Fn::GetAtt": [key_id(template_json), "Arn"]}:
            kms_actions.update(actions)
    assert {"kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"} <= kms_actions


def test_lambdas_share_one_asset_run_python_313_and_are_traced(template_json) -> None:
    functions = resources(template_json, "AWS::Lambda::Function")
    ours = {
        k: v for k, v in functions.items() if str(v["Properties"].get("Handler", "")).startswith("handlers.")
    }
    for logical_id, function in ours.items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.13", logical_id
        assert props["TracingConfig"] == {"Mode": "Active"}, logical_id
    assert len({str(f["Properties"]["Code"]) for f in ours.values()}) <= 1


def test_state_machines_are_traced_and_logged(template_json) -> None:
    for logical_id, machine in resources(template_json, "AWS::StepFunctions::StateMachine").items():
        props = machine["Properties"]
        assert props["TracingConfiguration"] == {"Enabled": True}, logical_id
        assert props["LoggingConfiguration"]["Level"] in {"ALL", "ERROR"}, logical_id
