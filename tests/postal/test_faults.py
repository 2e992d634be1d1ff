"""The operator goes down under traffic: orders keep coming from several threads, several senders work the
queue, the sandbox is stopped for a while and started again on the same port. No order is lost or doubled.

On PostgreSQL the threads really run side by side (the senders claim rows with SKIP LOCKED); SQLite takes one
writer at a time, so there each database call holds one lock (the HTTP calls of the senders still overlap
with the operator going down and coming back).
"""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.db import connection

from motcua.postal import services
from motcua.postal.models import PostalOrder, SyncState

CITIZEN_THREADS, ORDERS_PER_THREAD, SENDER_THREADS = 4, 15, 3


@pytest.mark.django_db(transaction=True)
def test_stopping_the_operator_under_traffic_loses_and_doubles_nothing(world, post_sandbox, postal_settings):
    postal_settings.MOTCUA_POSTAL_BATCH_SIZE = 5
    serial = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    citizens = [world.citizen, world.other_citizen, world.citizen, world.other_citizen]
    errors: list[BaseException] = []
    stop_senders = threading.Event()

    def citizen(actor):
        try:
            for _n in range(ORDERS_PER_THREAD):
                with serial:
                    world.request_pickup(actor=actor)
                time.sleep(0.01)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def sender():
        try:
            while not stop_senders.is_set():
                with serial:
                    services.postal_send_queued()
                time.sleep(0.005)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=citizen, args=(actor,)) for actor in citizens]
    senders = [threading.Thread(target=sender) for _ in range(SENDER_THREADS)]
    for thread in threads + senders:
        thread.start()
    # let some orders go out, then take the operator down while orders keep coming
    deadline = time.monotonic() + 20
    while len(post_sandbox.orders) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    port = post_sandbox.port
    post_sandbox.stop()
    time.sleep(1.0)
    with serial:
        still_queued = PostalOrder.objects.exclude(sync_state=SyncState.SENT).count()
    post_sandbox.start()
    assert post_sandbox.port == port
    for thread in threads:
        thread.join(60)
    total = CITIZEN_THREADS * ORDERS_PER_THREAD
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with serial:
            if PostalOrder.objects.filter(sync_state=SyncState.SENT).count() == total:
                break
        time.sleep(0.05)
    stop_senders.set()
    for thread in senders:
        thread.join(30)

    assert not errors, errors
    assert still_queued > 0  # orders made while the operator was down waited in the queue
    orders = list(PostalOrder.objects.all())
    assert len(orders) == total
    assert all(order.sync_state == SyncState.SENT for order in orders)
    slips = [order.slip_number for order in orders]
    assert all(slips) and len(set(slips)) == total
    remote = {order["reference"]: order["slip_number"] for order in post_sandbox.orders}
    assert len(post_sandbox.orders) == total  # no order booked twice at the operator
    assert remote == {order.reference: order.slip_number for order in orders}
    retried = [order for order in orders if order.attempts > 1]
    assert retried, "some orders must have waited for the operator"
