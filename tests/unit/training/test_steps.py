"""The training and model-control steps against the local AWS (moto + the local Custom Labels service),
called as the state machines call them, without a state machine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import boto3
import pytest

from customlabels.monitoring import shadow
from customlabels.rekognition import projects, versions
from customlabels.training import steps
from customlabels.training.contract import Defaults, Failure, PollOutcome, TrainingSettings
from customlabels.training.registry import Registry
from customlabels.training.services import Services
from local.samples import digit_samples, ensure_bucket, write_samples
from tests.fixtures.local_aws import REGION, wait_until
from tests.fixtures.tables import create_registry_table

BUCKET = "console"
PROJECT = "digits"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:training:run-1"


@pytest.fixture
def services(local_client: Callable) -> Services:
    s3 = local_client("s3")
    ensure_bucket(s3, BUCKET)
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    create_registry_table(dynamodb, "registry")
    env = TrainingSettings(
        registry_table_name="registry",
        console_bucket_name=BUCKET,
        training_output_prefix="training-output/",
        kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k",
        project_name=PROJECT,
        training_defaults=Defaults(0.5, 0.0, True, True, 1, 1),
    )
    return Services(env, local_client("rekognition"), s3, Registry("registry", dynamodb))


@pytest.fixture
def manifests(services: Services) -> dict[str, str]:
    return write_samples(services.s3, digit_samples(60), BUCKET, f"datasets/{PROJECT}")


def settings(services: Services, manifests: dict[str, str], **raw: object) -> dict:
    given = {"projectName": PROJECT, "trainingManifest": manifests["train"], **raw}
    check = steps.validate_training_input({"input": given, "executionName": "run-1"}, services)
    assert check.valid, check.cause
    return check.settings


def trained(services: Services, manifests: dict[str, str], **raw: object) -> dict:
    """Project, datasets (auto-split when no testing manifest), a trained version: the state so far."""
    run = settings(services, manifests, **raw)
    project = steps.ensure_project({"settings": run}, services)
    state = {"settings": run, "projectArn": project.projectArn, "executionArn": EXECUTION}
    sets = steps.prepare_datasets({**state, "datasets": None}, services)
    while True:
        sets = wait_until(
            lambda sets=sets: steps.prepare_datasets({**state, "datasets": sets.to_state()}, services),
            lambda found: found.phase in ("READY", "FAILED"),
        )
        if not run["autoSplit"] or sets.split:
            break
        sets = steps.split_datasets({"datasets": sets.to_state()}, services)
    assert sets.phase == "READY" and sets.stats["train"]["TotalEntries"] > 0
    training = steps.train({**state, "datasets": sets.to_state()}, services)
    assert (training.status, training.reused) == ("TRAINING_IN_PROGRESS", False)
    polled = wait_until(
        lambda: steps.check_training({**state, "training": training.to_state()}, services),
        lambda found: found.status != "TRAINING_IN_PROGRESS",
    )
    return {**state, "training": polled}


def model_of(state: dict) -> dict:
    run = state["settings"]
    return {
        "projectName": run["projectName"],
        "projectArn": state["projectArn"],
        "versionName": state["training"].versionName,
        "versionArn": state["training"].versionArn,
        "minInferenceUnits": 1,
        "maxInferenceUnits": 1,
    }


def deploy(services: Services, model: dict) -> None:
    assert steps.start_model({"model": model}, services).status == "STARTING"
    polled = wait_until(
        lambda: steps.check_model({"model": model, "wanted": "RUNNING", "poll": {"attempt": 0}}, services),
        lambda found: found.outcome != PollOutcome.WAITING,
    )
    assert (polled.outcome, polled.failure) == (PollOutcome.DONE, None)


def test_a_run_trains_passes_the_gate_starts_and_becomes_champion(services, manifests) -> None:
    # The service splits 80/20 at random: the threshold tests the step, not the local trainer's accuracy.
    state = trained(services, manifests, f1Threshold=0.3)
    run, version = state["settings"], state["training"].versionName
    assert state["training"].status == "TRAINING_COMPLETED" and state["training"].failure is None
    description = versions.require_version(services.rekognition, state["projectArn"], version)
    assert description["ProjectVersionArn"] == state["training"].versionArn

    evaluation = steps.evaluate(state, services)
    assert evaluation.passed and evaluation.failure is None and evaluation.championVersion is None
    assert evaluation.f1Score >= run["f1Threshold"] and len(evaluation.labels) == 10
    model = model_of(state)
    deploy(services, model)
    promotion = steps.promote({"model": model, "executionArn": EXECUTION}, services)
    assert promotion.champion["versionName"] == version and promotion.previous is None and promotion.changed

    item = services.registry.get_version(PROJECT, version)
    assert item["status"] == "RUNNING" and item["gate"]["passed"] and item["startedAt"]
    assert (item["forced"], item["promotedBy"]) == (False, EXECUTION)
    assert item["manifestHashes"]["testing"] is None and item["autoSplit"] is True

    stopped = steps.stop_model({"model": model}, services)
    assert stopped.to_state() == {"versionName": version, "status": "STOPPING", "attempt": 0, "failure": None}


def test_a_rerun_finds_its_version_instead_of_training_another(services, manifests) -> None:
    state = trained(services, manifests)
    again = steps.train({**state, "datasets": {"train": "arn-t", "test": "arn-s"}}, services)
    assert again.reused and again.versionArn == state["training"].versionArn


def test_a_model_below_the_threshold_fails_the_gate_and_the_registry_says_why(services, manifests) -> None:
    state = trained(services, manifests, f1Threshold=1.0, minLabelF1=1.0)
    evaluation = steps.evaluate(state, services)
    assert not evaluation.passed and evaluation.failure.error == Failure.GateFailed
    assert evaluation.failure.cause.startswith(
        f"{state['training'].versionName} stays trained and is not started"
    )
    item = services.registry.get_version(PROJECT, state["training"].versionName)
    assert item["gate"] == {"passed": False, "reason": evaluation.reason}


def control(services: Services, **raw: object) -> steps.InputCheck:
    return steps.validate_control_input({"input": {"projectName": PROJECT, **raw}}, services)


def test_promote_refuses_a_version_that_failed_the_gate_unless_forced(services, manifests) -> None:
    state = trained(services, manifests, f1Threshold=1.0, minLabelF1=1.0)
    steps.evaluate(state, services)
    version = state["training"].versionName

    refused = control(services, action="promote", versionName=version)
    assert not refused.valid and refused.settings is None
    assert "did not pass the gate" in refused.cause and "--force" in refused.cause
    assert control(services, action="start", versionName=version).valid  # starting it is allowed

    forced = control(services, action="promote", versionName=version, force=True)
    assert forced.valid and forced.settings["force"] is True
    model = forced.settings
    deploy(services, model)
    steps.promote({"model": model, "executionArn": EXECUTION}, services)
    champion = services.registry.champion(PROJECT)
    assert (champion["versionName"], champion["forced"], champion["promotedBy"]) == (version, True, EXECUTION)
    assert services.registry.get_version(PROJECT, version)["forced"] is True


def test_control_input_names_a_version_that_does_not_exist(services) -> None:
    steps.ensure_project({"settings": {"projectName": PROJECT}}, services)
    assert projects.find_project_arn(services.rekognition, PROJECT)
    check = control(services, action="stop", versionName="nope")
    assert not check.valid and "model version 'nope' does not exist in project 'digits'" in check.cause
    assert (
        "force is for action promote only"
        in control(services, action="stop", versionName="v", force=True).cause
    )


def test_a_manifest_the_service_rejects_fails_training_with_the_summary_errors(services, manifests) -> None:
    broken = f"datasets/{PROJECT}/broken.manifest"
    services.s3.put_object(Bucket=BUCKET, Key=broken, Body=b'{"source-ref": "s3://console/none.png"}\n')
    state = trained(services, manifests, testingManifest=f"s3://{BUCKET}/{broken}")
    training = state["training"]
    assert training.status == "TRAINING_FAILED" and training.failure.error == Failure.TrainingFailed
    assert training.failure.cause.startswith(f"{training.versionName}: ")
    assert services.registry.get_version(PROJECT, training.versionName)["status"] == "TRAINING_FAILED"


def test_stopping_a_version_deleted_since_answers_deleted(services) -> None:
    project = steps.ensure_project({"settings": {"projectName": PROJECT}}, services)
    model = {"projectName": PROJECT, "projectArn": project.projectArn, "versionName": "gone"}
    assert steps.stop_model({"model": model}, services).status == versions.DELETED


def test_shadow_min_agreement_makes_promotion_wait_for_a_finished_agreeing_shadow_test(
    services, manifests
) -> None:
    defaults = replace(services.env.training_defaults, shadowMinAgreement=0.9)
    gated = replace(services, env=replace(services.env, training_defaults=defaults))
    state = trained(gated, manifests, f1Threshold=0.3)  # the gate under test is the shadow one
    assert steps.evaluate(state, gated).passed
    version = state["training"].versionName

    refused = control(gated, action="promote", versionName=version)
    assert not refused.valid and "shadowMinAgreement=0.9" in refused.cause
    assert "has no shadow test" in refused.cause
    shadow_item = {"project": PROJECT, "sk": shadow.SHADOW, "versionName": version, "status": shadow.STOPPED}
    gated.registry.table.put_item(Item={**shadow_item, "agreementRate": Decimal("0.85")})
    assert "agreement 85.0%" in control(gated, action="promote", versionName=version).cause
    gated.registry.table.put_item(Item={**shadow_item, "agreementRate": Decimal("0.95")})
    assert control(gated, action="promote", versionName=version).valid
