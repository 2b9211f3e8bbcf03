"""The promotion state machine's execution input, checked once with every problem listed."""

from __future__ import annotations

from typing import Any

from customlabels.promotion.contract import Action
from customlabels.training.input import VERSION_RULE, Verdict, _Checker

PROMOTION_FORM = {
    "action": "promote | rollback",
    "versionName": "(promote) the training version; its copy in production gets the same name",
    "sourceProjectArn": "(promote) the training project's ARN",
    "sourceVersionArn": "(promote) the training version's ARN",
    "lineage": "(optional, promote) what the training registry knows: manifestHashes, f1Score, approval",
    "minInferenceUnits": "(optional) whole number 1-100",
    "maxInferenceUnits": "(optional) whole number >= minInferenceUnits, up to 100",
}


def check_promotion_input(raw: Any, *, source_project_prefix: str) -> Verdict:
    """`source_project_prefix`: ``arn:...:project/<name>/`` of the one training project copies come from."""
    check = _Checker(raw, PROMOTION_FORM)
    action = check.raw.get("action")
    if action not in tuple(Action):
        check.problems.append(f"action={action!r} is not allowed: one of {', '.join(Action)}")
    low, high = check.unit_range(None)
    settings: dict[str, Any] = {"action": action, "minInferenceUnits": low, "maxInferenceUnits": high}
    if action == Action.PROMOTE:
        version = check.name("versionName", required=True, what=VERSION_RULE)
        project_arn = check.raw.get("sourceProjectArn")
        version_arn = check.raw.get("sourceVersionArn")
        if not isinstance(project_arn, str) or not _is_project_arn(project_arn, source_project_prefix):
            check.problems.append(
                f"sourceProjectArn={project_arn!r} is not allowed: the ARN of the training project "
                f"{source_project_prefix}<timestamp>, the only project this stack copies from"
            )
        if not isinstance(version_arn, str) or not version_arn.startswith(
            f"{source_project_prefix}version/{version}/"
        ):
            check.problems.append(
                f"sourceVersionArn={version_arn!r} is not allowed: the ARN of version {version!r} "
                f"of the training project ({source_project_prefix}version/{version}/<timestamp>)"
            )
        lineage = check.raw.get("lineage") or {}
        if not isinstance(lineage, dict):
            check.problems.append(f"lineage must be a JSON object, got {type(lineage).__name__}")
        settings.update(
            versionName=version, sourceProjectArn=project_arn, sourceVersionArn=version_arn, lineage=lineage
        )
    elif action == Action.ROLLBACK:
        extra = sorted({"versionName", "sourceProjectArn", "sourceVersionArn", "lineage"} & set(check.raw))
        if extra:
            check.problems.append(
                f"{', '.join(extra)}: not for rollback (it goes back to the previous champion)"
            )
    verdict = Verdict(problems=check.problems, form=PROMOTION_FORM)
    if verdict.valid:
        verdict.settings = settings
    return verdict


def _is_project_arn(arn: str, prefix: str) -> bool:
    rest = arn.removeprefix(prefix)
    return arn.startswith(prefix) and rest.isdigit()
