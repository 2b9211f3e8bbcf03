"""PrepareBatch: the input checked, the model version resolved (default: the champion) and its status.

The state machine starts the model when ``startNeeded`` and, with ``stopWhenDone``, stops it at the end:
only a model this run started is stopped, so a backfill never stops a model others are using.
"""

from __future__ import annotations

from typing import Any

from customlabels.batch.contract import PrepareOutput
from customlabels.batch.input import VIDEO, check_batch_input
from customlabels.batch.settings import BatchSettings
from customlabels.batch.video_prepare import plan_video
from customlabels.rekognition import projects, versions
from customlabels.storage_layout import BATCHES_PREFIX
from customlabels.training.registry import Registry

READY = ("RUNNING", "STARTING")
STARTABLE = ("TRAINING_COMPLETED", "COPYING_COMPLETED", "STOPPED", "FAILED")


def prepare_batch(
    event: dict[str, Any], env: BatchSettings, rekognition: Any, registry: Registry, s3: Any
) -> dict[str, Any]:
    verdict = check_batch_input(
        event.get("input"),
        readable_buckets=(env.inference_bucket_name, env.console_bucket_name),
        default_min_confidence=env.min_confidence,
    )
    model = status = None
    if verdict.valid:
        model, status = _model(verdict.settings, env, rekognition, registry, verdict.problems)
    settings = {
        **(verdict.settings or {}),
        "outputPrefix": f"{BATCHES_PREFIX}{event['executionName']}",
        "outputBucket": env.inference_bucket_name,
    }
    if verdict.valid and settings["kind"] == VIDEO:
        settings["video"] = plan_video(s3, settings, env, verdict.problems)
    if not verdict.valid:
        return PrepareOutput(valid=False, cause=verdict.cause, settings=None, model=None).to_state()
    return PrepareOutput(
        valid=True, cause="", settings=settings, model=model, status=status, startNeeded=status in STARTABLE
    ).to_state()


def _model(
    settings: dict[str, Any], env: BatchSettings, rekognition: Any, registry: Registry, problems: list[str]
) -> tuple[dict[str, Any] | None, str | None]:
    version = settings["versionName"]
    if version is None:
        champion = registry.champion(env.project_name)
        if not champion:
            problems.append(
                f"project {env.project_name!r} has no champion model: pass versionName, "
                "or train and promote one"
            )
            return None, None
        version = champion["versionName"]
    project_arn = projects.find_project_arn(rekognition, env.project_name)
    description = versions.describe_version(rekognition, project_arn, version) if project_arn else None
    if description is None:
        problems.append(f"model version {version!r} does not exist in project {env.project_name!r}")
        return None, None
    status = description["Status"]
    if status not in READY + STARTABLE:
        problems.append(f"model version {version!r} is {status}: only a trained model can analyse images")
        return None, None
    model = {
        "projectName": env.project_name,
        "projectArn": project_arn,
        "versionName": version,
        "versionArn": description["ProjectVersionArn"],
        "minInferenceUnits": env.min_inference_units,
        "maxInferenceUnits": env.max_inference_units,
    }
    return model, status
