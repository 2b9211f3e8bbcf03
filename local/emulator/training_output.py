"""Where a training's files go and how DescribeProjectVersions reports them.

AWS writes them directly under OutputConfig's S3KeyPrefix, named `<Kind>-<project>-<version>.json`
(`EvaluationResultSummary-`, `ManifestSummary-`, `TrainingGroundTruth-`, `TestingGroundTruth-`,
`TrainingManifestWithValidation-`, `TestingManifestWithValidation-`): the DescribeProjectVersions example
of the AWS SDK documentation ("To describe an Amazon Rekognition Custom Labels model", SDK for JavaScript
v3 DescribeProjectVersionsCommand). The same example reports a dataset-based training's inputs as
`TrainingDataResult.Input = {}` and `TestingDataResult.Input = {"AutoCreate": false}`: no copied
manifest is an input asset, so dataset entries are staged in a local folder, never in the bucket.
"""

from __future__ import annotations

from pathlib import Path

from customlabels import manifest as engine
from local.emulator.storage import s3_uri, write_object

EVALUATION_SUMMARY = "EvaluationResultSummary"
MANIFEST_SUMMARY = "ManifestSummary"
TRAINING_GROUND_TRUTH = "TrainingGroundTruth"
TESTING_GROUND_TRUTH = "TestingGroundTruth"
_VALIDATION_FILES = {
    engine.SUMMARY_FILE: MANIFEST_SUMMARY,
    engine.TRAINING_FILE: "TrainingManifestWithValidation",
    engine.TESTING_FILE: "TestingManifestWithValidation",
}
Source = str | dict | None  # dataset entries (manifest text), an external manifest's S3Object, or None


class TrainingOutput:
    def __init__(self, s3, output_config: dict[str, str], project: str, version: str, kms: str | None):
        self.s3, self.kms = s3, kms
        self.bucket = output_config["S3Bucket"]
        self.prefix = output_config.get("S3KeyPrefix", "").strip("/")
        self._suffix = f"-{project}-{version}.json"

    def key(self, kind: str) -> str:
        name = kind + self._suffix
        return f"{self.prefix}/{name}" if self.prefix else name

    def kind_of(self, bucket: str, key: str) -> str | None:
        """The kind of one of this training's files (None for any other object)."""
        prefix = f"{self.prefix}/" if self.prefix else ""
        name = key.removeprefix(prefix)
        if bucket != self.bucket or not key.startswith(prefix) or not name.endswith(self._suffix):
            return None
        kind = name.removesuffix(self._suffix)
        return None if "/" in kind else kind

    def put(self, kind: str, body: bytes) -> dict[str, str]:
        """Writes the file; its S3Object."""
        write_object(self.s3, self.bucket, self.key(kind), body, self.kms)
        return {"Bucket": self.bucket, "Name": self.key(kind)}

    def put_validation(self, report, workdir: Path) -> dict[str, dict[str, str]]:
        """The engine's three validation files under AWS's names: engine file name -> S3Object."""
        written = report.write(str(workdir / "validation"))
        return {
            name: self.put(kind, Path(written[name]).read_bytes()) for name, kind in _VALIDATION_FILES.items()
        }


def asset(s3_object: dict[str, str]) -> dict:
    return {"Assets": [{"GroundTruthManifest": {"S3Object": s3_object}}]}


def staged(source: Source, name: str, workdir: Path) -> str | None:
    """Where the manifest engine reads a source: a local file for dataset entries, else s3://."""
    if isinstance(source, str):
        path = workdir / f"{name}.manifest"
        path.write_text(source)
        return str(path)
    return s3_uri(source["Bucket"], source["Name"]) if source else None


def training_input(source: Source) -> dict:
    return asset(source) if isinstance(source, dict) else {}


def testing_input(source: Source) -> dict:
    """The TestingData as supplied: the manifest, or whether the test set is split off the training."""
    return asset(source) if isinstance(source, dict) else {"AutoCreate": source is None}
