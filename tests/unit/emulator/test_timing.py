"""Background work and delays: pollers see every intermediate status; training never holds up the rest."""

from __future__ import annotations

import threading

import pytest

from local.emulator.scheduler import BackgroundScheduler
from local.emulator.settings import DelayClock, Delays, ServiceSettings
from tests.fixtures.local_aws import wait_until
from tests.unit.emulator.conftest import manifest_source
from tests.unit.emulator.test_lifecycle import OUTPUT, dataset_status, version


def test_quick_work_runs_while_every_training_worker_is_busy():
    scheduler = BackgroundScheduler()
    release = threading.Event()
    done = threading.Event()
    try:
        for _ in range(8):  # more trainings than long-lane workers
            scheduler.submit(0, release.wait, "long")
        scheduler.submit(0, done.set)
        assert done.wait(30)  # the long lane stays blocked until `release`
    finally:
        release.set()
        scheduler.shutdown()


def test_a_delayed_job_holds_no_worker():
    scheduler = BackgroundScheduler({"quick": 1, "long": 1})
    done = threading.Event()
    try:
        scheduler.submit(30, lambda: None)  # waits on the timer, not on the only worker
        scheduler.submit(0, done.set)
        assert done.wait(5)
    finally:
        scheduler.shutdown()


def test_fast_preset_keeps_every_in_progress_status_for_the_minimum():
    fast = Delays.named("fast", minimum=0.5)
    clock = DelayClock(fast, seed=1)
    for kind in ("dataset", "training", "starting", "stopping", "deleting", "copying"):
        assert clock.seconds(kind) == 0.5


def test_realistic_delays_are_seeded_ranges_and_training_grows_with_images():
    realistic = Delays.named("realistic")
    first, second = DelayClock(realistic, seed=7), DelayClock(realistic, seed=7)
    draws = [first.seconds(kind) for kind in ("dataset", "starting", "stopping", "copying")]
    assert draws == [second.seconds(kind) for kind in ("dataset", "starting", "stopping", "copying")]
    low, high = realistic.starting
    assert all(low <= DelayClock(realistic, seed).seconds("starting") <= high for seed in range(20))
    assert DelayClock(realistic, 3).seconds("training", images=5000) > DelayClock(realistic, 3).seconds(
        "training", images=0
    )
    assert len({DelayClock(realistic, seed).seconds("starting") for seed in range(5)}) > 1


def test_bad_preset_is_explained():
    with pytest.raises(ValueError, match="fast, realistic"):
        Delays.named("slow")


class TestFastMode:
    @pytest.fixture
    def service_settings(self) -> ServiceSettings:
        return ServiceSettings(delays=Delays.named("fast", minimum=0.6))

    def test_a_poller_sees_starting_and_stopping(self, local_client, digits):
        rekognition = local_client("rekognition")
        project = rekognition.create_project(ProjectName="digits")["ProjectArn"]
        for dataset_type in ("TRAIN", "TEST"):
            arn = rekognition.create_dataset(
                ProjectArn=project,
                DatasetType=dataset_type,
                DatasetSource=manifest_source(digits[dataset_type.lower()]),
            )["DatasetArn"]
            assert dataset_status(rekognition, arn) == "CREATE_IN_PROGRESS"
            wait_until(lambda arn=arn: dataset_status(rekognition, arn), lambda s: s == "CREATE_COMPLETE")
        arn = rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUTPUT)[
            "ProjectVersionArn"
        ]
        seen: list[str] = []

        def status() -> str:
            seen.append(version(rekognition, project)["Status"])
            return seen[-1]

        wait_until(status, lambda s: s == "TRAINING_COMPLETED", interval=0.2)
        rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
        wait_until(status, lambda s: s == "RUNNING", interval=0.2)
        rekognition.stop_project_version(ProjectVersionArn=arn)
        wait_until(status, lambda s: s == "STOPPED", interval=0.2)
        assert "STARTING" in seen and "STOPPING" in seen
