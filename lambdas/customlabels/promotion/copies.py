"""Copies of training versions in the production project: find one an earlier run made, or start one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from customlabels.promotion.contract import SOURCE_VERSION_TAG, CopyFailure, PromotionFailure
from customlabels.promotion.gate import APPROVAL_TAG, APPROVED, GATE_TAG, PASSED
from customlabels.rekognition import versions
from customlabels.s3uri import S3Uri


class CopyClash(Exception):
    """The copy's name is taken by a version that is not a copy of the same source."""


def find_copy(rekognition: Any, project_arn: str, name: str, source_version_arn: str) -> dict | None:
    """The existing copy of `source_version_arn` named `name`, or None when there is no such version."""
    existing = versions.describe_version(rekognition, project_arn, name)
    if existing is None:
        return None
    tags = rekognition.list_tags_for_resource(ResourceArn=existing["ProjectVersionArn"]).get("Tags", {})
    if tags.get(SOURCE_VERSION_TAG) != source_version_arn:
        raise CopyClash(
            f"the production project already has a version {name} that is not a copy of "
            f"{source_version_arn} (its source: {tags.get(SOURCE_VERSION_TAG) or 'none'})"
        )
    return existing


def start_copy(
    rekognition: Any,
    *,
    source_project_arn: str,
    source_version_arn: str,
    project_arn: str,
    version_name: str,
    output: S3Uri,
    kms_key_id: str,
    tags: Mapping[str, str],
) -> str:
    return rekognition.copy_project_version(
        SourceProjectArn=source_project_arn,
        SourceProjectVersionArn=source_version_arn,
        DestinationProjectArn=project_arn,
        VersionName=version_name,
        OutputConfig={"S3Bucket": output.bucket, "S3KeyPrefix": output.key.rstrip("/")},
        KmsKeyId=kms_key_id,
        Tags={**tags, SOURCE_VERSION_TAG: source_version_arn},
    )["ProjectVersionArn"]


def refusal(name: str, source_version_arn: str, error: Exception) -> CopyFailure:
    """Why the copy was refused: NotGated when the training project's policy denies it (the version lacks
    the gate tags), otherwise CopyFailed in the service's words."""
    if isinstance(error, CopyClash):
        return CopyFailure(PromotionFailure.CopyFailed, str(error))
    detail = getattr(error, "response", {}).get("Error", {})
    code, message = detail.get("Code", type(error).__name__), detail.get("Message", str(error))
    denied = code in ("AccessDeniedException", "AccessDenied")
    if denied and "explicit deny" in message.lower():
        return CopyFailure(
            PromotionFailure.NotGated,
            f"{source_version_arn} was not gated by the training pipeline: the training project's policy "
            f"lets production copy only versions tagged {GATE_TAG}={PASSED} and {APPROVAL_TAG}={APPROVED}, "
            "tags only the training pipeline sets after the F1 gate and the approval. Train it with "
            f"`customlabels train --require-approval`, approve it, then promote it. ({code}: {message})",
        )
    hint = (
        " The training project's policy must allow this account's promotion role "
        "rekognition:CopyProjectVersion (the training pipeline puts it on the project)."
        if denied
        else ""
    )
    return CopyFailure(
        PromotionFailure.CopyFailed,
        f"CopyProjectVersion of {source_version_arn} as {name} was refused: {code}: {message}.{hint}",
    )


def lineage_record(
    settings: Mapping[str, Any], found: Mapping[str, Any], project_arn: str, execution_arn: str | None
) -> dict[str, Any]:
    """The production registry item of a copy: where it came from and who approved it."""
    source_arn = settings["sourceVersionArn"]
    lineage = settings.get("lineage") or {}
    return {
        "project": settings["projectName"],
        "versionName": settings["versionName"],
        "versionArn": found["ProjectVersionArn"],
        "projectArn": project_arn,
        "status": found["Status"],
        "f1Score": lineage.get("f1Score"),
        "source": {
            "account": source_arn.split(":")[4],
            "projectArn": settings["sourceProjectArn"],
            "versionArn": source_arn,
        },
        "manifestHashes": lineage.get("manifestHashes"),
        "approval": lineage.get("approval"),
        "executionArn": execution_arn,
    }
