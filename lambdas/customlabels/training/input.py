"""Execution inputs of the training and model-control state machines: checked once, every problem listed.

A bad input never raises half-way: `check_training_input` and `check_control_input` return either the
settings the run uses (defaults filled in) or the full list of problems plus the accepted form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from customlabels.manifest.location import console_bucket_problem, extension_problem
from customlabels.naming import NAME_PATTERN, version_name_for_execution
from customlabels.s3uri import parse_s3_uri
from customlabels.training.contract import Defaults, InputCheck

MIN_APPROVAL_HOURS, MAX_APPROVAL_HOURS = 0.001, 720.0


def training_form(project: str, bucket: str) -> dict[str, str]:
    """The accepted input, shown with this stack's own project and console bucket."""
    return {
        "projectName": project,
        "trainingManifest": f"s3://{bucket}/datasets/{project}/train.manifest",
        "testingManifest": f"(optional) s3://{bucket}/datasets/{project}/test.manifest",
        "versionName": "(optional) letters, digits, '_', '.', '-'; default <projectName>.<execution name>",
        "f1Threshold": "(optional) number 0-1",
        "minLabelF1": "(optional) number 0-1",
        "requireImprovement": "(optional) true or false",
        "deploy": "(optional) true or false",
        "minInferenceUnits": "(optional) whole number 1-100",
        "maxInferenceUnits": "(optional) whole number >= minInferenceUnits, up to 100",
        "requireApproval": "(optional) true or false: wait for `customlabels approve` after the gate",
        "approvalTimeoutHours": f"(optional) number {MIN_APPROVAL_HOURS}-{MAX_APPROVAL_HOURS}",
        "promoteAfterApproval": (
            "(optional) true or false: once approved, start the production account's promotion "
            "(needs requireApproval and a production account)"
        ),
        "feedbackImages": (
            "(optional) whole number: corrected images this run adds (set by the feedback loop; the "
            "gate's reason then says how F1 moved per label)"
        ),
    }


def control_form(project: str) -> dict[str, str]:
    return {
        "action": "start | stop | promote",
        "projectName": project,
        "versionName": f"{project}.2024-01-01T00.00.00",
        "minInferenceUnits": "(optional, start/promote) whole number 1-100",
        "maxInferenceUnits": "(optional, start/promote) whole number >= minInferenceUnits, up to 100",
        "force": "(optional, promote) true to promote a version that did not pass the gate",
        "hold": "(optional, stop) true to keep it stopped: uploads do not start it again until a start",
    }


ACTIONS = ("start", "stop", "promote")
MAX_UNITS = 100


@dataclass(frozen=True)
class Settings:
    """The run's settings once the input is accepted."""

    projectName: str
    versionName: str
    trainingManifest: str
    testingManifest: str | None
    autoSplit: bool
    f1Threshold: float
    minLabelF1: float
    requireImprovement: bool
    deploy: bool
    minInferenceUnits: int
    maxInferenceUnits: int
    requireApproval: bool
    approvalTimeoutSeconds: int
    promoteAfterApproval: bool
    feedbackImages: int = 0


@dataclass
class Verdict:
    """Either `settings` (valid) or `problems`; `cause` is the text a Fail state shows."""

    settings: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    form: Mapping[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def cause(self) -> str:
        if self.valid:
            return ""
        listed = "; ".join(f"{number}. {problem}" for number, problem in enumerate(self.problems, 1))
        return (
            f"{len(self.problems)} problem(s) in the execution input: {listed}. Accepted form: "
            + json.dumps(self.form)
        )

    def as_output(self) -> InputCheck:
        return InputCheck(valid=self.valid, problems=self.problems, cause=self.cause, settings=self.settings)


class _Checker:
    def __init__(self, raw: Any, form: Mapping[str, str]) -> None:
        self.problems: list[str] = []
        self.raw: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if not isinstance(raw, Mapping):
            self.problems.append(f"the input must be a JSON object, got {type(raw).__name__}")
        unknown = sorted(set(self.raw) - set(form))
        if unknown:
            self.problems.append(
                f"unknown field(s) {', '.join(unknown)}: allowed fields are {', '.join(form)}"
            )

    def project(self, managed: str) -> str | None:
        value = self.name("projectName", required=True, what=PROJECT_RULE)
        if value and managed and value != managed:
            self.problems.append(
                f"projectName {value!r} is not the project this stack manages ({managed!r}): "
                f"use {managed!r}, "
                f"or deploy a stack for {value!r} with `cdk deploy -c projectName={value}`"
            )
            return None
        return value

    def _absent(self, key: str, *, required: bool, what: str) -> bool:
        """True when ``key`` is not given (a problem only when it is required)."""
        if self.raw.get(key) is not None:
            return False
        if required:
            self.problems.append(f"{key} is required: {what}")
        return True

    def name(self, key: str, *, required: bool, what: str) -> str | None:
        if self._absent(key, required=required, what=what):
            return None
        value = self.raw[key]
        if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value):
            self.problems.append(f"{key}={value!r} is not allowed: {what}")
            return None
        return value

    def manifest(self, key: str, *, required: bool, bucket: str) -> str | None:
        if self._absent(key, required=required, what=f"the s3:// URI of a manifest in bucket {bucket}"):
            return None
        value = self.raw[key]
        try:
            uri = parse_s3_uri(value) if isinstance(value, str) else None
        except ValueError as error:
            self.problems.append(f"{key}: {error}")
            return None
        if uri is None:
            self.problems.append(f"{key} must be a string s3://{bucket}/KEY, got {type(value).__name__}")
        elif problem := console_bucket_problem(uri.bucket, bucket, "<projectName>") or extension_problem(
            uri.key
        ):
            self.problems.append(f"{key} {value!r}: {problem}")
        else:
            return value
        return None

    def fraction(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            self.problems.append(f"{key}={value!r} is not allowed: a number from 0 to 1")
            return default
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"{key}={value!r} is not allowed: true or false (JSON booleans, no quotes)")
            return default
        return value

    def hours(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        low, high = MIN_APPROVAL_HOURS, MAX_APPROVAL_HOURS
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.problems.append(f"{key}={value!r} is not allowed: a number from {low} to {high}")
            return default
        return float(value)

    def units(self, key: str, default: int) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_UNITS:
            self.problems.append(f"{key}={value!r} is not allowed: a whole number from 1 to {MAX_UNITS}")
            return default
        return value

    def count(self, key: str) -> int:
        value = self.raw.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problems.append(f"{key}={value!r} is not allowed: a whole number >= 0")
            return 0
        return value

    def unit_range(self, defaults: Defaults | None) -> tuple[int, int]:
        low = self.units("minInferenceUnits", defaults.minInferenceUnits if defaults else 1)
        high = self.units("maxInferenceUnits", max(low, defaults.maxInferenceUnits if defaults else low))
        if high < low:
            self.problems.append(f"maxInferenceUnits ({high}) must be >= minInferenceUnits ({low})")
        return low, high


PROJECT_RULE = "1-255 of letters, digits, '_', '.', '-', starting with a letter or digit"
VERSION_RULE = "1-255 of letters, digits, '_', '.', '-', starting with a letter or digit"


def check_training_input(
    raw: Any, *, execution_name: str, defaults: Defaults, bucket: str, managed_project: str
) -> Verdict:
    form = training_form(managed_project, bucket)
    check = _Checker(raw, form)
    project = check.project(managed_project)
    version = check.name("versionName", required=False, what=VERSION_RULE)
    training = check.manifest("trainingManifest", required=True, bucket=bucket)
    testing = check.manifest("testingManifest", required=False, bucket=bucket)
    if training and testing and training == testing:
        check.problems.append(
            "testingManifest must differ from trainingManifest (test images must not be trained on)"
        )
    f1_threshold = check.fraction("f1Threshold", defaults.f1Threshold)
    min_label_f1 = check.fraction("minLabelF1", defaults.minLabelF1)
    require_improvement = check.flag("requireImprovement", defaults.requireImprovement)
    deploy = check.flag("deploy", defaults.deploy)
    low, high = check.unit_range(defaults)
    require_approval = check.flag("requireApproval", defaults.requireApproval)
    if defaults.requireApproval and not require_approval:
        check.problems.append(
            "requireApproval=false is not allowed: this stack requires approval (deployed with "
            "-c requireApproval=true); leave requireApproval out of the input or set it to true"
        )
    approval_hours = check.hours("approvalTimeoutHours", defaults.approvalTimeoutHours)
    promote_after = check.flag("promoteAfterApproval", defaults.promoteAfterApproval)
    feedback_images = check.count("feedbackImages")
    if promote_after and not defaults.productionAccount:
        check.problems.append(
            "promoteAfterApproval=true needs a production account: this stack was deployed without "
            "productionAccount (cdk deploy -c productionAccount=<id>)"
        )
    elif promote_after and not require_approval:
        check.problems.append(
            "promoteAfterApproval=true needs requireApproval=true: production is reached only after a "
            "person approves (or run `customlabels promote --to production VERSION` yourself)"
        )
    verdict = Verdict(problems=check.problems, form=form)
    if verdict.valid:
        settings = Settings(
            projectName=project,
            versionName=version or version_name_for_execution(project, execution_name),
            trainingManifest=training,
            testingManifest=testing,
            autoSplit=testing is None,
            f1Threshold=f1_threshold,
            minLabelF1=min_label_f1,
            requireImprovement=require_improvement,
            deploy=deploy,
            minInferenceUnits=low,
            maxInferenceUnits=high,
            requireApproval=require_approval,
            approvalTimeoutSeconds=max(1, round(approval_hours * 3600)),
            promoteAfterApproval=promote_after,
            feedbackImages=feedback_images,
        )
        verdict.settings = asdict(settings)
    return verdict


def check_control_input(raw: Any, *, managed_project: str) -> Verdict:
    form = control_form(managed_project)
    check = _Checker(raw, form)
    action = check.raw.get("action")
    if action not in ACTIONS:
        check.problems.append(f"action={action!r} is not allowed: one of {', '.join(ACTIONS)}")
    project = check.project(managed_project)
    version = check.name("versionName", required=True, what=VERSION_RULE)
    low, high = check.unit_range(None)
    force = check.flag("force", False)
    if force and action != "promote":
        check.problems.append(f"force is for action promote only, not {action!r}")
    hold = check.flag("hold", False)
    if hold and action != "stop":
        check.problems.append(f"hold is for action stop only, not {action!r}")
    verdict = Verdict(problems=check.problems, form=form)
    if verdict.valid:
        verdict.settings = {
            "action": action,
            "projectName": project,
            "versionName": version,
            "minInferenceUnits": low,
            "maxInferenceUnits": high,
            "force": force,
            "hold": hold,
        }
    return verdict
