"""The feedback loop's infrastructure: the import record's S3 event starts the retraining function, and
the review set is written only when reviewBelowConfidence is set, only under review/<project>/open/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.synth import build_stack, json_of
from tests.infra.test_inference_template import only, resources


@pytest.fixture(scope="module")
def feedback_template() -> dict[str, Any]:
    stack = build_stack(reviewBelowConfidence="60", retrainAfterImages="25")
    return json_of(stack)


def statements_of(template: dict[str, Any], function_id: str) -> list[dict[str, Any]]:
    role = only(template, "AWS::Lambda::Function", function_id)[1]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_an_import_record_under_the_console_bucket_invokes_start_retraining(template_json) -> None:
    function_id, function = only(template_json, "AWS::Lambda::Function", "StartRetraining")
    [console] = [
        resource["Properties"]["NotificationConfiguration"]["LambdaFunctionConfigurations"]
        for resource in resources(template_json, "Custom::S3BucketNotifications").values()
        if "LambdaFunctionConfigurations" in resource["Properties"]["NotificationConfiguration"]
    ]
    [config] = console
    rules = {rule["Name"]: rule["Value"] for rule in config["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "datasets/customlabels/feedback/imports/", "suffix": ".json"}
    assert config["LambdaFunctionArn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    [permission] = [p["Properties"] for p in resources(template_json, "AWS::Lambda::Permission").values()
                    if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}]
    assert permission["Principal"] == "s3.amazonaws.com" and "SourceAccount" in permission
    assert function["Environment"]["Variables"]["RETRAIN_AFTER_IMAGES"] == ""


def test_review_writes_exist_only_with_review_below_confidence(template_json, feedback_template) -> None:
    for function_id in ("InferenceDetect", "AnalyseBatchFunction"):
        off = [s for s in statements_of(template_json, function_id) if s.get("Sid") == "WriteReviewSet"]
        [on] = [s for s in statements_of(feedback_template, function_id) if s.get("Sid") == "WriteReviewSet"]
        assert off == [] and on["Action"] == "s3:PutObject"
        assert on["Resource"]["Fn::Join"][1][-1] == "/review/customlabels/open/*"
    variables = only(feedback_template, "AWS::Lambda::Function", "InferenceDetect")[1]["Environment"][
        "Variables"]
    assert variables["REVIEW_BELOW_CONFIDENCE"] == "60.0"
    retrain = only(feedback_template, "AWS::Lambda::Function", "StartRetraining")[1]
    assert retrain["Environment"]["Variables"]["RETRAIN_AFTER_IMAGES"] == "25"
