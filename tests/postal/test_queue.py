"""Orders leave through a queue: written with the order, sent by a periodic job, retried while the operator is
down, never doubled."""

from __future__ import annotations

import pytest
from django.db import transaction

from motcua.core.errors import Conflict, PermissionDenied
from motcua.core.jobs import registered_jobs
from motcua.postal import services
from motcua.postal.models import OrderStatus, PostalEvent, PostalOrder, SyncAction, SyncState


def _order(world, **overrides) -> PostalOrder:
    return world.request_pickup(**overrides).orders.get()


def test_the_jobs_are_registered():
    assert {"postal.send_queued", "postal.refresh_tracking"} <= set(registered_jobs())


def test_an_order_rolled_back_with_its_transaction_is_never_sent(world, post_sandbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        world.request_pickup()
        raise RuntimeError("the caller fails after booking")
    assert not PostalOrder.objects.exists()
    assert services.postal_send_queued() == services.SendStats()
    assert post_sandbox.orders == []


def test_the_job_sends_queued_orders_and_records_the_slip(world, post_sandbox):
    order = _order(world)
    stats = services.postal_send_queued()
    assert stats == services.SendStats(sent=1)
    order.refresh_from_db()
    remote = post_sandbox.order(order.reference)
    assert order.slip_number == remote["slip_number"]
    assert (order.status, order.sync_state, order.attempts, order.postage) == (
        OrderStatus.ACCEPTED,
        SyncState.SENT,
        1,
        25000,
    )
    assert remote["direction"] == "inbound"
    assert remote["sender"]["address"].startswith("Số 5 Phan Đình Phùng")
    assert remote["callback_url"] == "http://127.0.0.1:9/api/v1/postal/webhook"
    assert services.postal_send_queued() == services.SendStats()  # nothing left
    assert PostalEvent.objects.filter(order=order, action="order_sent").count() == 1


def test_with_no_provider_orders_wait_in_the_queue(world, postal_settings):
    postal_settings.MOTCUA_POSTAL_PROVIDER = ""
    order = _order(world)
    assert services.postal_send_queued() == services.SendStats()
    order.refresh_from_db()
    assert (order.sync_state, order.attempts) == (SyncState.QUEUED, 0)


def test_while_the_operator_is_down_orders_stay_queued_and_go_out_when_it_returns(world, post_sandbox, clock):
    post_sandbox.stop()
    orders = [_order(world), _order(world, actor=world.other_citizen)]
    for _run in range(3):
        stats = services.postal_send_queued()
        assert stats == services.SendStats(retried=2)
    for order in orders:
        order.refresh_from_db()
        assert (order.sync_state, order.attempts, order.slip_number) == (SyncState.QUEUED, 3, "")
        assert "Không kết nối được" in order.last_error
        # one audit row for the outage, not one per attempt
        assert PostalEvent.objects.filter(order=order, action="order_send_delayed").count() == 1
    post_sandbox.start()
    assert services.postal_send_queued() == services.SendStats(sent=2)
    assert len(post_sandbox.orders) == 2
    for order in orders:
        order.refresh_from_db()
        assert order.sync_state == SyncState.SENT and order.slip_number


def test_backoff_waits_longer_after_each_failure(world, post_sandbox, postal_settings, clock):
    postal_settings.MOTCUA_POSTAL_BACKOFF_SECONDS = 10
    postal_settings.MOTCUA_POSTAL_BACKOFF_MAX_SECONDS = 600
    post_sandbox.fail_next(10)
    order = _order(world)
    delays = []
    for _run in range(3):
        services.postal_send_queued()
        order.refresh_from_db()
        delays.append((order.next_attempt_at - order.updated_at).total_seconds())
        assert services.postal_send_queued() == services.SendStats()  # not due yet
        clock.shift(order.next_attempt_at - order.updated_at)
    assert 8 <= delays[0] <= 12 and 16 <= delays[1] <= 24 and 32 <= delays[2] <= 48


def test_an_answer_lost_on_the_way_back_does_not_double_the_order(world, post_sandbox):
    order = _order(world)
    services.postal_send_queued()
    order.refresh_from_db()
    slip = order.slip_number
    # as if the worker had died before recording the answer: the same request goes out again
    PostalOrder.objects.filter(pk=order.pk).update(
        sync_state=SyncState.QUEUED, slip_number="", next_attempt_at=order.created_at
    )
    assert services.postal_send_queued() == services.SendStats(sent=1)
    order.refresh_from_db()
    assert order.slip_number == slip
    assert len(post_sandbox.orders) == 1


def test_a_request_claimed_by_a_worker_that_died_goes_back_to_the_queue(
    world, post_sandbox, postal_settings, clock
):
    order = _order(world)
    PostalOrder.objects.filter(pk=order.pk).update(
        sync_state=SyncState.SENDING, claim_token="dead", claimed_at=order.created_at
    )
    assert services.postal_send_queued() == services.SendStats()
    clock.shift(postal_settings.MOTCUA_POSTAL_CLAIM_TIMEOUT_SECONDS + 1)
    assert services.postal_send_queued() == services.SendStats(sent=1)


def test_a_refused_request_fails_for_staff_to_retry(world, post_sandbox):
    order = _order(world)
    post_sandbox.fail_next(1, status=422)
    assert services.postal_send_queued() == services.SendStats(failed=1)
    order.refresh_from_db()
    assert order.sync_state == SyncState.FAILED and "422" in order.last_error
    assert services.postal_send_queued() == services.SendStats()  # not retried by itself
    with pytest.raises(PermissionDenied):
        services.postal_order_retry(order=order, actor=world.citizen)
    order = services.postal_order_retry(order=order, actor=world.reception)
    assert (order.sync_state, order.attempts) == (SyncState.QUEUED, 0)
    with pytest.raises(Conflict):
        services.postal_order_retry(order=order, actor=world.reception)
    assert services.postal_send_queued() == services.SendStats(sent=1)


def test_the_api_key_is_never_written_to_the_order_or_the_log(world, post_sandbox, postal_settings, caplog):
    postal_settings.MOTCUA_POSTAL_API_KEY = "wrong-key-should-not-leak"
    order = _order(world)
    services.postal_send_queued()
    order.refresh_from_db()
    assert order.sync_state == SyncState.FAILED and "401" in order.last_error
    assert "wrong-key-should-not-leak" not in order.last_error
    assert "wrong-key-should-not-leak" not in caplog.text


def test_cancelling_a_sent_order_tells_the_operator(world, post_sandbox):
    order = _order(world)
    services.postal_send_queued()
    order = services.postal_order_cancel(order=order, actor=world.reception, reason="Người dân tự nộp")
    assert (order.sync_action, order.sync_state, order.status) == (
        SyncAction.CANCEL,
        SyncState.QUEUED,
        OrderStatus.ACCEPTED,
    )
    assert services.postal_send_queued() == services.SendStats(sent=1)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert post_sandbox.order(order.reference)["status"] == "cancelled"


def test_a_cancel_refused_because_the_post_already_picked_up_is_shown_to_staff(world, post_sandbox):
    from motcua.postal.selectors import orders_needing_attention

    order = _order(world)
    services.postal_send_queued()
    order = services.postal_order_cancel(order=order, actor=world.reception)
    post_sandbox.advance(order.reference, "picked_up")
    assert services.postal_send_queued() == services.SendStats(failed=1)
    order.refresh_from_db()
    assert order.sync_state == SyncState.FAILED and "not_cancellable" in order.last_error
    assert order.status == OrderStatus.ACCEPTED
    assert list(orders_needing_attention(world.reception)) == [order]
    assert not orders_needing_attention(world.outsider).exists()
