"""Start the training pipeline once enough corrected images were imported since the last training.

Runs on the S3 event of an import record (``datasets/<project>/feedback/imports/<importId>.json``, written
by ``customlabels feedback import`` after the import is in the registry). The new version trains on the
newest import's merged manifest and is tested on the champion's own testing manifest, checked against
the SHA-256 the registry holds for it, so champion and challenger are judged on the same images.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from customlabels.environment import FunctionSettings
from customlabels.feedback.lineage import Lineage
from customlabels.naming import version_name_for_execution
from customlabels.rekognition.versions import manifest_sha256
from customlabels.training.registry import Registry


@dataclass(frozen=True)
class RetrainSettings(FunctionSettings):
    """The start_retraining function's settings: set by infra/feedback.py."""

    project_name: str
    registry_table_name: str
    training_state_machine_arn: str
    retrain_after_images: int | None = None  # None: automatic retraining is off


@dataclass(frozen=True)
class Decision:
    started: bool
    reason: str
    execution_arn: str | None = None
    images: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"started": self.started, "reason": self.reason, "executionArn": self.execution_arn,
                "images": self.images}


def execution_name(import_id: str) -> str:
    return f"feedback-{import_id}"


def frozen_test_set(registry: Registry, s3: Any, project: str) -> tuple[str | None, str]:
    """(the champion's testing manifest, '') or (None, why it cannot be used)."""
    champion = registry.champion(project)
    if not champion:
        return None, "the project has no champion, whose test set a retraining must be judged on"
    version = registry.get_version(project, champion["versionName"]) or {}
    testing = version.get("testingManifest")
    expected = (version.get("manifestHashes") or {}).get("testing")
    if not testing or not expected:
        return None, (f"the champion {champion['versionName']} has no testing manifest on record (it was "
                      "auto-split): train it again with --testing to freeze a test set")
    actual = manifest_sha256(s3, testing)
    if actual != expected:
        return None, (f"the champion's testing manifest {testing} changed since it was trained (SHA-256 "
                      f"{actual}, registry {expected}): restore it so the comparison is on the same images")
    return testing, ""


def maybe_retrain(env: RetrainSettings, registry: Registry, s3: Any, sfn: Any) -> Decision:
    if env.retrain_after_images is None:
        return Decision(False, "automatic retraining is off (retrainAfterImages is null)")
    lineage = Lineage(registry)
    pending = lineage.pending(env.project_name)
    images = pending["pendingImages"]
    if images < env.retrain_after_images or not pending["pendingImports"]:
        return Decision(False, f"{images} corrected image(s) since the last training, retraining starts "
                        f"at {env.retrain_after_images}", images=images)
    testing, refusal = frozen_test_set(registry, s3, env.project_name)
    if testing is None:
        return Decision(False, refusal, images=images)
    name = execution_name(pending["pendingImports"][-1])
    execution_arn = env.training_state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    if not lineage.take(env.project_name, pending, execution_arn):
        return Decision(False, "the pending imports changed meanwhile: the newer trigger decides", images=0)
    payload = {
        "projectName": env.project_name,
        "trainingManifest": pending["trainingManifest"],
        "testingManifest": testing,
        "feedbackImages": images,
    }
    try:
        started = sfn.start_execution(
            stateMachineArn=env.training_state_machine_arn, name=name, input=json.dumps(payload)
        )
    except Exception:
        lineage.give_back(env.project_name, pending)
        raise
    version = version_name_for_execution(env.project_name, name)
    lineage.mark_trained(env.project_name, pending["pendingImports"], started["executionArn"], version)
    return Decision(True, f"retraining {version} on {images} corrected image(s) from "
                    f"{len(pending['pendingImports'])} import(s)", started["executionArn"], images)
