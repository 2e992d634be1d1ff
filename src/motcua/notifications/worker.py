"""The outbox worker: claim due messages, deliver them, record the outcome; forever, once, or in a thread.

Run it as ``motcua worker`` (one process per host or more; PostgreSQL lets them share the queue) or, in the
embedded default, as a daemon thread inside the web process (``start_worker_thread``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection

from motcua.core.jobs import run_due_jobs

from . import channels
from .channels import DeliveryError, mask_email, mask_phone, redact_secrets
from .models import OutboxMessage
from .services import outbox_claim_due, outbox_record_failure, outbox_record_sent, outbox_release_stale
from .wakeup import wait_for_work, wake_workers
from .watch import run_overdue_watch_if_due

logger = logging.getLogger("motcua.notifications.worker")


@dataclass
class WorkerStats:
    sent: int = 0
    retried: int = 0
    dead: int = 0

    def add(self, other: WorkerStats) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.dead


def deliver_due(*, limit: int | None = None) -> WorkerStats:
    """Claim and deliver one batch of due messages."""
    stats = WorkerStats()
    for message in outbox_claim_due(limit=limit or settings.MOTCUA_WORKER_BATCH_SIZE):
        _deliver_one(message, stats)
    return stats


def _deliver_one(message: OutboxMessage, stats: WorkerStats) -> None:
    permanent = False
    try:
        external_id = channels.deliver(message)
    except DeliveryError as exc:
        error, permanent = str(exc), exc.permanent
    except Exception as exc:  # a bug in one channel must not stop the queue; the message is retried
        error = f"{type(exc).__name__}: {exc}"
        logger.error("outbox message %s: unexpected error in the %s channel", message.pk, message.channel)
    else:
        if outbox_record_sent(message=message, external_id=external_id):
            stats.sent += 1
            logger.info("outbox message %s sent by %s to %s", message.pk, message.channel, _masked(message))
        else:
            logger.warning("outbox message %s sent, but its claim had expired", message.pk)
        return
    if not outbox_record_failure(message=message, error=error, permanent=permanent):
        logger.warning("outbox message %s failed, but its claim had expired", message.pk)
        return
    if message.status == OutboxMessage.Status.FAILED:
        stats.dead += 1
        logger.error(
            "outbox message %s to %s failed after %s attempt(s), moved to dead letters: %s",
            message.pk,
            _masked(message),
            message.attempts,
            message.last_error,
        )
    else:
        stats.retried += 1
        logger.warning(
            "outbox message %s to %s failed (attempt %s), next try at %s: %s",
            message.pk,
            _masked(message),
            message.attempts,
            message.next_attempt_at.isoformat(),
            message.last_error,
        )


def _masked(message: OutboxMessage) -> str:
    if message.channel == OutboxMessage.Channel.SMS:
        return mask_phone(message.recipient)
    if message.channel == OutboxMessage.Channel.EMAIL:
        return mask_email(message.recipient)
    return message.recipient


def run_worker(
    *,
    once: bool = False,
    max_seconds: float | None = None,
    stop: threading.Event | None = None,
    poll_seconds: float | None = None,
) -> WorkerStats:
    """Deliver due messages until stopped.

    ``once``: deliver everything due now, then return. ``max_seconds``: return after about that long.
    ``stop``: return when set. Between empty polls the loop sleeps ``poll_seconds`` (or until woken).
    """
    stop = stop or threading.Event()
    poll_seconds = settings.MOTCUA_WORKER_POLL_SECONDS if poll_seconds is None else poll_seconds
    deadline = time.monotonic() + max_seconds if max_seconds is not None else None
    batch_size = settings.MOTCUA_WORKER_BATCH_SIZE
    total = WorkerStats()
    while not stop.is_set():
        if not connection.in_atomic_block:  # (the caller's transaction, e.g. a test, is left alone)
            close_old_connections()  # drop a broken or expired connection, as Django does per request
        try:
            outbox_release_stale()
            if not once:  # (``--once`` is cron style: cron runs ``motcua overdue-watch`` itself)
                run_overdue_watch_if_due()
                run_due_jobs()  # the apps' periodic jobs (core.jobs)
            batch = deliver_due(limit=batch_size)
        except Exception as exc:  # e.g. the database is briefly unavailable: log, wait, go on
            logger.error("outbox worker poll failed: %s", redact_secrets(f"{type(exc).__name__}: {exc}"))
            batch = WorkerStats()
            if once:
                raise
        total.add(batch)
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            break
        if batch.handled >= batch_size:
            continue  # more may be waiting
        if once:
            break
        wait_for_work(poll_seconds if remaining is None else min(poll_seconds, remaining))
    return total


class WorkerThread(threading.Thread):
    """The worker as a daemon thread of the web process (the embedded default)."""

    def __init__(self, *, poll_seconds: float | None = None):
        super().__init__(name="motcua-outbox-worker", daemon=True)
        self.poll_seconds = poll_seconds
        self._stop_requested = threading.Event()

    def run(self) -> None:
        logger.info("outbox worker thread started")
        try:
            run_worker(stop=self._stop_requested, poll_seconds=self.poll_seconds)
        finally:
            connection.close()
            logger.info("outbox worker thread stopped")

    def stop(self, timeout: float | None = 10) -> None:
        self._stop_requested.set()
        wake_workers()
        self.join(timeout)


_thread: WorkerThread | None = None
_thread_lock = threading.Lock()


def start_worker_thread(*, poll_seconds: float | None = None) -> WorkerThread:
    """Start the in-process worker thread, or return the one already running in this process."""
    global _thread
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = WorkerThread(poll_seconds=poll_seconds)
            _thread.start()
        return _thread
