"""Several workers on one queue: every message is claimed by exactly one of them."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from motcua.notifications.services import outbox_claim_due

from .support import enqueue


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_the_same_message():
    for n in range(60):
        enqueue(key=f"conc-{n}")
    start = threading.Barrier(4)
    claimed: list[list[int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        try:
            start.wait()
            mine = []
            while batch := outbox_claim_due(limit=7):
                mine.extend(m.pk for m in batch)
            with lock:
                claimed.append(mine)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    every = [pk for mine in claimed for pk in mine]
    assert len(every) == 60
    assert len(set(every)) == 60
