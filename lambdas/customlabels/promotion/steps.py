"""The promotion steps: one function per Lambda task of the promotion state machine (production account)
and the training machine's ShareProject task. Clients and registry come in through `Services`."""

from __future__ import annotations

from botocore.exceptions import ClientError

from customlabels.naming import version_name_of
from customlabels.promotion import copies, gate, sharing
from customlabels.promotion.contract import (
    COPY_FAILED,
    COPYING,
    Action,
    CopyFailure,
    CopyOutput,
    GatedOutput,
    PromotionFailure,
    ShareOutput,
)
from customlabels.promotion.input import check_promotion_input
from customlabels.rekognition import projects, versions
from customlabels.training.contract import InputCheck, PollOutcome
from customlabels.training.services import Services


def validate_promotion_input(event: dict, services: Services) -> InputCheck:
    """The operator's input; for a rollback, the previous production champion it goes back to."""
    verdict = check_promotion_input(event.get("input"), source_project_prefix=event["sourceProjectPrefix"])
    if not verdict.valid:
        return verdict.as_output()
    settings, project = verdict.settings, services.env.project_name
    settings["projectName"] = project
    if settings["action"] == Action.ROLLBACK:
        champion = services.registry.champion(project)
        previous = (champion or {}).get("previousVersionName")
        project_arn = projects.find_project_arn(services.rekognition, project)
        found = (
            versions.describe_version(services.rekognition, project_arn, previous)
            if (previous and project_arn)
            else None
        )
        if found is None:
            why = _no_previous(project, champion, previous)
            verdict.problems.append(f"there is nothing to roll back to: {why}")
            verdict.settings = None
            return verdict.as_output()
        settings.update(
            versionName=previous,
            projectArn=project_arn,
            versionArn=found["ProjectVersionArn"],
            fromVersion=champion["versionName"],
        )
    return verdict.as_output()


def _no_previous(project: str, champion: dict | None, previous: str | None) -> str:
    if champion is None:
        return f"{project} has no production champion yet"
    if previous is None:
        return (f"the production champion of {project} is {champion['versionName']} and none was "
                "promoted before it")
    return f"the previous champion {previous} is no longer a model version of the production project"


def share_project(event: dict, services: Services) -> ShareOutput:
    """The policy comes from the stack's productionAccount, never from the event."""
    production_account = services.env.training_defaults.productionAccount
    if not production_account:
        raise ValueError("ShareProject needs the stack's productionAccount (-c productionAccount=...)")
    document = gate.project_policy(event["projectArn"], production_account)
    return sharing.share_project(services.rekognition, event["projectArn"], document)


def mark_gated(event: dict, services: Services) -> GatedOutput:
    """Tags the version this run gated and got approved: what the training project's policy copies."""
    tags = gate.gated_tags(event["executionArn"])
    services.rekognition.tag_resource(ResourceArn=event["versionArn"], Tags=tags)
    return GatedOutput(versionArn=event["versionArn"], tags=tags)


def copy_model(event: dict, services: Services) -> CopyOutput:
    """CopyProjectVersion from the training project (or the copy an earlier run made), recorded with its
    lineage in the production registry. A refused copy is a decided CopyFailed."""
    settings, project_arn = event["settings"], event["projectArn"]
    name, source = settings["versionName"], settings["sourceVersionArn"]
    env = services.env
    try:
        found = copies.find_copy(services.rekognition, project_arn, name, source)
        if found is None:
            copy_arn = copies.start_copy(
                services.rekognition,
                source_project_arn=settings["sourceProjectArn"],
                source_version_arn=source,
                project_arn=project_arn,
                version_name=name,
                output=env.training_output(settings["projectName"], name),
                kms_key_id=env.kms_key_arn,
                tags={"project": settings["projectName"]},
            )
            found = {"ProjectVersionArn": copy_arn, "Status": COPYING}
            reused = False
        else:
            reused = True
    except (ClientError, copies.CopyClash) as error:
        return CopyOutput(
            versionArn=None,
            versionName=name,
            status=COPY_FAILED,
            reused=False,
            attempt=0,
            outcome=PollOutcome.FAILED,
            failure=copies.refusal(name, source, error),
        )
    if services.registry.get_version(settings["projectName"], name) is None:
        services.registry.put_version(
            copies.lineage_record(settings, found, project_arn, event.get("executionArn"))
        )
    return CopyOutput(
        versionArn=found["ProjectVersionArn"],
        versionName=name,
        status=found["Status"],
        reused=reused,
        attempt=0,
        outcome=PollOutcome.WAITING,
    )


def check_copy(event: dict, services: Services) -> CopyOutput:
    """One poll of the copy: COPYING_COMPLETED (or any later status of a reused copy) is done."""
    copy, project = event["copy"], event["projectName"]
    description = versions.require_version(services.rekognition, event["projectArn"], copy["versionName"])
    status, message = description["Status"], description.get("StatusMessage")
    failure = None
    if status == COPYING:
        outcome = PollOutcome.WAITING
    elif status == COPY_FAILED:
        outcome = PollOutcome.FAILED
        failure = CopyFailure(
            PromotionFailure.CopyFailed,
            f"copying {version_name_of(description['ProjectVersionArn'])} failed: {message}",
        )
    else:
        outcome = PollOutcome.DONE
    if outcome != PollOutcome.WAITING:
        services.registry.update_if_exists(project, copy["versionName"], status=status, statusMessage=message)
    return CopyOutput(
        versionArn=copy["versionArn"],
        versionName=copy["versionName"],
        status=status,
        reused=copy["reused"],
        attempt=copy["attempt"] + 1,
        outcome=outcome,
        failure=failure,
    )
