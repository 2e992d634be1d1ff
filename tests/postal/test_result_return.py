"""Sending the result by post (QĐ 45/2016 Art. 9) and the dispatch hand-over record."""

from __future__ import annotations

import pytest

from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.dossiers.models import ResultChannel
from motcua.postal import selectors, services
from motcua.postal.models import (
    Direction,
    HandoverItem,
    HandoverRecord,
    OrderStatus,
    PostalArrangement,
    PostalOrder,
    SyncState,
)

from .conftest import at


@pytest.fixture
def resolved(world, clock):
    dossier = world.register(applicant=world.applicant(address="Xóm 4, xã Thạch Hạ, Hà Tĩnh"))
    return world.resolve(dossier)


def test_the_result_goes_to_the_applicant_address_by_default(world, resolved):
    assert list(selectors.dossiers_awaiting_postal_return(world.reception)) == [resolved]
    order = services.postal_result_send(dossier=resolved, actor=world.reception)
    assert order.direction == Direction.OUTBOUND and order.dossier == resolved
    assert (order.recipient_name, order.recipient_address) == ("Nguyễn Văn An", "Xóm 4, xã Thạch Hạ, Hà Tĩnh")
    assert order.sender_name == world.center.name and order.sender_address == world.center.address
    assert order.contents.startswith(f"Kết quả giải quyết hồ sơ {resolved.code}: Kết quả giải quyết")
    assert (order.status, order.sync_state) == (OrderStatus.CREATED, SyncState.QUEUED)
    arrangement = PostalArrangement.objects.get(dossier=resolved)
    assert arrangement.return_address == "Xóm 4, xã Thạch Hạ, Hà Tĩnh"
    assert not selectors.dossiers_awaiting_postal_return(world.reception).exists()
    resolved.refresh_from_db()
    # sent before the appointment: the applicant is told of the early return now
    assert resolved.early_return_notified_at is not None
    with pytest.raises(Conflict):
        services.postal_result_send(dossier=resolved, actor=world.reception2)


def test_the_arrangement_address_wins_and_the_officer_may_give_another(world, resolved):
    services.postal_arrangement_set_return(
        dossier=resolved,
        actor=world.reception,
        recipient_name="Lê Thị Bình",
        recipient_phone="0987654321",
        return_address="Số 9 Hà Huy Tập",
    )
    order = services.postal_result_send(dossier=resolved, actor=world.reception)
    assert (order.recipient_name, order.recipient_phone, order.recipient_address) == (
        "Lê Thị Bình",
        "0987654321",
        "Số 9 Hà Huy Tập",
    )
    services.postal_order_cancel(order=order, actor=world.reception, reason="Sai địa chỉ")
    order = services.postal_result_send(
        dossier=resolved, actor=world.reception, recipient_address="Số 10 Hà Huy Tập"
    )
    assert order.recipient_address == "Số 10 Hà Huy Tập"
    assert PostalOrder.objects.filter(dossier=resolved).count() == 2


def test_sending_the_result_by_post_needs_the_right_dossier_and_officer(world, clock):
    dossier = world.register()
    with pytest.raises(ValidationFailed) as error:
        services.postal_result_send(dossier=dossier, actor=world.reception)
    assert error.value.code == "not_resolved"
    counter = world.resolve(world.register(result_channel=ResultChannel.COUNTER))
    with pytest.raises(ValidationFailed) as error:
        services.postal_result_send(dossier=counter, actor=world.reception)
    assert error.value.code == "not_postal_return"
    resolved = world.resolve(dossier)
    for actor in (world.outsider, world.leader, world.citizen):
        with pytest.raises(PermissionDenied):
            services.postal_result_send(dossier=resolved, actor=actor)
    with pytest.raises(Conflict):
        services.postal_result_send(dossier=resolved, actor=world.reception, revision=resolved.revision - 1)
    assert not PostalOrder.objects.exists()


def test_the_dispatch_record_hands_results_to_the_post(world, resolved, clock):
    order = services.postal_result_send(dossier=resolved, actor=world.reception)
    record = services.postal_handover_create(
        actor=world.reception,
        agency=world.center,
        postal_staff_name="Trần Thị Bưu",
        kind=HandoverRecord.Kind.DISPATCH,
    )
    with pytest.raises(ValidationFailed):  # a new dossier does not go on a dispatch record
        services.postal_handover_add_item(
            record=record, actor=world.reception, slip_number="EB1", arrangement=world.request_pickup()
        )
    other = world.resolve(world.register())
    with pytest.raises(ValidationFailed) as error:
        services.postal_handover_add_item(
            record=record,
            actor=world.reception,
            slip_number="EB2",
            kind=HandoverItem.Kind.RESULT,
            dossier=other,
        )
    assert error.value.code == "no_outbound_order"
    item = services.postal_handover_add_item(
        record=record,
        actor=world.reception,
        slip_number="EB000000017VN",
        kind=HandoverItem.Kind.RESULT,
        dossier=resolved,
    )
    assert item.order == order
    clock.move_to(at(2, 15))
    services.postal_handover_sign(record=record, actor=world.reception, signed_at=at(2, 14, 50))
    order.refresh_from_db()
    assert (order.status, order.slip_number, order.status_changed_at) == (
        OrderStatus.PICKED_UP,
        "EB000000017VN",
        at(2, 14, 50),
    )
    assert order.sync_state == SyncState.QUEUED  # the operator must still hear of it, to track it
    with pytest.raises(Conflict):
        services.postal_order_cancel(order=order, actor=world.reception)


def test_a_dispatch_item_must_carry_the_slip_of_its_order(world, resolved):
    order = services.postal_result_send(dossier=resolved, actor=world.reception)
    PostalOrder.objects.filter(pk=order.pk).update(slip_number="EB000000017VN")
    record = services.postal_handover_create(
        actor=world.reception,
        agency=world.center,
        postal_staff_name="Trần Thị Bưu",
        kind=HandoverRecord.Kind.DISPATCH,
    )
    with pytest.raises(ValidationFailed) as error:
        services.postal_handover_add_item(
            record=record,
            actor=world.reception,
            slip_number="EB999",
            kind=HandoverItem.Kind.RESULT,
            dossier=resolved,
        )
    assert error.value.code == "slip_mismatch"


def test_an_inbound_booking_never_sent_is_closed_when_the_package_is_handed_over(world, clock):
    arrangement = world.request_pickup()
    world.receive_by_post(arrangement, slip="EB55", signed_at=at(2, 8))
    order = arrangement.orders.get()
    assert (order.status, order.sync_state, order.slip_number) == (
        OrderStatus.DELIVERED,
        SyncState.SENT,
        "EB55",
    )
    assert services.postal_send_queued() == services.SendStats()
