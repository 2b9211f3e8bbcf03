"""Runs the service's asynchronous work: in background threads after a delay, or on demand in tests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

LOG = logging.getLogger(__name__)
Job = Callable[[], None]


class BackgroundScheduler:
    """Each job runs on a worker thread once its delay has passed; errors are logged, never lost silently."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="customlabels")
        self._stopping = threading.Event()

    def submit(self, delay: float, job: Job) -> None:
        self._pool.submit(self._run, delay, job)

    def _run(self, delay: float, job: Job) -> None:
        if delay > 0 and self._stopping.wait(delay):
            return
        try:
            job()
        except Exception:
            LOG.exception("background job of the Custom Labels service failed")

    def shutdown(self) -> None:
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


class ManualScheduler:
    """Holds jobs until `run_pending()`, so tests can observe every intermediate status."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []

    def submit(self, delay: float, job: Job) -> None:
        self._jobs.append(job)

    def run_pending(self) -> int:
        ran = 0
        while self._jobs:
            self._jobs.pop(0)()
            ran += 1
        return ran

    def shutdown(self) -> None:
        self._jobs.clear()
