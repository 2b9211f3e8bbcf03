"""Operations as synthesized: guard schedule and rights, alarms, the execution-end rule, dashboard."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from infra.assembly import cdk_json_context
from tests.infra.synth import build_stack, template_of

GUARD_HANDLER = "handlers.idle_guard.handler"
DEFAULTS = cdk_json_context()["customlabels"]


def resources(template_json: dict[str, Any], kind: str) -> dict[str, dict]:
    return {name: r for name, r in template_json["Resources"].items() if r["Type"] == kind}


def guard_function(template_json: dict[str, Any]) -> tuple[str, dict]:
    found = [
        (name, r)
        for name, r in resources(template_json, "AWS::Lambda::Function").items()
        if r["Properties"].get("Handler") == GUARD_HANDLER
    ]
    assert len(found) == 1, "expected exactly one idle-guard function"
    return found[0]


def alarm_by_metric(template_json: dict[str, Any], metric_name: str) -> dict:
    found = [
        r["Properties"]
        for r in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == metric_name
    ]
    assert len(found) == 1, f"expected one alarm on {metric_name}, found {len(found)}"
    return found[0]


def topic_id(template_json: dict[str, Any]) -> str:
    (name,) = resources(template_json, "AWS::SNS::Topic")
    return name


def test_guard_runs_on_the_configured_schedule(template_json) -> None:
    name, _ = guard_function(template_json)
    rules = [
        r["Properties"]
        for r in resources(template_json, "AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
        and r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [name, "Arn"]}
    ]
    check = DEFAULTS["idleCheckMinutes"]
    assert [rule["ScheduleExpression"] for rule in rules] == [f"rate({check} minute{'s' * (check != 1)})"]
    assert rules[0]["Targets"][0]["Arn"] == {"Fn::GetAtt": [name, "Arn"]}


def test_schedule_follows_idle_check_minutes_and_cap_adds_an_alarm() -> None:
    template = template_of(build_stack(idleCheckMinutes="15", maxInferenceUnitHoursPerDay="12"))
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(15 minutes)"})
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "InferenceUnitHoursToday", "Threshold": 12, "Statistic": "Maximum", "Period": 900},
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": GUARD_HANDLER,
            "Environment": {"Variables": Match.object_like({"MAX_INFERENCE_UNIT_HOURS_PER_DAY": "12.0"})},
        },
    )


def test_guard_gets_its_settings_and_only_the_rights_it_uses(template_json) -> None:
    _, function = guard_function(template_json)
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["IDLE_STOP_MINUTES"] == str(DEFAULTS["idleStopMinutes"])
    assert variables["IDLE_CHECK_MINUTES"] == str(DEFAULTS["idleCheckMinutes"])
    assert variables["MAX_INFERENCE_UNIT_HOURS_PER_DAY"] == ""
    assert {"QUEUE_URL", "TOPIC_ARN", "REGISTRY_TABLE_NAME", "PROJECT_NAME"} <= set(variables)
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        r["Properties"]
        for r in resources(template_json, "AWS::IAM::Policy").values()
        if {"Ref": role} in r["Properties"]["Roles"]
    ]
    actions = set()
    for policy in policies:
        for statement in policy["PolicyDocument"]["Statement"]:
            action = statement["Action"]
            actions.update(action if isinstance(action, list) else [action])
    assert "rekognition:StopProjectVersion" in actions
    assert "rekognition:StartProjectVersion" not in actions
    assert not any(action.endswith("*") for action in actions), sorted(actions)
    assert not {"dynamodb:DeleteItem", "dynamodb:PutItem", "sqs:DeleteMessage"} & actions


def test_alarms_notify_the_topic(template_json) -> None:
    topic = {"Ref": topic_id(template_json)}
    expected = {
        "ExecutionsFailed": 1,
        "ExecutionsTimedOut": 1,
        "ThroughputExceeded": 10,
        "RunningModelIdleMinutes": DEFAULTS["idleStopMinutes"] + 2 * DEFAULTS["idleCheckMinutes"],
    }
    for metric, threshold in expected.items():
        alarm = alarm_by_metric(template_json, metric)
        assert alarm["Threshold"] == threshold, metric
        assert alarm["AlarmActions"] == [topic], metric
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    queued = [
        r["Properties"]
        for r in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    ]
    # the uploads' dead letters and the result-document writer's failures: one message is an alarm
    assert len(queued) == 2
    assert all(alarm["Threshold"] == 1 and alarm["AlarmActions"] == [topic] for alarm in queued)
    errors = [
        r["Properties"]
        for r in resources(template_json, "AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("MetricName") == "Errors"
    ]
    assert len(errors) == 2, "detect and guard function errors each alarm"
    assert all(alarm["AlarmActions"] == [topic] for alarm in errors)


def test_idle_alarm_reads_the_metric_the_guard_emits(template_json) -> None:
    alarm = alarm_by_metric(template_json, "RunningModelIdleMinutes")
    assert alarm["Namespace"] == "CustomLabelsPipeline"
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
        "ProjectName": "customlabels",
        "service": "customlabels",
    }


def test_every_end_of_every_pipeline_machine_goes_to_the_one_notifier(template_json) -> None:
    rules = [
        r["Properties"]
        for r in resources(template_json, "AWS::Events::Rule").values()
        if "EventPattern" in r["Properties"]
    ]
    (rule,) = [rule for rule in rules if rule["EventPattern"].get("source") == ["aws.states"]]
    assert rule["EventPattern"]["detail-type"] == ["Step Functions Execution Status Change"]
    assert set(rule["EventPattern"]["detail"]["status"]) == {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
    watched = {ref["Ref"] for ref in rule["EventPattern"]["detail"]["stateMachineArn"]}
    assert watched == set(resources(template_json, "AWS::StepFunctions::StateMachine"))
    (target,) = rule["Targets"]
    function = template_json["Resources"][target["Arn"]["Fn::GetAtt"][0]]["Properties"]
    assert function["Handler"] == "handlers.notify_execution_end.handler" and "Input" not in target
    kinds = json.dumps(function["Environment"]["Variables"]["STATE_MACHINES"])
    assert all(kind in kinds for kind in ("training", "model control", "batch analysis"))


def test_key_lets_eventbridge_dead_letter_and_cloudwatch_publish_to_the_encrypted_topic(
    template_json,
) -> None:
    (key,) = resources(template_json, "AWS::KMS::Key").values()
    principals = {json.dumps(s.get("Principal")) for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert any("events.amazonaws.com" in p for p in principals)
    assert any("cloudwatch.amazonaws.com" in p for p in principals)


def test_dashboard_shows_every_part_of_the_pipeline(template_json) -> None:
    (dashboard,) = resources(template_json, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for title in (
        "Training executions",
        "Images analysed per model",
        "Detect latency",
        "Inference units in service",
        "Inference queue",
        "Errors and throttling",
        "Alarms",
    ):
        assert title in body, title
    for metric in (
        "InServiceInferenceUnits",
        "Detections",
        "ApproximateAgeOfOldestMessage",
        "ExecutionsFailed",
        "ThroughputExceeded",
    ):
        assert metric in body, metric
