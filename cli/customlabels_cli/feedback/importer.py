"""``feedback import``: people's answers -> checked lines -> a new, dated training manifest that merges the
project's current one with the corrected labels, lineage in the registry, and the import record whose
S3 event lets the stack decide whether to retrain.

Layout in the console bucket (people write only under ``datasets/``):
- ``datasets/<project>/feedback/images/<bucket>/<key>``: the reviewed image version, copied (the pipeline
  reads images from the console bucket; the same image imported again lands on the same key);
- ``datasets/<project>/feedback/<importId>/train.manifest``: the merged training manifest;
- ``datasets/<project>/feedback/imports/<importId>.json``: the import record (the retraining trigger).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from customlabels.feedback.lineage import Lineage
from customlabels.manifest.builders import to_json_line
from customlabels.manifest.check_line import validate_line
from customlabels.manifest.line import CLASSIFICATION_TYPE, METADATA_SUFFIX, SOURCE_REF, Status
from customlabels.manifest.source import iter_lines, open_manifest
from customlabels.s3uri import parse_s3_uri
from customlabels.storage_layout import imports_prefix
from customlabels.training.registry import Registry
from customlabels_cli.converters.conversion import Conversion, write_manifest
from customlabels_cli.feedback.answers import Answers
from customlabels_cli.feedback.review_store import ReviewStore, record_id
from customlabels_cli.support.errors import CliError

DEFAULT_ATTRIBUTE = "feedback"


@dataclass
class ImportReport:
    import_id: str
    base_manifest: str
    manifest: str | None = None
    images: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    new_labels: list[str] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)  # the corrected lines, console copies


def current_training_manifest(registry: Registry, project: str) -> str:
    """The newest import's merged manifest when one waits for training, else the champion's."""
    pending = Lineage(registry).pending(project)
    if pending["pendingImports"] and pending["trainingManifest"]:
        return pending["trainingManifest"]
    champion = registry.champion(project)
    version = registry.get_version(project, champion["versionName"]) if champion else None
    if not version or not version.get("trainingManifest"):
        raise CliError(f"project {project} has no champion trained by the pipeline to merge the answers into",
                       "train a first model with `customlabels train`, then import")
    return version["trainingManifest"]


def read_manifest(s3: Any, uri: str) -> list[dict[str, Any]]:
    source = open_manifest(uri, s3)
    try:
        return [json.loads(text) for text in iter_lines(source.stream) if text.strip()]
    finally:
        source.close()


def classification_attribute(lines: list[dict[str, Any]]) -> str:
    """The image-level attribute the current manifest uses (answers join it), else ``feedback``."""
    names = {
        key for line in lines for key, meta in line.items()
        if key.endswith(METADATA_SUFFIX)
        and isinstance(meta, dict)
        and meta.get("type") == CLASSIFICATION_TYPE
    }
    return names.pop()[: -len(METADATA_SUFFIX)] if len(names) == 1 else DEFAULT_ATTRIBUTE


def copy_key(project: str, image: str) -> str:
    location = parse_s3_uri(image)
    return f"datasets/{project}/feedback/images/{location.bucket}/{location.key}"


class Importer:
    def __init__(self, *, s3: Any, registry: Registry, store: ReviewStore, console_bucket: str) -> None:
        self.s3 = s3
        self.registry = registry
        self.store = store
        self.bucket = console_bucket
        self.project = store.project

    def base(self) -> tuple[str, list[dict[str, Any]]]:
        uri = current_training_manifest(self.registry, self.project)
        return uri, read_manifest(self.s3, uri)

    def run(self, answers: Answers, source: str, report: ImportReport,
            base_lines: list[dict[str, Any]]) -> ImportReport:
        entries = self.store.entries()
        newest: dict[str, dict[str, Any]] = {}
        for entry in entries:  # oldest first: the newest analysis of an image wins
            if "frameMs" not in entry:
                newest[entry["image"]] = entry
        frames = {entry["image"] for entry in entries if "frameMs" in entry}
        report.problems += answers.problems
        chosen: dict[str, tuple[str, dict[str, Any]]] = {}
        for where, line in answers.lines:
            image = line[SOURCE_REF]
            problem = self._problem(where, line, image, newest, frames)
            if problem:
                report.problems.append((where, problem))
                continue
            if image in chosen:
                earlier = chosen[image][0]
                report.problems.append((earlier, f"{image} is answered again in {where}, which wins"))
            chosen[image] = (where, line)
        report.problems.sort(key=lambda problem: _place(problem[0]))
        if not chosen:
            return report
        for image, (_, line) in chosen.items():
            report.lines.append({**line, SOURCE_REF: self._copy(newest[image])})
            report.images.append(image)
        report.labels = sorted(Conversion(lines=report.lines).labels)
        report.new_labels = sorted(set(report.labels) - Conversion(lines=base_lines).labels)
        merged = {line[SOURCE_REF]: line for line in base_lines}
        merged.update({line[SOURCE_REF]: line for line in report.lines})
        report.manifest = write_manifest(
            list(merged.values()),
            f"s3://{self.bucket}/datasets/{self.project}/feedback/{report.import_id}/train.manifest", self.s3)
        self._record(report, [newest[image]["id"] for image in report.images], source)
        return report

    def _problem(self, where: str, line: dict[str, Any], image: str, newest: dict, frames: set) -> str | None:
        if image not in newest:
            if image in frames:
                return (f"{image} is a video: its frames cannot be trained on as they are; extract the frame "
                        "as an image and `customlabels feedback add` it")
            return f"unknown image reference {image}: it is not in the review set of {self.project}"
        result = validate_line(to_json_line(line))
        if result.status is not Status.VALID or result.has_error:
            issues = "; ".join(f"{issue.code.name}: {issue.message}" for issue in result.issues)
            return issues or "not a valid manifest line"
        return None

    def _copy(self, entry: dict[str, Any]) -> str:
        location = parse_s3_uri(entry["image"])
        source = {"Bucket": location.bucket, "Key": location.key}
        if entry.get("versionId"):
            source["VersionId"] = entry["versionId"]
        key = copy_key(self.project, entry["image"])
        self.s3.copy_object(CopySource=source, Bucket=self.bucket, Key=key)
        return f"s3://{self.bucket}/{key}"

    def _record(self, report: ImportReport, ids: list[str], source: str) -> None:
        exported = [record["exportId"] for record in self.store.exports() if set(record["ids"]) & set(ids)]
        Lineage(self.registry).record_import(self.project, {
            "importId": report.import_id,
            "importedAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "answers": source,
            "images": report.images,
            "imageCount": len(report.images),
            "reviewIds": ids,
            "exports": exported,
            "labels": report.labels,
            "newLabels": report.new_labels,
            "baseManifest": report.base_manifest,
            "trainingManifest": report.manifest,
            "problems": len(report.problems),
        })
        self.store.record_import(report.import_id, ids, source)
        trigger = {"importId": report.import_id, "imageCount": len(report.images)}
        self.s3.put_object(Bucket=self.bucket, Key=f"{imports_prefix(self.project)}{report.import_id}.json",
                           Body=json.dumps(trigger).encode(), ContentType="application/json")


def new_report(base_manifest: str) -> ImportReport:
    return ImportReport(import_id=record_id(), base_manifest=base_manifest)


def _place(where: str) -> tuple[str, int]:
    kind, _, number = where.partition(" ")
    return kind, int(number) if number.isdigit() else 0
