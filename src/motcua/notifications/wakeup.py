"""Wakes in-process worker threads as soon as a message is committed, instead of at their next poll."""

from __future__ import annotations

import threading

_work_arrived = threading.Event()


def wake_workers() -> None:
    _work_arrived.set()


def wait_for_work(timeout: float) -> None:
    """Sleep up to ``timeout`` seconds, returning early when ``wake_workers`` is called."""
    if _work_arrived.wait(timeout):
        _work_arrived.clear()
