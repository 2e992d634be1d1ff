"""Periodic jobs run by the outbox worker: apps register them in ``AppConfig.ready()``.

    register_periodic_job("payments.query_pending", every_seconds=300, run=query_pending_transactions)

``run_due_jobs()`` is called on every poll of ``motcua worker`` (and of the worker thread of ``motcua up``);
it runs each job whose interval has passed since this process last ran it. A job that raises is logged and
tried again at its next interval; jobs must be safe to run in several processes at once (lock rows, use
unique keys). ``every_seconds`` may be a callable reading the settings, so tests can change it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .logging import redact

logger = logging.getLogger("motcua.jobs")


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float | Callable[[], float]
    run: Callable[[], object]
    last_run: float | None = None

    def interval(self) -> float:
        value = self.every_seconds() if callable(self.every_seconds) else self.every_seconds
        return float(value)


_jobs: dict[str, PeriodicJob] = {}
_lock = threading.Lock()


def register_periodic_job(
    name: str, *, every_seconds: float | Callable[[], float], run: Callable[[], object]
):
    """Register (or replace) the job called ``name``; an interval of 0 or less turns it off."""
    with _lock:
        _jobs[name] = PeriodicJob(name=name, every_seconds=every_seconds, run=run)


def registered_jobs() -> list[str]:
    return sorted(_jobs)


def run_due_jobs(*, now: float | None = None) -> list[str]:
    """Run every job that is due in this process; returns the names of those that ran without error."""
    now = time.monotonic() if now is None else now
    due: list[PeriodicJob] = []
    with _lock:
        for job in _jobs.values():
            interval = job.interval()
            if interval <= 0:
                continue
            if job.last_run is None or now - job.last_run >= interval:
                job.last_run = now
                due.append(job)
    ran = []
    for job in due:
        try:
            job.run()
        except Exception as exc:  # one failing job must not stop the worker or the other jobs
            logger.error("periodic job %s failed: %s", job.name, redact(f"{type(exc).__name__}: {exc}"))
            continue
        ran.append(job.name)
    return ran
