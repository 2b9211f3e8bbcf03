"""What `train` checks before StartExecution: the execution name, the input (the state machine's own
check, customlabels.training.input) and whether the version name is taken by another training."""

from __future__ import annotations

import re
from typing import Any

from customlabels.rekognition import projects, versions
from customlabels.training.contract import Defaults
from customlabels.training.input import check_training_input
from customlabels_cli.support.errors import CliError

# Step Functions execution names: 1-80 characters, none of these (whitespace and control ones included).
_NOT_IN_EXECUTION_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f]")
# The CLI sends only the settings given; these stand in for the stack's defaults and can never make a
# given setting wrong (the state machine fills in the stack's own). Whether the stack asks for approval
# and has a production account (promoteAfterApproval needs both) only the state machine's check knows.
_NEUTRAL_DEFAULTS = Defaults(
    f1Threshold=0.0, minLabelF1=0.0, requireImprovement=False, deploy=False,
    minInferenceUnits=1, maxInferenceUnits=1, requireApproval=True,
    productionAccount="checked by the state machine",
)
OPTION_OF_FIELD = {
    "trainingManifest": "--training",
    "testingManifest": "--testing",
    "versionName": "--version",
    "f1Threshold": "--f1-threshold",
    "minLabelF1": "--min-label-f1",
    "minInferenceUnits": "--min-units",
    "maxInferenceUnits": "--max-units",
}


def check_execution_name(name: str) -> None:
    if not 1 <= len(name) <= 80 or _NOT_IN_EXECUTION_NAME.search(name):
        raise CliError(
            f"--name {name!r} is not an execution name Step Functions accepts",
            "use 1-80 letters, digits, '-', '_' or '.' (no spaces), or leave --name out for a unique one",
        )


def checked_settings(payload: dict, execution_name: str, bucket: str, project: str) -> dict[str, Any]:
    """The run's settings as the state machine will see them; CliError listing every problem."""
    verdict = check_training_input(
        payload,
        execution_name=execution_name,
        defaults=_NEUTRAL_DEFAULTS,
        bucket=bucket,
        managed_project=project,
    )
    if verdict.settings is None:
        problems = " ".join(f"{number}. {problem}" for number, problem in enumerate(verdict.problems, 1))
        named = ", ".join(f"{field} is {option}" for field, option in OPTION_OF_FIELD.items())
        raise CliError(
            f"the training input has {len(verdict.problems)} problem(s), nothing was started: {problems}",
            f"correct the options named above ({named}); `customlabels train --help` lists them",
        )
    return verdict.settings


def check_version_free(rekognition: Any, s3: Any, settings: dict[str, Any]) -> None:
    """CliError when the version name belongs to a training from other manifests (a re-run is fine)."""
    project_arn = projects.find_project_arn(rekognition, settings["projectName"])
    existing = (
        versions.describe_version(rekognition, project_arn, settings["versionName"]) if project_arn else None
    )
    if existing is None:
        return
    hashes = versions.manifest_hashes(s3, settings["trainingManifest"], settings["testingManifest"])
    clash = versions.training_clash(rekognition, existing, versions.manifest_tags(hashes))
    if clash:
        raise CliError(clash, "pass --version with a name not used yet (see `customlabels status`)")
