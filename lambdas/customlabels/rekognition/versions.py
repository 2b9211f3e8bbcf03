"""Model versions: train, poll, read the evaluation, start and stop (spec 03, 04, 05).

None of these functions waits: each makes at most one state-changing call and reports the status,
and the state machine's Wait loops do the waiting.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from customlabels.s3uri import S3Uri, parse_s3_uri

TRAINING_DONE = "TRAINING_COMPLETED"
TRAINING_FAILED = "TRAINING_FAILED"
RUNNING_OR_STARTING = {"RUNNING", "STARTING"}
# Not a service status: what the pipeline reports (and the registry records) for a deleted version.
DELETED = "DELETED"
HASH_CHUNK = 1 << 20


class VersionNameTaken(Exception):
    """The version name exists already, trained from other manifests: a re-run must not reuse it."""


class ModelNotFound(Exception):
    """No model version with that name in the project."""


def manifest_sha256(s3: Any, uri: str) -> str:
    location = parse_s3_uri(uri)
    body = s3.get_object(Bucket=location.bucket, Key=location.key)["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(HASH_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def manifest_hashes(s3: Any, training: str, testing: str | None) -> dict[str, str | None]:
    return {
        "training": manifest_sha256(s3, training),
        "testing": manifest_sha256(s3, testing) if testing else None,
    }


def manifest_tags(hashes: dict[str, str | None]) -> dict[str, str]:
    """The tags a version carries of the manifests it was trained from (compared on a re-run)."""
    return {
        "trainingManifestSha256": str(hashes["training"]),
        "testingManifestSha256": hashes["testing"] or "auto-split",
    }


def describe_version(rekognition: Any, project_arn: str, version_name: str) -> dict | None:
    found = rekognition.describe_project_versions(ProjectArn=project_arn, VersionNames=[version_name])
    versions = found["ProjectVersionDescriptions"]
    return versions[0] if versions else None


def require_version(rekognition: Any, project_arn: str, version_name: str) -> dict:
    description = describe_version(rekognition, project_arn, version_name)
    if description is None:
        raise ModelNotFound(f"model version {version_name} does not exist in project {project_arn}")
    return description


def start_training(
    rekognition: Any,
    *,
    project_arn: str,
    version_name: str,
    output: S3Uri,
    kms_key_id: str,
    tags: dict[str, str],
) -> dict:
    """CreateProjectVersion, unless this very training (same name, same manifests) exists already."""
    existing = describe_version(rekognition, project_arn, version_name)
    if existing:
        _require_same_training(rekognition, existing, tags)
        return {"versionArn": existing["ProjectVersionArn"], "status": existing["Status"], "reused": True}
    arn = rekognition.create_project_version(
        ProjectArn=project_arn,
        VersionName=version_name,
        OutputConfig={"S3Bucket": output.bucket, "S3KeyPrefix": output.key},
        KmsKeyId=kms_key_id,
        Tags=tags,
    )["ProjectVersionArn"]
    return {"versionArn": arn, "status": "TRAINING_IN_PROGRESS", "reused": False}


def _require_same_training(rekognition: Any, existing: dict, tags: dict[str, str]) -> None:
    clash = training_clash(rekognition, existing, tags)
    if clash:
        raise VersionNameTaken(clash)


def training_clash(rekognition: Any, existing: dict, tags: dict[str, str]) -> str | None:
    """Why ``existing`` cannot be this run's version (trained from other manifests), or None."""
    found = rekognition.list_tags_for_resource(ResourceArn=existing["ProjectVersionArn"]).get("Tags", {})
    keys = ("trainingManifestSha256", "testingManifestSha256")
    if all(found.get(key) == tags.get(key) for key in keys):
        return None
    return (
        f"version {existing['ProjectVersionArn']} exists already and was trained from other manifests "
        f"(status {existing['Status']}); give this run another versionName"
    )


def training_failure(s3: Any, description: dict) -> str:
    """The status message plus the manifest summary's terminal errors, when there is a summary."""
    message = description.get("StatusMessage") or "training failed without a status message"
    summary_object = (description.get("ManifestSummary") or {}).get("S3Object")
    if not summary_object:
        return message
    summary = read_json(s3, S3Uri(summary_object["Bucket"], summary_object["Name"]))
    errors = terminal_errors(summary)
    uri = f"s3://{summary_object['Bucket']}/{summary_object['Name']}"
    if errors:
        listed = "; ".join(f"{e['dataset']}: {e['code']} {e['message']}" for e in errors)
        return f"{message} Terminal errors in the manifest summary {uri}: {listed}"
    return f"{message} (manifest summary: {uri})"


def terminal_errors(summary: dict) -> list[dict]:
    errors = [{"dataset": "both", **error} for error in summary.get("errors", [])]
    for dataset, statistics in (summary.get("statistics") or {}).items():
        errors += [{"dataset": dataset, **error} for error in (statistics or {}).get("errors", [])]
    return errors


def read_json(s3: Any, uri: S3Uri) -> dict:
    return json.loads(s3.get_object(Bucket=uri.bucket, Key=uri.key)["Body"].read())


def evaluation_summary(s3: Any, description: dict) -> tuple[float, dict, str]:
    """(EvaluationResult.F1Score, the summary file, its s3:// URI) of a trained version."""
    result = description.get("EvaluationResult")
    if not result:
        raise ValueError(
            f"version {description['ProjectVersionArn']} has no EvaluationResult: is it trained?"
        )
    location = S3Uri(result["Summary"]["S3Object"]["Bucket"], result["Summary"]["S3Object"]["Name"])
    return float(result["F1Score"]), read_json(s3, location), str(location)


def snapshot_manifest_uri(description: dict) -> str | None:
    """The test evaluation manifest snapshot: TestingDataResult.Output.Assets[0] (spec 04 §6, §9)."""
    assets = ((description.get("TestingDataResult") or {}).get("Output") or {}).get("Assets") or []
    if not assets:
        return None
    location = assets[0]["GroundTruthManifest"]["S3Object"]
    return str(S3Uri(location["Bucket"], location["Name"]))


def start_model(rekognition: Any, description: dict, min_units: int, max_units: int) -> str:
    """StartProjectVersion unless the model is already starting or running; returns the status."""
    status = description["Status"]
    if status in RUNNING_OR_STARTING:
        return status
    request = {"ProjectVersionArn": description["ProjectVersionArn"], "MinInferenceUnits": min_units}
    if max_units > min_units:
        request["MaxInferenceUnits"] = max_units  # omitted: fixed capacity, no auto scaling
    return rekognition.start_project_version(**request)["Status"]


def stop_model(rekognition: Any, description: dict) -> str:
    """StopProjectVersion when the model is running or starting; returns the status either way."""
    status = description["Status"]
    if status not in RUNNING_OR_STARTING:
        return status
    return rekognition.stop_project_version(ProjectVersionArn=description["ProjectVersionArn"])["Status"]
