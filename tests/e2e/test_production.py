"""Training account to production account, offline, through the state machines and the CLI only: approval
(approved, rejected, timed out), promotion by copy into the production account, production inference,
a copy refused without the project policy, rollback, and the promotion the training run starts itself
after approval (refused without the production starter role's trust). One two-account endpoint."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest

from customlabels.training.registry import Registry
from customlabels_cli.main import main
from infra.promotion.sharing import starter_role_name
from local import policy_update
from local.accounts import role_arn
from local.emulator.settings import ServiceSettings
from local.samples import digit_samples, write_samples
from local.stack import REGION, DeployedStack
from local.synth import LOCAL_PROFILE, load_stacks, synthesize
from tests.e2e.harness import act_as, person_with, running_stacks, the_one_end, topic_reader, until

pytestmark = pytest.mark.e2e
PROJECT, PRODUCTION = "customlabels", "222222222222"
CONTEXT = {
    **LOCAL_PROFILE,
    "productionAccount": PRODUCTION,
    "f1Threshold": "0.5",
    "requireImprovement": "false",
    "deploy": "false",  # the training account only trains; production serves
    "requireApproval": "true",  # a floor: no execution input can lower it
}
SAMPLES = 200
APPROVED, SECOND, REJECTED, AUTOMATIC = "prod-a", "prod-b", "rejected", "prod-c"


@dataclass
class Accounts:
    training: DeployedStack
    production: DeployedStack
    outputs: dict[str, str]
    executions: dict[str, str]  # version -> its latest training execution's ARN
    manifests: dict[str, str]
    training_topic: Callable[[], list[dict]]  # the training topic's messages so far
    production_topic: Callable[[], list[dict]]

    def train(self, version: str, approval_hours: str = "1", promote_after: bool = False) -> str:
        """A training run of `version` that waits for approval after the gate (runs in one project go
        one at a time: each replaces the project's datasets)."""
        code, out = cli(
            "train", "--training", self.manifests["train"], "--testing", self.manifests["test"],
            "--version", version, "--require-approval", "--approval-timeout-hours", approval_hours,
            *(["--promote-after-approval"] if promote_after else []),
        )  # fmt: skip
        assert code == 0, out
        self.executions[version] = execution_arn(out)
        return self.executions[version]

    def production_client(self, service: str) -> Any:
        return self.production.client(service)

    def training_registry(self) -> Registry:
        return registry(self.training, self.outputs["RegistryTableName"])

    def production_registry(self) -> Registry:
        return registry(self.production, self.outputs["ProductionRegistryTableName"])


def registry(stack: DeployedStack, table: str) -> Registry:
    return Registry(table, stack.session.resource("dynamodb", endpoint_url=stack.endpoint_url))


def cli(*arguments: str) -> tuple[int, str]:
    buffer = StringIO()
    with redirect_stdout(buffer), redirect_stderr(buffer):
        code = main(list(arguments))
    return code, buffer.getvalue()


def execution_arn(output: str) -> str:
    return re.search(r"arn:aws:states:\S+:execution:\S+", output).group(0)


def ended(sfn: Any, arn: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"{arn} still running"
        time.sleep(0.5)
    return execution


def approval_of(accounts: Accounts, version: str) -> dict:
    return (accounts.training_registry().get_version(PROJECT, version) or {}).get("approval") or {}


def waiting_for_approval(accounts: Accounts, version: str, timeout: float = 240) -> None:
    """Until the run of `version` waits at RequestApproval; a run that ended first fails the test at once."""
    sfn, arn = accounts.training.client("stepfunctions"), accounts.executions[version]
    deadline = time.monotonic() + timeout
    while approval_of(accounts, version).get("status") != "PENDING":
        execution = sfn.describe_execution(executionArn=arn)
        assert execution["status"] == "RUNNING", (execution.get("error"), execution.get("cause"))
        assert time.monotonic() < deadline, f"{version} did not reach the approval gate in {timeout} s"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory) -> Iterator[Accounts]:
    workdir = tmp_path_factory.mktemp("two-accounts")
    artifacts = load_stacks(synthesize(workdir / "assembly", CONTEXT))
    assert [a.account for a in artifacts] == [None, PRODUCTION]
    with (
        pytest.MonkeyPatch.context() as env,
        running_stacks(artifacts, ServiceSettings(accounts=(PRODUCTION,))) as (
            training,
            production,
        ),
    ):
        outputs = {**training.outputs, **production.outputs}
        outputs_file = workdir / "outputs.json"
        outputs_file.write_text(json.dumps(outputs))
        for name, value in {
            "AWS_ENDPOINT_URL": training.endpoint_url,
            "CUSTOMLABELS_OUTPUTS": str(outputs_file),
            "CUSTOMLABELS_PRODUCTION_ROLE": role_arn(PRODUCTION),
            "AWS_REGION": REGION,
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        manifests = write_samples(
            training.client("s3"),
            digit_samples(SAMPLES),
            outputs["ConsoleBucketName"],
            f"datasets/{PROJECT}/digits",
        )
        topics = topic_reader(training), topic_reader(production, "ProductionNotificationsTopicArn")
        yield Accounts(training, production, outputs, {}, manifests, *topics)


def test_a_rejected_model_ends_in_rejected_with_the_reason(accounts: Accounts) -> None:
    accounts.train(REJECTED)
    waiting_for_approval(accounts, REJECTED)
    code, out = cli("reject", REJECTED, "--reason", "the 8s look like 3s")
    assert code == 0, out
    execution = ended(accounts.training.client("stepfunctions"), accounts.executions[REJECTED])
    assert (execution["status"], execution["error"]) == ("FAILED", "Rejected")
    assert "the 8s look like 3s" in execution["cause"]
    notice = the_one_end(accounts.training_topic, execution["executionArn"])
    assert notice["Subject"] == f"{PROJECT}: training failed (Rejected)"
    assert "failed with Rejected: " in notice["Message"] and "the 8s look like 3s" in notice["Message"]
    recorded = approval_of(accounts, REJECTED)
    assert recorded["status"] == "REJECTED" and recorded["reason"] == "the 8s look like 3s"
    assert recorded["by"].startswith("arn:aws:") and recorded["at"]


def test_nobody_deciding_in_time_ends_in_approval_timed_out(accounts: Accounts) -> None:
    arn = accounts.train(REJECTED, approval_hours="0.001")  # a re-run: the trained version is reused
    execution = ended(accounts.training.client("stepfunctions"), arn)
    assert (execution["status"], execution["error"]) == ("FAILED", "ApprovalTimedOut")
    assert f"Nobody approved or rejected {REJECTED} within 4 seconds" in execution["cause"]
    code, out = cli("approve", REJECTED)
    assert code == 2 and "no longer waits" in out


def as_person(accounts: Accounts, policy_output: str, *arguments: str) -> tuple[int, str, str]:
    """`customlabels ARGUMENTS` run by a new person holding only the policy of the stack output
    `policy_output`: (exit code, output, the person's ARN as AWS knows it)."""
    person = person_with(accounts.training, accounts.outputs[policy_output])
    arn = person.client("sts", endpoint_url=accounts.training.endpoint_url).get_caller_identity()["Arn"]
    with pytest.MonkeyPatch.context() as env:
        act_as(env, person)
        code, out = cli(*arguments)
    return code, out, arn


def task_token(accounts: Accounts, version: str) -> str:
    """The waiting run's token, read as the administrator from the table only the pipeline reads."""
    dynamodb = accounts.training.client("dynamodb")
    (table,) = [name for name in dynamodb.list_tables()["TableNames"] if "ApprovalTokens" in name]
    key = {"executionArn": {"S": accounts.executions[version]}}
    return dynamodb.get_item(TableName=table, Key=key)["Item"]["taskToken"]["S"]


def test_approve_lets_the_run_finish_and_records_who_and_why(accounts: Accounts, capfd, caplog) -> None:
    """Only a person holding ApproverAccess decides; the registry records who AWS says they are; no
    function logs the task token."""
    for version in (APPROVED, SECOND):
        accounts.train(version)
        waiting_for_approval(accounts, version)
        token = task_token(accounts, version)
        for policy in ("SdkAccessPolicyArn", "ReviewerAccessPolicyArn"):
            code, out, _ = as_person(accounts, policy, "approve", version, "--reason", "mine")
            assert code == 2 and "access denied" in out and "ApproverAccess" in out, out
        assert approval_of(accounts, version)["status"] == "PENDING"
        decide = ("approve", accounts.executions[version], "--reason", "F1 is fine")
        code, out, approver = as_person(accounts, "ApproverAccessPolicyArn", *decide)
        assert code == 0, out
        execution = ended(accounts.training.client("stepfunctions"), accounts.executions[version])
        assert execution["status"] == "SUCCEEDED", execution.get("cause")
        summary = json.loads(execution["output"])
        assert summary["outcome"] == "TRAINED_NOT_DEPLOYED"
        assert summary["productionPromotion"] == {"started": False}
        recorded = approval_of(accounts, version)
        assert (recorded["status"], recorded["reason"]) == ("APPROVED", "F1 is fine")
        assert recorded["by"] == approver and ":assumed-role/person-" in approver
        assert "taskToken" not in recorded
        printed, records = capfd.readouterr(), [repr(vars(record)) for record in caplog.records]
        assert any("approval decision" in record for record in records)  # the functions' logs are here
        assert token not in printed.out + printed.err + "".join(records)


def test_an_input_cannot_lower_the_stacks_require_approval(accounts: Accounts) -> None:
    sfn = accounts.training.client("stepfunctions")
    started = sfn.start_execution(
        stateMachineArn=accounts.outputs["TrainingStateMachineArn"],
        input=json.dumps({"projectName": PROJECT, "trainingManifest": accounts.manifests["train"],
                          "requireApproval": False}),
    )
    execution = ended(sfn, started["executionArn"])
    assert (execution["status"], execution["error"]) == ("FAILED", "InvalidInput")
    assert "requireApproval=false is not allowed: this stack requires approval" in execution["cause"]


def test_promotion_copies_into_production_starts_it_and_production_labels_an_upload(
    accounts: Accounts,
) -> None:
    code, out = cli("promote", "--to", "production", APPROVED)
    assert code == 0, out
    assert f"{APPROVED} is RUNNING and is the production champion" in out
    registry = accounts.production_registry()
    champion = registry.champion(PROJECT)
    assert (
        champion["versionName"] == APPROVED and f":{PRODUCTION}:project/{PROJECT}/" in champion["versionArn"]
    )
    item = registry.get_version(PROJECT, APPROVED)
    assert item["source"]["account"] == "123456789012"
    assert (
        item["source"]["versionArn"]
        == accounts.training_registry().get_version(PROJECT, APPROVED)["versionArn"]
    )
    assert item["approval"]["status"] == "APPROVED" and item["manifestHashes"]["training"]
    machine = accounts.outputs["PromotionStateMachineArn"]
    latest = accounts.production_client("stepfunctions").list_executions(stateMachineArn=machine)
    promotion = max(latest["executions"], key=lambda e: e["startDate"])["executionArn"]
    notice = the_one_end(accounts.production_topic, promotion)  # on the production account's topic
    assert notice["Subject"] == f"{PROJECT}: promotion succeeded"
    assert f"{APPROVED} is RUNNING and is the production champion" in notice["Message"]

    sample = next(s for s in digit_samples(SAMPLES) if s.split == "test")
    s3, bucket = accounts.production_client("s3"), accounts.outputs["ProductionInferenceBucketName"]
    s3.put_object(Bucket=bucket, Key="uploads/one.png", Body=sample.png, ContentType="image/png")

    def result() -> dict | None:
        try:
            return json.loads(s3.get_object(Bucket=bucket, Key="results/one.png.json")["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

    until(lambda: result() is not None, 60, "the production result")
    labelled = result()
    assert labelled["status"] == "SUCCEEDED" and labelled["labels"]
    assert labelled["modelVersionArn"] == champion["versionArn"]


def test_a_version_made_outside_the_pipeline_started_through_the_promotion_machine_is_not_gated(
    accounts: Accounts,
) -> None:
    """Someone with rights in both accounts trains a version by hand and starts the promotion directly:
    the training project's policy refuses the copy (no gate tags), named NotGated."""
    rekognition, name = accounts.training.client("rekognition"), "by-hand"
    project_arn = accounts.training_registry().get_version(PROJECT, APPROVED)["projectArn"]
    version_arn = rekognition.create_project_version(
        ProjectArn=project_arn,
        VersionName=name,
        OutputConfig={
            "S3Bucket": accounts.outputs["ConsoleBucketName"],
            "S3KeyPrefix": f"training-output/{PROJECT}/{name}",
        },
        KmsKeyId=accounts.outputs["KmsKeyArn"],
    )["ProjectVersionArn"]

    def status() -> str:
        found = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[name])
        return found["ProjectVersionDescriptions"][0]["Status"]

    until(lambda: status() != "TRAINING_IN_PROGRESS", 240, f"{name} to train")
    assert status() == "TRAINING_COMPLETED"
    sfn = accounts.production_client("stepfunctions")
    started = sfn.start_execution(
        stateMachineArn=accounts.outputs["PromotionStateMachineArn"],
        input=json.dumps(
            {
                "action": "promote",
                "versionName": name,
                "sourceProjectArn": project_arn,
                "sourceVersionArn": version_arn,
                "lineage": {"gate": {"passed": True}, "approval": {"status": "APPROVED"}},
            }
        ),
    )["executionArn"]
    execution = ended(sfn, started)
    assert (execution["status"], execution["error"]) == ("FAILED", "NotGated")
    assert version_arn in execution["cause"] and "customlabels:gate=passed" in execution["cause"]
    assert accounts.production_registry().champion(PROJECT)["versionName"] == APPROVED
    assert accounts.production_registry().get_version(PROJECT, name) is None


def test_a_copy_refused_without_the_project_policy_leaves_the_champion_serving(accounts: Accounts) -> None:
    rekognition = accounts.training.client("rekognition")
    project_arn = accounts.training_registry().get_version(PROJECT, SECOND)["projectArn"]
    (policy,) = rekognition.list_project_policies(ProjectArn=project_arn)["ProjectPolicies"]
    rekognition.delete_project_policy(ProjectArn=project_arn, PolicyName=policy["PolicyName"])
    try:
        code, out = cli("promote", "--to", "production", SECOND)
        assert code == 1, out
        assert "CopyFailed" in out and "AccessDenied" in out
    finally:
        rekognition.put_project_policy(
            ProjectArn=project_arn, PolicyName=policy["PolicyName"], PolicyDocument=policy["PolicyDocument"]
        )
    assert accounts.production_registry().champion(PROJECT)["versionName"] == APPROVED


def test_a_copy_role_without_the_destination_project_fails_the_copy_naming_it(accounts: Accounts) -> None:
    """Mutation row: CopyProjectVersion needs the destination project as well as the source version."""
    template = accounts.production.artifact.template
    (policy,) = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Policy" and '"CopyIntoProject"' in json.dumps(resource)
    ]
    into_project = lambda statement: statement.get("Sid") == "CopyIntoProject"  # noqa: E731
    with policy_update.without_grant(
        accounts.production.deployment, policy, "rekognition:CopyProjectVersion", into_project
    ):
        code, out = cli("promote", "--to", "production", SECOND)
    assert code == 1, out
    assert "CopyFailed" in out and "rekognition:CopyProjectVersion" in out
    assert re.search(rf"on resource: arn:aws:rekognition:\S+:{PRODUCTION}:project/{PROJECT}/\d+\b", out), out
    assert accounts.production_registry().champion(PROJECT)["versionName"] == APPROVED


def test_promoting_again_then_rolling_back_restarts_the_previous_champion(accounts: Accounts) -> None:
    code, out = cli("promote", "--to", "production", SECOND)
    assert code == 0, out
    registry = accounts.production_registry()
    assert registry.champion(PROJECT)["versionName"] == SECOND
    code, out = cli("promote", "--to", "production", "--rollback")
    assert code == 0, out
    assert f"{APPROVED} is RUNNING and is the production champion" in out
    champion = registry.champion(PROJECT)
    assert (champion["versionName"], champion["previousVersionName"]) == (APPROVED, SECOND)
    rekognition = accounts.production_client("rekognition")
    project_arn = registry.get_version(PROJECT, SECOND)["projectArn"]

    def status(version: str) -> str:
        found = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[version])
        return found["ProjectVersionDescriptions"][0]["Status"]

    assert status(APPROVED) == "RUNNING"
    until(lambda: status(SECOND) == "STOPPED", 30, f"{SECOND} to stop")


def production_status(accounts: Accounts, version: str) -> str:
    registry, rekognition = accounts.production_registry(), accounts.production_client("rekognition")
    project_arn = registry.get_version(PROJECT, version)["projectArn"]
    found = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[version])
    return found["ProjectVersionDescriptions"][0]["Status"]


def approved_run(accounts: Accounts, version: str) -> dict:
    """Train `version` with promoteAfterApproval, approve it with the CLI: the ended training execution."""
    arn = accounts.train(version, promote_after=True)
    waiting_for_approval(accounts, version)
    code, out = cli("approve", version, "--reason", "ship it")
    assert code == 0, out
    return ended(accounts.training.client("stepfunctions"), arn)


def test_without_the_starter_roles_trust_the_start_is_refused_and_named(accounts: Accounts) -> None:
    iam, name = accounts.production_client("iam"), starter_role_name(PROJECT)
    trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    own_account = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PRODUCTION}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(own_account))
    try:
        execution = approved_run(accounts, AUTOMATIC)
    finally:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
    assert (execution["status"], execution["error"]) == ("FAILED", "PromotionNotStarted")
    assert "StartProductionPromotion failed" in execution["cause"]
    assert "sts:AssumeRole" in execution["cause"] and f"role/{name}" in execution["cause"]
    assert accounts.production_registry().champion(PROJECT)["versionName"] == APPROVED


def test_promote_after_approval_starts_the_production_promotion_by_itself(accounts: Accounts) -> None:
    execution = approved_run(accounts, AUTOMATIC)  # a re-run: the trained version is reused
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    summary = json.loads(execution["output"])["productionPromotion"]
    assert summary["started"] is True
    started = summary["executionArn"]
    assert f":{PRODUCTION}:execution:" in started
    promotion = ended(accounts.production_client("stepfunctions"), started)
    assert promotion["status"] == "SUCCEEDED", promotion.get("cause")
    registry = accounts.production_registry()
    champion = registry.champion(PROJECT)
    assert (champion["versionName"], champion["previousVersionName"]) == (AUTOMATIC, APPROVED)
    item = registry.get_version(PROJECT, AUTOMATIC)
    assert (item["approval"]["status"], item["approval"]["reason"]) == ("APPROVED", "ship it")
    assert production_status(accounts, AUTOMATIC) == "RUNNING"
