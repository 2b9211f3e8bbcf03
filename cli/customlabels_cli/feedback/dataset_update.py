"""``feedback import --dataset``: the corrected lines into the project's TRAIN dataset with
UpdateDatasetEntries, in requests under the API's 5 MB ``Changes`` limit (spec 06), one after the other
(a dataset takes no update while it is UPDATE_IN_PROGRESS)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from customlabels.manifest.builders import to_json_line
from customlabels_cli.support.errors import CliError

MAX_CHANGES_BYTES = 5 * 1024 * 1024 - 1024  # under 5 MB, with room to spare
POLL_SECONDS = 1.0
MAX_POLLS = 1800


def chunks(lines: list[dict[str, Any]], limit: int = MAX_CHANGES_BYTES) -> Iterator[str]:
    """JSON Lines blobs, each under ``limit`` bytes; a line is never split."""
    batch: list[str] = []
    size = 0
    for line in lines:
        text = to_json_line(line) + "\n"
        length = len(text.encode())
        if length >= limit:
            raise CliError(f"one manifest line is {length} bytes, over the UpdateDatasetEntries limit",
                           "shorten the line (fewer boxes or shorter metadata)")
        if batch and size + length >= limit:
            yield "".join(batch)
            batch, size = [], 0
        batch.append(text)
        size += length
    if batch:
        yield "".join(batch)


def train_dataset_arn(rekognition: Any, project: str) -> str:
    projects = rekognition.describe_projects(ProjectNames=[project])["ProjectDescriptions"]
    datasets = [d for p in projects for d in p.get("Datasets", []) if d.get("DatasetType") == "TRAIN"]
    if not datasets:
        raise CliError(f"project {project} has no TRAIN dataset",
                       "train once with the pipeline (customlabels train), or import without --dataset")
    return datasets[0]["DatasetArn"]


def _wait_until_updated(rekognition: Any, arn: str, sleep: Callable[[float], None]) -> None:
    for _ in range(MAX_POLLS):
        description = rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
        status = description["Status"]
        if status == "UPDATE_FAILED":
            raise CliError(f"UpdateDatasetEntries failed: {description.get('StatusMessage', '')}",
                           "fix the lines the message names and import again")
        if status.endswith("_COMPLETE"):
            return
        sleep(POLL_SECONDS)
    raise CliError(f"dataset {arn} is still {status}", "look at it with aws rekognition describe-dataset")


def update_train_dataset(
    rekognition: Any, project: str, lines: list[dict[str, Any]], sleep: Callable[[float], None] = time.sleep
) -> int:
    """Send the lines; returns the number of requests made."""
    arn = train_dataset_arn(rekognition, project)
    requests = 0
    for blob in chunks(lines):
        _wait_until_updated(rekognition, arn, sleep)
        rekognition.update_dataset_entries(DatasetArn=arn, Changes={"GroundTruth": blob.encode()})
        requests += 1
    _wait_until_updated(rekognition, arn, sleep)
    return requests
