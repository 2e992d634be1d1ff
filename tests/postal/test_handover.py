"""The hand-over record (biên bản giao nhận, QĐ 45/2016 Art. 7): its signature is the legal submission time."""

from __future__ import annotations

import pytest

from motcua.catalog.models import Channel
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import ResultChannel
from motcua.dossiers.workflow import DossierStatus
from motcua.postal import selectors, services
from motcua.postal.models import (
    FeeAccount,
    HandoverItem,
    HandoverRecord,
    OrderStatus,
    PickupMethod,
    PostalEvent,
    PostalOrder,
)

from .conftest import at


def _record(world, **overrides) -> HandoverRecord:
    kwargs = {"actor": world.reception, "agency": world.center, "postal_staff_name": "Trần Thị Bưu"}
    kwargs.update(overrides)
    return services.postal_handover_create(**kwargs)


def test_signing_registers_each_complete_dossier_at_the_signing_time(world, clock):
    first = world.request_pickup()
    second = world.request_pickup(
        actor=world.other_citizen,
        pickup_method=PickupMethod.POST_OFFICE,
        pickup_address="",
        return_by_post=False,
    )
    PostalOrder.objects.filter(arrangement=first).update(
        slip_number="EB123456785VN", status=OrderStatus.IN_TRANSIT
    )
    clock.move_to(at(3, 10))
    record = _record(world, postal_unit="Bưu điện tỉnh Hà Tĩnh")
    assert record.number.startswith("BBGN20260303-")
    # the inbound order is found from its slip number
    item = services.postal_handover_add_item(
        record=record,
        actor=world.reception,
        slip_number="eb 123456785 vn",
        fee_amount=200000,
        fee_account=FeeAccount.OPERATOR,
        fee_receipt_number="BL-0001",
    )
    assert item.arrangement == first and item.slip_number == "EB123456785VN"
    services.postal_handover_add_item(
        record=record, actor=world.reception, slip_number="EL000000011VN", arrangement=second
    )
    record = services.postal_handover_sign(record=record, actor=world.reception, signed_at=at(3, 9, 40))

    assert (
        record.is_signed and record.signed_at == at(3, 9, 40) and record.receiving_officer == world.reception
    )
    first.refresh_from_db()
    second.refresh_from_db()
    for arrangement, owner in ((first, world.citizen), (second, world.other_citizen)):
        dossier = arrangement.dossier
        assert dossier.channel == Channel.POSTAL
        assert dossier.national_channel == 3
        assert dossier.status == DossierStatus.RECEIVED
        assert dossier.received_at == dossier.submitted_at == at(3, 9, 40)
        assert dossier.clock_started_at == at(3, 9, 40)  # before the paper cut-off: counts from the signature
        assert dossier.owner == owner
        assert dossier.events.get().origin == "postal"
    assert first.dossier.result_channel == ResultChannel.POSTAL
    assert second.dossier.result_channel == ResultChannel.COUNTER
    order = PostalOrder.objects.get(arrangement=first)
    assert (order.status, order.delivered_at, order.dossier) == (
        OrderStatus.DELIVERED,
        at(3, 9, 40),
        first.dossier,
    )
    status = selectors.postal_status_for_dossier(first.dossier)
    assert status.handover_signed_at == at(3, 9, 40)
    assert status.inbound.slip_number == "EB123456785VN"
    signed = PostalEvent.objects.get(handover=record, action="handover_signed")
    assert signed.payload["fees"] == 200000
    assert sorted(signed.payload["registered"]) == sorted([first.dossier.code, second.dossier.code])


def test_a_record_signed_after_the_paper_cut_off_counts_from_the_next_working_morning(world, clock):
    arrangement = world.request_pickup()
    clock.move_to(at(2, 16, 30))
    dossier = world.receive_by_post(arrangement, slip="EB000000017VN", signed_at=at(2, 15, 20))
    assert dossier.received_at == at(2, 15, 20)
    assert dossier.clock_started_at == at(3, 7)


def test_an_incomplete_dossier_is_not_registered_until_the_complete_package_is_handed_over(world, clock):
    arrangement = world.request_pickup()
    record = _record(world)
    with pytest.raises(ValidationFailed):
        services.postal_handover_add_item(
            record=record, actor=world.reception, slip_number="EB1", arrangement=arrangement, complete=False
        )
    services.postal_handover_add_item(
        record=record,
        actor=world.reception,
        slip_number="EB1",
        arrangement=arrangement,
        complete=False,
        missing_items=["Bản chụp Căn cước"],
    )
    services.postal_handover_sign(record=record, actor=world.reception, signed_at=at(2, 8))
    arrangement.refresh_from_db()
    assert arrangement.dossier is None
    assert selectors.arrangements_awaiting_handover(world.center).get() == arrangement
    event = PostalEvent.objects.get(action="handover_incomplete")
    assert event.payload["missing_items"] == ["Bản chụp Căn cước"]
    # the supplemented package comes on a later record: that signature is the submission time
    clock.move_to(at(4, 11))
    dossier = world.receive_by_post(arrangement, slip="EB2", signed_at=at(4, 10, 15))
    assert dossier.received_at == at(4, 10, 15)
    assert not selectors.arrangements_awaiting_handover(world.center).exists()


def test_a_postal_supplement_is_complete_when_its_record_is_signed(world, clock):
    dossier = world.receive_by_post(world.request_pickup(), slip="EB10", signed_at=at(2, 8, 30))
    dossier = dossier_services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    dossier = dossier_services.dossier_request_supplement(
        dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    clock.move_to(at(5, 14))
    record = _record(world)
    item = services.postal_handover_add_item(
        record=record,
        actor=world.reception,
        slip_number="EB11",
        kind=HandoverItem.Kind.SUPPLEMENT,
        dossier=dossier,
    )
    assert item.arrangement.dossier == dossier
    services.postal_handover_sign(record=record, actor=world.reception, signed_at=at(5, 13, 30))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING
    interval = dossier.supplements.get()
    assert interval.resolved_at == at(5, 13, 30)
    assert dossier.clock_started_at == at(5, 13, 30)  # the time limit restarts from the signature
    assert dossier.events.order_by("-sequence").first().payload["completed_at"]


def test_a_supplement_item_needs_a_dossier_awaiting_a_supplement(world, clock):
    dossier = world.receive_by_post(world.request_pickup(), slip="EB10", signed_at=at(2, 8, 30))
    record = _record(world)
    with pytest.raises(ValidationFailed) as error:
        services.postal_handover_add_item(
            record=record,
            actor=world.reception,
            slip_number="EB11",
            kind=HandoverItem.Kind.SUPPLEMENT,
            dossier=dossier,
        )
    assert error.value.code == "not_awaiting_supplement"


def test_signing_is_all_or_nothing(world, clock):
    good = world.request_pickup()
    bad = world.request_pickup(actor=world.other_citizen)
    record = _record(world)
    services.postal_handover_add_item(
        record=record, actor=world.reception, slip_number="EB1", arrangement=good
    )
    services.postal_handover_add_item(
        record=record, actor=world.reception, slip_number="EB2", arrangement=bad
    )
    bad.applicant = {**bad.applicant, "name": ""}  # data that cannot be registered
    bad.save()
    with pytest.raises(ValidationFailed) as error:
        services.postal_handover_sign(record=record, actor=world.reception, signed_at=at(2, 8))
    assert "EB2" in error.value.message
    record.refresh_from_db()
    good.refresh_from_db()
    assert not record.is_signed and good.dossier is None
    assert not good.orders.filter(status=OrderStatus.DELIVERED).exists()


def test_a_signed_record_never_changes_and_a_dossier_is_received_once(world, clock):
    arrangement = world.request_pickup()
    record = _record(world)
    services.postal_handover_add_item(
        record=record, actor=world.reception, slip_number="EB1", arrangement=arrangement
    )
    other = _record(world)
    services.postal_handover_add_item(
        record=other, actor=world.reception, slip_number="EB1", arrangement=arrangement
    )
    services.postal_handover_sign(record=record, actor=world.reception, signed_at=at(2, 8))
    with pytest.raises(Conflict):
        services.postal_handover_sign(record=record, actor=world.reception)
    with pytest.raises(Conflict):
        services.postal_handover_add_item(
            record=record, actor=world.reception, slip_number="EB9", arrangement=arrangement
        )
    with pytest.raises(Conflict) as error:  # listed on a second record before the first was signed
        services.postal_handover_sign(record=other, actor=world.reception, signed_at=at(2, 8, 30))
    assert error.value.code == "already_received"
    assert world.center.received_dossiers.count() == 1


def test_signing_rules(world, clock):
    record = _record(world)
    with pytest.raises(ValidationFailed) as error:
        services.postal_handover_sign(record=record, actor=world.reception)
    assert error.value.code == "handover_empty"
    services.postal_handover_add_item(
        record=record, actor=world.reception, slip_number="EB1", arrangement=world.request_pickup()
    )
    with pytest.raises(ValidationFailed) as error:
        services.postal_handover_sign(record=record, actor=world.reception, signed_at=at(2, 9, 1))
    assert error.value.code == "signed_in_future"
    with pytest.raises(Conflict):
        services.postal_handover_add_item(
            record=record, actor=world.reception, slip_number="eb1", arrangement=world.request_pickup()
        )
    record = services.postal_handover_remove_item(
        record=record, actor=world.reception, item_id=record.items.get().pk
    )
    assert not record.items.exists()


def test_only_reception_officers_of_the_agency_keep_hand_over_records(world, clock):
    with pytest.raises(PermissionDenied):
        _record(world, actor=world.outsider)
    with pytest.raises(PermissionDenied):
        _record(world, actor=world.leader)
    with pytest.raises(PermissionDenied):
        _record(world, actor=world.citizen)
    record = _record(world)
    with pytest.raises(PermissionDenied):
        services.postal_handover_add_item(
            record=record, actor=world.outsider, slip_number="EB1", arrangement=world.request_pickup()
        )
    with pytest.raises(ValidationFailed):
        _record(world, postal_staff_name=" ")
    assert list(selectors.handover_records_for(world.reception)) == [record]
    assert not selectors.handover_records_for(world.outsider).exists()


def test_a_fee_needs_the_account_it_went_to(world, clock):
    record = _record(world)
    with pytest.raises(ValidationFailed):
        services.postal_handover_add_item(
            record=record,
            actor=world.reception,
            slip_number="EB1",
            arrangement=world.request_pickup(),
            fee_amount=1000,
        )
    with pytest.raises(ValidationFailed):
        services.postal_handover_add_item(
            record=record,
            actor=world.reception,
            slip_number="EB1",
            arrangement=world.request_pickup(),
            fee_amount=-5,
            fee_account=FeeAccount.AGENCY,
        )
    assert not record.items.exists()


def test_a_dossier_dropped_at_a_post_office_is_recorded_by_the_officer(world, clock):
    arrangement = services.postal_arrangement_record(
        actor=world.reception,
        receiving_agency=world.center,
        procedure_case=world.case,
        competent_agency=world.department,
        applicant=world.applicant(phone=""),
        post_office="Bưu cục Cẩm Xuyên",
    )
    with pytest.raises(PermissionDenied):
        services.postal_arrangement_record(
            actor=world.outsider,
            receiving_agency=world.center,
            procedure_case=world.case,
            competent_agency=world.department,
            applicant=world.applicant(),
        )
    dossier = world.receive_by_post(arrangement, slip="EL0001", signed_at=at(2, 8))
    assert dossier.owner is None and dossier.channel == Channel.POSTAL
