"""The training and model-control steps: one function per Lambda task, clients and registry passed in.

Each takes the task's payload (as the state machine builds it) and returns the step's output model
from the contract; none waits (the state machines' Wait loops poll).
"""

from __future__ import annotations

from dataclasses import replace

from customlabels.evaluation import summary_label_metrics
from customlabels.monitoring import shadow
from customlabels.rekognition import datasets, projects, versions
from customlabels.training.contract import (
    DatasetsOutput,
    EvaluationOutput,
    Failure,
    InputCheck,
    ModelPollOutput,
    PollOutcome,
    ProjectOutput,
    PromotionOutput,
    StartOutput,
    StepFailure,
    StopOutput,
    TrainingOutput,
    Wanted,
)
from customlabels.training.gate import (
    GateRules,
    comparable_champion,
    decide,
    feedback_note,
    promotion_refusal,
    rival_champion,
)
from customlabels.training.input import check_control_input, check_training_input
from customlabels.training.model_status import REACHED_AT, poll_failure, poll_outcome
from customlabels.training.registry import utc_now, version_record
from customlabels.training.services import Services


def validate_training_input(event: dict, services: Services) -> InputCheck:
    return check_training_input(
        event.get("input"),
        execution_name=event["executionName"],
        defaults=services.env.training_defaults,
        bucket=services.env.console_bucket_name,
        managed_project=services.env.project_name,
    ).as_output()


def validate_control_input(event: dict, services: Services) -> InputCheck:
    """The operator's input, the model version it names, and for promote the version's gate result."""
    verdict = check_control_input(event.get("input"), managed_project=services.env.project_name)
    if not verdict.valid:
        return verdict.as_output()
    settings = verdict.settings
    project, version = settings["projectName"], settings["versionName"]
    project_arn = projects.find_project_arn(services.rekognition, project)
    description = (
        versions.describe_version(services.rekognition, project_arn, version) if project_arn else None
    )
    if description is None:
        verdict.problems.append(
            f"model version {version!r} does not exist in project {project!r}: "
            "use a versionName from the registry table or DescribeProjectVersions"
        )
    elif settings["action"] == "promote" and not settings["force"]:
        refusal = promotion_refusal(version, services.registry.get_version(project, version))
        if refusal:
            verdict.problems.append(refusal)
        min_agreement = services.env.training_defaults.shadowMinAgreement
        if min_agreement is not None:
            state = shadow.read(services.registry.table, project)
            refusal = shadow.promotion_refusal(version, state, min_agreement)
            if refusal:
                verdict.problems.append(refusal)
    if verdict.problems:
        verdict.settings = None
    else:
        settings.update(projectArn=project_arn, versionArn=description["ProjectVersionArn"])
    return verdict.as_output()


def ensure_project(event: dict, services: Services) -> ProjectOutput:
    """The project, and a versionName clash found before any dataset is replaced."""
    settings = event["settings"]
    project = settings["projectName"]
    found = projects.ensure_project(services.rekognition, project, {"project": project})
    clash = None if found["created"] else _version_clash(settings, found["projectArn"], services)
    return ProjectOutput(**found, failure=StepFailure(Failure.InvalidInput, clash) if clash else None)


def _version_clash(settings: dict, project_arn: str, services: Services) -> str | None:
    existing = versions.describe_version(services.rekognition, project_arn, settings["versionName"])
    if existing is None:
        return None
    hashes = versions.manifest_hashes(services.s3, settings["trainingManifest"], settings["testingManifest"])
    return versions.training_clash(services.rekognition, existing, versions.manifest_tags(hashes))


def _datasets_output(state: dict) -> DatasetsOutput:
    cause = state.get("failure")
    failure = StepFailure(Failure.DatasetFailed, cause) if isinstance(cause, str) else None
    return DatasetsOutput(**{**state, "failure": failure})


def prepare_datasets(event: dict, services: Services) -> DatasetsOutput:
    """PrepareDatasets (no datasets yet: replace the earlier ones) and CheckDatasets (one poll)."""
    settings, project_arn = event["settings"], event["projectArn"]
    tags = {"project": settings["projectName"], "execution": event["executionArn"]}
    if event.get("datasets") is None:
        return _datasets_output(datasets.start(services.rekognition, settings, project_arn, tags))
    return _datasets_output(
        datasets.advance(services.rekognition, settings, project_arn, tags, event["datasets"])
    )


def split_datasets(event: dict, services: Services) -> DatasetsOutput:
    return _datasets_output(datasets.split(services.rekognition, event["datasets"]))


def train(event: dict, services: Services) -> TrainingOutput:
    """CreateProjectVersion (or find this run's version) and record the version in the services.registry."""
    settings, project_arn, execution = event["settings"], event["projectArn"], event["executionArn"]
    project, version = settings["projectName"], settings["versionName"]
    testing = settings["testingManifest"]
    hashes = versions.manifest_hashes(services.s3, settings["trainingManifest"], testing)
    tags = {"project": project, "execution": execution, **versions.manifest_tags(hashes)}
    output = services.env.training_output(project, version)
    started = versions.start_training(
        services.rekognition,
        project_arn=project_arn,
        version_name=version,
        output=output,
        kms_key_id=services.env.kms_key_arn,
        tags=tags,
    )
    if not started["reused"] or services.registry.get_version(project, version) is None:
        services.registry.put_version(
            version_record(
                settings,
                version_arn=started["versionArn"],
                status=started["status"],
                project_arn=project_arn,
                manifest_hashes=hashes,
                datasets=event["datasets"],
                execution_arn=execution,
                output_uri=str(output),
            )
        )
    return TrainingOutput(
        versionArn=started["versionArn"],
        versionName=version,
        status=started["status"],
        reused=started["reused"],
        outputUri=str(output),
        manifestHashes=hashes,
        attempt=0,
    )


def check_training(event: dict, services: Services) -> TrainingOutput:
    """One DescribeProjectVersions poll; a failure carries the manifest summary's terminal errors."""
    settings, training = event["settings"], event["training"]
    project, version = settings["projectName"], settings["versionName"]
    description = versions.require_version(services.rekognition, event["projectArn"], version)
    status = description["Status"]
    failure = None
    if status == versions.TRAINING_FAILED:
        failure = StepFailure(
            Failure.TrainingFailed, f"{version}: {versions.training_failure(services.s3, description)}"
        )
    if status in (versions.TRAINING_DONE, versions.TRAINING_FAILED):
        services.registry.update_version(
            project,
            version,
            status=status,
            statusMessage=description.get("StatusMessage"),
            billableTrainingSeconds=description.get("BillableTrainingTimeInSeconds"),
            manifestSummary=(description.get("ManifestSummary") or {}).get("S3Object"),
        )
    fields = {key: training[key] for key in TrainingOutput.keys("status", "attempt", "failure")}
    return TrainingOutput(**fields, status=status, attempt=training["attempt"] + 1, failure=failure)


def _rival_on_the_same_test_set(
    services: Services, project: str, version: str
) -> tuple[dict | None, str | None]:
    champion = rival_champion(services.registry.champion(project), version)
    rival = services.registry.get_version(project, champion["versionName"]) if champion else None
    return comparable_champion(champion, rival, services.registry.get_version(project, version))


def evaluate(event: dict, services: Services) -> EvaluationOutput:
    """F1 and the per-label table from the evaluation summary, then the gate decision, recorded."""
    settings = event["settings"]
    project, version = settings["projectName"], settings["versionName"]
    description = versions.require_version(services.rekognition, event["projectArn"], version)
    f1, summary, summary_uri = versions.evaluation_summary(services.s3, description)
    rules = GateRules(settings["f1Threshold"], settings["minLabelF1"], settings["requireImprovement"])
    champion, unlike = _rival_on_the_same_test_set(services, project, version)
    decision = decide(f1, summary_label_metrics(summary), rules, champion, unlike)
    if settings.get("feedbackImages"):
        rival = services.registry.get_version(project, champion["versionName"]) if champion else None
        before = (rival or {}).get("labels", [])
        note = feedback_note(settings["feedbackImages"], decision.labels, champion, before)
        decision = replace(decision, reason=f"{decision.reason}; {note}")
    services.registry.update_version(
        project,
        version,
        f1Score=f1,
        labels=decision.labels,
        summaryUri=summary_uri,
        # kept so the evaluation stays readable after the version is deleted (Describe then fails)
        snapshotUri=versions.snapshot_manifest_uri(description),
        gate={"passed": decision.passed, "reason": decision.reason},
    )
    failure = None
    if not decision.passed:
        failure = StepFailure(
            Failure.GateFailed, f"{version} stays trained and is not started: {decision.reason}"
        )
    return EvaluationOutput(
        **decision.as_dict(), f1Threshold=rules.f1Threshold, summaryUri=summary_uri, failure=failure
    )


def start_model(event: dict, services: Services) -> StartOutput:
    """StartProjectVersion with the run's inference units (no call when it is already running)."""
    model = event["model"]
    description = versions.require_version(services.rekognition, model["projectArn"], model["versionName"])
    low, high = model["minInferenceUnits"], model["maxInferenceUnits"]
    status = versions.start_model(services.rekognition, description, low, high)
    services.registry.update_if_exists(
        model["projectName"],
        model["versionName"],
        status=status,
        inferenceUnits={"min": low, "max": high},
        heldStopped=False,
    )
    return StartOutput(status=status)


def check_model(event: dict, services: Services) -> ModelPollOutput:
    """One poll of a model that is starting or stopping, against the status wanted."""
    model, wanted, poll = event["model"], Wanted(event["wanted"]), event["poll"]
    description = versions.require_version(services.rekognition, model["projectArn"], model["versionName"])
    status, message = description["Status"], description.get("StatusMessage")
    outcome = poll_outcome(wanted, status)
    failure = None
    if outcome == PollOutcome.FAILED:
        failure = poll_failure(wanted, model["versionName"], status, message)
    if outcome != PollOutcome.WAITING:
        fields = {"status": status, "statusMessage": message}
        if outcome == PollOutcome.DONE:
            fields[REACHED_AT[wanted]] = utc_now()
        services.registry.update_if_exists(model["projectName"], model["versionName"], **fields)
    return ModelPollOutput(status=status, outcome=outcome, attempt=poll["attempt"] + 1, failure=failure)


def stop_model(event: dict, services: Services) -> StopOutput:
    """StopProjectVersion when the model is running or starting. A version deleted since (a previous
    champion removed by teardown) has nothing to stop: its status is DELETED."""
    model = event["model"]
    description = versions.describe_version(services.rekognition, model["projectArn"], model["versionName"])
    if description is None:
        return StopOutput(versionName=model["versionName"], status=versions.DELETED)
    status = versions.stop_model(services.rekognition, description)
    services.registry.update_if_exists(
        model["projectName"], model["versionName"], status=status, heldStopped=bool(model.get("hold"))
    )
    return StopOutput(versionName=model["versionName"], status=status)


def promote(event: dict, services: Services) -> PromotionOutput:
    """Point the project's champion at the model; report the champion it replaces.

    The model-control input check refused a version without a passed gate unless `force`; a forced
    promotion is recorded as such, with the execution that made it."""
    model = event["model"]
    project, version = model["projectName"], model["versionName"]
    item = services.registry.get_version(project, version)
    if item and item.get("f1Score") is not None:
        f1 = item["f1Score"]
    else:
        description = versions.require_version(services.rekognition, model["projectArn"], version)
        f1 = description.get("EvaluationResult", {}).get("F1Score")
    promotion = {"promotedBy": event.get("executionArn"), "forced": bool(model.get("force"))}
    previous = services.registry.set_champion(project, version, model["versionArn"], f1, promotion)
    replaced = previous if previous and previous["versionName"] != version else None
    return PromotionOutput(
        champion={"versionName": version, "versionArn": model["versionArn"], "f1Score": f1},
        previous=replaced,
        changed=replaced is not None or previous is None,
    )
