"""Runs the service's asynchronous work: in background threads after a delay, or on demand in tests.

Jobs wait for their delay on one timer thread (a waiting job holds no worker), then run in their lane:
`quick` (status changes, dataset imports, copies) or `long` (training). A lane's workers are its own,
so four trainings never delay a dataset import or a model start.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

LOG = logging.getLogger(__name__)
Job = Callable[[], None]
Lane = Literal["quick", "long"]
LANE_WORKERS: dict[Lane, int] = {"quick": 8, "long": 4}


class BackgroundScheduler:
    """Each job runs on a worker of its lane once its delay has passed; errors are logged, never lost."""

    def __init__(self, workers: dict[Lane, int] | None = None) -> None:
        sizes = workers or LANE_WORKERS
        self._pools = {
            lane: ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"customlabels-{lane}")
            for lane, size in sizes.items()
        }
        self._due: list[tuple[float, int, Lane, Job]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._timer: threading.Thread | None = None  # started by the first job

    def submit(self, delay: float, job: Job, lane: Lane = "quick") -> None:
        with self._wake:
            if self._timer is None:
                self._timer = threading.Thread(target=self._dispatch, name="customlabels-timer", daemon=True)
                self._timer.start()
            heapq.heappush(self._due, (time.monotonic() + max(delay, 0.0), next(self._order), lane, job))
            self._wake.notify()

    def _dispatch(self) -> None:
        with self._wake:
            while not self._stopping:
                if not self._due:
                    self._wake.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                _, _, lane, job = heapq.heappop(self._due)
                self._pools[lane].submit(self._run, job)

    @staticmethod
    def _run(job: Job) -> None:
        try:
            job()
        except Exception:
            LOG.exception("background job of the Custom Labels service failed")

    def shutdown(self) -> None:
        with self._wake:
            self._stopping = True
            self._due.clear()
            self._wake.notify()
        if self._timer is not None:
            self._timer.join()
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=True)


class ManualScheduler:
    """Holds jobs until `run_pending()`, so tests can observe every intermediate status."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []

    def submit(self, delay: float, job: Job, lane: Lane = "quick") -> None:
        self._jobs.append(job)

    def run_pending(self) -> int:
        ran = 0
        while self._jobs:
            self._jobs.pop(0)()
            ran += 1
        return ran

    def shutdown(self) -> None:
        self._jobs.clear()
