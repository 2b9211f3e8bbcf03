"""The service behind moto: Step Functions aws-sdk tasks, in-process Lambda, the HTTP endpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from io import BytesIO
from pathlib import Path

import boto3
import pytest

from local import lambda_hook
from tests.fixtures.local_aws import REGION, ready_url, wait_until

ROOT = Path(__file__).resolve().parents[3]
ROLE = "arn:aws:iam::123456789012:role/local"


def run_state_machine(local_client, definition: dict, payload: dict) -> dict:
    sfn = local_client("stepfunctions")
    machine = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(payload))
    return wait_until(
        lambda: sfn.describe_execution(executionArn=execution["executionArn"]),
        lambda e: e["status"] != "RUNNING",
    )


def test_step_functions_aws_sdk_tasks_reach_the_service(local_client):
    definition = {
        "StartAt": "Create",
        "States": {
            "Create": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:rekognition:createProject",
                "Parameters": {"ProjectName.$": "$.name"},
                "ResultPath": "$.created",
                "Next": "Describe",
            },
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:rekognition:describeProjects",
                "Parameters": {"ProjectNames.$": "States.Array($.name)"},
                "End": True,
            },
        },
    }
    execution = run_state_machine(local_client, definition, {"name": "from-sfn"})
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert output["ProjectDescriptions"][0]["ProjectArn"].split("/")[1] == "from-sfn"
    assert local_client("rekognition").describe_projects(ProjectNames=["from-sfn"])["ProjectDescriptions"]


def test_step_functions_sees_service_errors_by_name(local_client):
    definition = {
        "StartAt": "Delete",
        "States": {
            "Delete": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:rekognition:deleteProject",
                "Parameters": {"ProjectArn": "arn:aws:rekognition:us-east-1:123456789012:project/x/1"},
                "Catch": [{"ErrorEquals": ["Rekognition.ResourceNotFoundException"], "Next": "Missing"}],
                "End": True,
            },
            "Missing": {"Type": "Pass", "Result": {"caught": "ResourceNotFoundException"}, "End": True},
        },
    }
    execution = run_state_machine(local_client, definition, {})
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"caught": "ResourceNotFoundException"}


@pytest.fixture
def handlers_dir(tmp_path, monkeypatch):
    (tmp_path / "echo_env.py").write_text(
        "import os, time\nSETTING = os.environ['SETTING']\n"
        "def handler(event, context):\n"
        "    time.sleep(event.get('sleep', 0))\n"
        "    if event.get('fail'):\n        raise ValueError('asked to fail')\n"
        "    return {'import': SETTING, 'call': os.environ['SETTING'], 'name': context.function_name}\n"
    )
    monkeypatch.setattr(lambda_hook, "HANDLERS_DIR", tmp_path)


def create_function(client, name: str, setting: str) -> None:
    iam = boto3.client("iam", region_name=REGION)
    if not any(role["Arn"] == ROLE for role in iam.list_roles()["Roles"]):
        iam.create_role(
            RoleName="local",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                }
            ),
        )
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("placeholder.txt", "code runs from lambdas/handlers")
    client.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=ROLE,
        Handler="handlers.echo_env.handler",
        Code={"ZipFile": archive.getvalue()},
        Environment={"Variables": {"SETTING": setting}},
    )


def test_lambda_runs_in_process_with_isolated_environments(local_client, handlers_dir):
    from concurrent.futures import ThreadPoolExecutor

    client = local_client("lambda")
    create_function(client, "first", "one")
    create_function(client, "second", "two")

    def invoke(name: str) -> dict:
        response = client.invoke(FunctionName=name, Payload=json.dumps({"sleep": 0.2}))
        return json.loads(response["Payload"].read())

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(invoke, ["first", "second", "first", "second"]))
    assert [(r["import"], r["call"], r["name"]) for r in results] == [
        ("one", "one", "first"),
        ("two", "two", "second"),
    ] * 2
    assert "SETTING" not in os.environ


def test_lambda_errors_come_back_like_lambda(local_client, handlers_dir):
    client = local_client("lambda")
    create_function(client, "failing", "x")
    response = client.invoke(FunctionName="failing", Payload=json.dumps({"fail": True}))
    assert response["FunctionError"] == "Handled"
    payload = json.loads(response["Payload"].read())
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "asked to fail")


def test_endpoint_fixture_serves_boto3_over_http(local_endpoint):
    client = boto3.client("rekognition", endpoint_url=local_endpoint, region_name=REGION)
    arn = client.create_project(ProjectName="over-http")["ProjectArn"]
    assert client.describe_projects()["ProjectDescriptions"][0]["ProjectArn"] == arn


def test_endpoint_command_prints_ready_and_stops_on_sigterm():
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lambdas'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "endpoint", "--port", "0", "--delays", "fast"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = ready_url(process.stdout)
        assert url.startswith("http://127.0.0.1:")
        client = boto3.client(
            "rekognition",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert client.describe_projects()["ProjectDescriptions"] == []
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0 and time.monotonic() - started < 20
    finally:
        if process.poll() is None:
            process.kill()


def test_bad_fault_setting_is_explained():
    result = subprocess.run(
        [sys.executable, "-m", "local", "endpoint", "--faults", "slow=1"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'lambdas'}"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "throttle=<rate> or internal=<rate>" in result.stderr
