"""The result of validating a training (and testing) manifest, and the three files the service writes."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from customlabels.manifest.codes import FileError
from customlabels.manifest.dataset import DatasetResult, empty_dataset
from customlabels.manifest.line import NOT_DETERMINED, Issue
from customlabels.manifest.source import ManifestFileError
from customlabels.s3uri import is_s3_uri, join_key, parse_s3_uri

SUMMARY_FILE = "manifest_summary.json"
TRAINING_FILE = "training_manifest_with_validation.json"
TESTING_FILE = "testing_manifest_with_validation.json"


def dataset_statistics(dataset: DatasetResult) -> dict:
    return {
        "use_case": dataset.use_case,
        "total_json_lines": dataset.total,
        "valid_json_lines": dataset.valid,
        "invalid_json_lines": dataset.invalid,
        "ignored_json_lines": dataset.ignored,
        "error_json_line_indices": dataset.error_line_numbers,
        "errors": [issue.entry() for issue in dataset.errors],
    }


@dataclass
class ValidationReport:
    training: DatasetResult = field(default_factory=lambda: empty_dataset("training"))
    testing: DatasetResult = field(default_factory=lambda: empty_dataset("testing"))
    errors: list[Issue] = field(default_factory=list)  # terminal errors spanning both datasets
    file_failure: ManifestFileError | None = None

    @property
    def file_error(self) -> str | None:
        return self.file_failure.error.value if self.file_failure else None

    @property
    def use_case(self) -> str:
        return self.training.use_case if self.file_failure is None else NOT_DETERMINED

    def terminal_issues(self) -> list[tuple[str, Issue]]:
        """(scope, issue) for every terminal content error: scope is training, testing or both."""
        return ([("training", issue) for issue in self.training.errors]
                + [("testing", issue) for issue in self.testing.errors]
                + [("both", issue) for issue in self.errors])

    @property
    def terminal_errors(self) -> list[str]:
        return [issue.code.name for _, issue in self.terminal_issues()]

    @property
    def can_train(self) -> bool:
        return self.file_failure is None and not self.terminal_issues()

    @property
    def status_message(self) -> str:
        """StatusMessage of a TRAINING_FAILED version for these errors ('' when training can proceed)."""
        if self.file_failure is not None:
            return self.file_failure.error.value
        return " ".join(dict.fromkeys(issue.message for _, issue in self.terminal_issues()))

    @property
    def summary(self) -> dict | None:
        """manifest_summary.json; None after a manifest-file error (the service writes no summary then)."""
        if self.file_failure is not None:
            return None
        return {
            "statistics": {"training": dataset_statistics(self.training),
                           "testing": dataset_statistics(self.testing)},
            "errors": [issue.entry() for issue in self.errors],
        }

    def validation_lines(self, dataset: str = "training") -> Iterator[str]:
        return (self.training if dataset == "training" else self.testing).validation_lines()

    def write(self, destination: str, s3=None) -> dict[str, str]:
        """Write the three files to a local directory or an s3:// prefix; return file name -> location."""
        if self.file_failure is not None:
            raise ValueError("a manifest-file error produces no validation files")
        files = {SUMMARY_FILE: None, TRAINING_FILE: self.training, TESTING_FILE: self.testing}
        summary = json.dumps(self.summary, indent=2, ensure_ascii=False).encode()
        try:
            if is_s3_uri(destination):
                return self._write_s3(destination, s3, files, summary)
            return _write_local(destination, files, summary)
        except (ClientError, BotoCoreError, OSError) as error:
            raise ManifestFileError(FileError.OUTPUT_NOT_WRITABLE, destination, str(error),
                                    unreadable=True) from error

    def _write_s3(self, destination: str, s3, files: dict, summary: bytes) -> dict[str, str]:
        if s3 is None:
            import boto3

            s3 = boto3.client("s3")
        prefix = parse_s3_uri(destination, require_key=False)
        locations = {}
        for name, dataset in files.items():
            key = join_key(prefix.key, name)
            body = io.BytesIO(summary) if dataset is None else _spooled_bytes(dataset)
            s3.put_object(Bucket=prefix.bucket, Key=key, Body=body)  # upload_fileobj would close the spool
            locations[name] = f"s3://{prefix.bucket}/{key}"
        return locations

    def close(self) -> None:
        self.training.close()
        self.testing.close()

    def __enter__(self) -> ValidationReport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _spooled_bytes(dataset: DatasetResult):
    spool = dataset._spool
    if spool is None:
        return io.BytesIO(b"")
    spool.flush()
    spool.buffer.seek(0)
    return spool.buffer


def _write_local(directory: str, files: dict, summary: bytes) -> dict[str, str]:
    os.makedirs(directory, exist_ok=True)
    locations = {}
    for name, dataset in files.items():
        path = os.path.join(directory, name)
        source = io.BytesIO(summary) if dataset is None else _spooled_bytes(dataset)
        with open(path, "wb") as out:
            shutil.copyfileobj(source, out)
        locations[name] = path
    return locations
