"""The inference construct as CloudFormation: notification filters, queue, DLQ, function, tables, alarm."""

from __future__ import annotations

from typing import Any

import pytest

from infra.assembly import cdk_json_context
from infra.config import ConfigError
from infra.inference import upload_suffixes
from tests.infra.synth import build_stack, json_of


def resources(template_json: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template_json["Resources"].items() if r["Type"] == resource_type}


def only(template_json: dict[str, Any], resource_type: str, contains: str) -> tuple[str, dict[str, Any]]:
    [(logical_id, resource)] = [
        (k, r) for k, r in resources(template_json, resource_type).items() if contains in k
    ]
    return logical_id, resource["Properties"]


PLAIN_HTTP = {"Bool": {"aws:SecureTransport": "false"}}


def settings() -> dict[str, Any]:
    return cdk_json_context()["customlabels"]


@pytest.fixture(scope="module")
def custom_template() -> dict[str, Any]:
    stack = build_stack(detectReservedConcurrency="6", onModelStopped="fail", minConfidence="70")
    return json_of(stack)


def test_every_case_spelling_of_jpg_jpeg_png_mp4_mov_under_uploads_notifies_the_queue(template_json) -> None:
    [notifications] = [
        resource
        for resource in resources(template_json, "Custom::S3BucketNotifications").values()
        if "QueueConfigurations" in resource["Properties"]["NotificationConfiguration"]
    ]
    queue_id, _ = only(template_json, "AWS::SQS::Queue", "InferenceQueue")
    configs = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    rules = [{r["Name"]: r["Value"] for r in c["Filter"]["Key"]["FilterRules"]} for c in configs]
    assert {c["QueueArn"]["Fn::GetAtt"][0] for c in configs} == {queue_id}
    assert {c["Events"][0] for c in configs} == {"s3:ObjectCreated:*"}
    assert {r["prefix"] for r in rules} == {"uploads/"}  # results/ is never a source
    suffixes = {r["suffix"] for r in rules}
    assert len(suffixes) == len(configs) == 32 + 4 + 8  # mp4 has a digit: 4 spellings
    for name in ("a.jpg", "b.JPG", "c.JpEg", "d.PNG", "e.pNg", "f.jpeg", "g.mp4", "h.MOV", "i.Mp4"):
        assert any(name.endswith(suffix) for suffix in suffixes), name
    for name in ("a.gif", "b.json", "c.jpg.json", "d.png.error.json", "e.mp4.json", "f.mkv"):
        assert not any(name.endswith(suffix) for suffix in suffixes), name


def test_upload_suffixes_cover_exactly_the_case_variants() -> None:
    suffixes = upload_suffixes()
    assert len(suffixes) == len(set(suffixes)) == 2**3 + 2**4 + 2**3 + 2**2 + 2**3
    assert {s.lower() for s in suffixes} == {".jpg", ".jpeg", ".png", ".mp4", ".mov"}


def test_queue_is_encrypted_redrives_to_the_dlq_and_outlasts_the_function(template_json) -> None:
    _, queue = only(template_json, "AWS::SQS::Queue", "InferenceQueue")
    dlq_id, dlq = only(template_json, "AWS::SQS::Queue", "InferenceDeadLetterQueue")
    _, function = only(template_json, "AWS::Lambda::Function", "InferenceDetect")
    key_id, _ = only(template_json, "AWS::KMS::Key", "StorageKey")
    for q in (queue, dlq):
        assert q["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        assert q["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": settings()["inferenceMaxReceiveCount"],
    }
    assert queue["VisibilityTimeout"] == 6 * function["Timeout"] + settings()["inferenceBatchWindowSeconds"]


def test_both_queues_refuse_plain_http(template_json) -> None:
    policies = resources(template_json, "AWS::SQS::QueuePolicy").values()
    denied = {
        ref["Ref"]
        for policy in policies
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny" and statement["Condition"] == PLAIN_HTTP
        for ref in policy["Properties"]["Queues"]
    }
    queue_id, _ = only(template_json, "AWS::SQS::Queue", "InferenceQueue")
    dlq_id, _ = only(template_json, "AWS::SQS::Queue", "InferenceDeadLetterQueue")
    assert {queue_id, dlq_id} <= denied


def test_detect_reads_batches_with_partial_failures(template_json) -> None:
    _, mapping = only(template_json, "AWS::Lambda::EventSourceMapping", "InferenceDetect")
    assert mapping["BatchSize"] == settings()["inferenceBatchSize"]
    assert mapping["MaximumBatchingWindowInSeconds"] == settings()["inferenceBatchWindowSeconds"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "ScalingConfig" not in mapping  # no reserved concurrency by default


def test_reserved_concurrency_caps_the_function_and_its_pollers(custom_template) -> None:
    _, function = only(custom_template, "AWS::Lambda::Function", "InferenceDetect")
    _, mapping = only(custom_template, "AWS::Lambda::EventSourceMapping", "InferenceDetect")
    assert function["ReservedConcurrentExecutions"] == 6
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 6}


def test_function_settings_come_from_config(template_json, custom_template) -> None:
    _, default = only(template_json, "AWS::Lambda::Function", "InferenceDetect")
    _, custom = only(custom_template, "AWS::Lambda::Function", "InferenceDetect")
    env, custom_env = default["Environment"]["Variables"], custom["Environment"]["Variables"]
    assert default["Handler"] == "handlers.detect.handler"
    assert (env["MIN_CONFIDENCE"], env["ON_MODEL_STOPPED"]) == ("", "start")
    assert (custom_env["MIN_CONFIDENCE"], custom_env["ON_MODEL_STOPPED"]) == ("70.0", "fail")
    assert env["DETECT_CONCURRENCY"] == str(settings()["detectConcurrency"])
    assert env["CHAMPION_CACHE_SECONDS"] == str(settings()["championCacheSeconds"])
    registry_id, _ = only(template_json, "AWS::DynamoDB::Table", "TrainingRegistry")
    assert env["REGISTRY_TABLE_NAME"] == {"Ref": registry_id}


def detect_statements(template_json: dict[str, Any]) -> list[dict[str, Any]]:
    _, policy = only(template_json, "AWS::IAM::Policy", "InferenceDetectRole")
    return policy["PolicyDocument"]["Statement"]


def actions(statement: dict[str, Any]) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def rekognition_actions(template_json: dict[str, Any]) -> set[str]:
    return {a for s in detect_statements(template_json) for a in actions(s) if a.startswith("rekognition:")}


def test_detect_may_start_a_stopped_model_only_with_on_model_stopped_start(template_json, custom_template):
    assert rekognition_actions(template_json) == {
        "rekognition:DetectCustomLabels",
        "rekognition:StartProjectVersion",
    }
    assert rekognition_actions(custom_template) == {"rekognition:DetectCustomLabels"}


def test_detect_writes_only_under_results_and_shadow_and_reads_only_under_uploads(template_json) -> None:
    by_sid = {s.get("Sid"): s for s in detect_statements(template_json)}
    bucket_id, _ = only(template_json, "AWS::S3::Bucket", "StorageInferenceBucket")
    objects = {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/results/*"]]}
    assert by_sid["WriteResults"]["Action"] == "s3:PutObject"
    assert by_sid["WriteResults"]["Resource"] == objects
    assert by_sid["ReadUploads"]["Resource"]["Fn::Join"][1][1] == "/uploads/*"
    assert by_sid["WriteShadowRecords"]["Resource"]["Fn::Join"][1][1] == "/shadow/*"
    writes = [s for s in detect_statements(template_json) if any(a.startswith("s3:Put") for a in actions(s))]
    assert sorted(s["Sid"] for s in writes) == ["WriteResults", "WriteShadowRecords"]


def test_results_table_is_encrypted_with_the_app_key_and_recoverable(template_json) -> None:
    key_id, _ = only(template_json, "AWS::KMS::Key", "StorageKey")
    for name in ("InferenceResults", "InferenceIdempotency"):
        _, table = only(template_json, "AWS::DynamoDB::Table", name)
        assert table["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    _, results = only(template_json, "AWS::DynamoDB::Table", "InferenceResults")
    assert [k["AttributeName"] for k in results["KeySchema"]] == ["image", "version"]
    indexes = {
        index["IndexName"]: [k["AttributeName"] for k in index["KeySchema"]]
        for index in results["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "ByTime": ["status", "finishedAt"],
        "ByModelVersion": ["modelVersionArn", "finishedAt"],
    }
    _, idempotency = only(template_json, "AWS::DynamoDB::Table", "InferenceIdempotency")
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_a_message_in_the_dlq_alarms_to_the_notifications_topic(template_json) -> None:
    _, alarm = only(template_json, "AWS::CloudWatch::Alarm", "InferenceDeadLetterAlarm")
    dlq_id, _ = only(template_json, "AWS::SQS::Queue", "InferenceDeadLetterQueue")
    topic_id, _ = only(template_json, "AWS::SNS::Topic", "Notifications")
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]


def test_outputs_name_the_queues_and_the_results_table(template_json) -> None:
    assert {"InferenceQueueUrl", "DeadLetterQueueUrl", "ResultsTableName"} <= set(template_json["Outputs"])


def test_large_batches_without_a_window_are_refused_at_synth() -> None:
    with pytest.raises(ConfigError, match="inferenceBatchWindowSeconds"):
        build_stack(inferenceBatchSize="50", inferenceBatchWindowSeconds="0")
