"""Each resource's table of status transitions: the legal ones go through, anything else is refused."""

from __future__ import annotations

import pytest

from local.emulator.datasets import Dataset
from local.emulator.lifecycle import IllegalTransition, transition
from local.emulator.projects import Project
from local.emulator.versions import ProjectVersion

RESOURCES = {
    "project": lambda status: Project("arn", "p", status=status),
    "dataset": lambda status: Dataset("arn", "TRAIN", "project", status=status),
    "version": lambda status: ProjectVersion("arn", "v", "project", {"S3Bucket": "b"}, status=status),
}
TABLES = {
    "project": Project.TRANSITIONS,
    "dataset": Dataset.TRANSITIONS,
    "version": ProjectVersion.TRANSITIONS,
}


def pairs(kind: str, legal: bool) -> list[tuple[str, str, str]]:
    table = TABLES[kind]
    statuses = set(table) | set().union(*table.values())
    return [
        (kind, old, new)
        for old in sorted(statuses)
        for new in sorted(statuses)
        if (new in table.get(old, frozenset())) == legal
    ]


@pytest.mark.parametrize(("kind", "old", "new"), [p for kind in TABLES for p in pairs(kind, legal=True)])
def test_every_legal_transition_goes_through(kind, old, new):
    resource = RESOURCES[kind](old)
    transition(resource, new)
    assert resource.status == new


@pytest.mark.parametrize(("kind", "old", "new"), [p for kind in TABLES for p in pairs(kind, legal=False)])
def test_every_other_transition_is_refused(kind, old, new):
    resource = RESOURCES[kind](old)
    with pytest.raises(IllegalTransition, match=f"from {old} to {new}"):
        transition(resource, new)
    assert resource.status == old


def test_set_status_goes_through_the_table():
    running = ProjectVersion("arn", "v", "project", {"S3Bucket": "b"}, status="RUNNING")
    with pytest.raises(IllegalTransition):
        running.set_status("DELETING")  # a running model must be stopped first
    dataset = Dataset("arn", "TRAIN", "project")
    dataset.set_status("CREATE_COMPLETE", "done")
    with pytest.raises(IllegalTransition):
        dataset.set_status("CREATE_IN_PROGRESS", "again")


def test_a_model_walks_train_start_stop_delete_and_a_copy_walks_copy_start():
    trained = ProjectVersion("arn", "v", "project", {"S3Bucket": "b"})
    for status in ("TRAINING_COMPLETED", "STARTING", "RUNNING", "STOPPING", "STOPPED", "STARTING", "FAILED"):
        trained.set_status(status)
    trained.set_status("DELETING")
    copied = ProjectVersion("arn", "c", "project", {"S3Bucket": "b"}, status="COPYING_IN_PROGRESS")
    for status in ("COPYING_COMPLETED", "STARTING", "RUNNING"):
        copied.set_status(status)
    assert copied.status_message == "The model is running."
