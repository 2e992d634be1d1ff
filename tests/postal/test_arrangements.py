"""The citizen's postal choices: pickup requests, return addresses, cancellation, and the draft's address."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.dossiers import submission
from motcua.dossiers.models import ResultChannel
from motcua.postal import selectors, services
from motcua.postal.models import (
    Direction,
    OrderStatus,
    PickupMethod,
    PostalArrangement,
    PostalEvent,
    PostalOption,
    PostalOrder,
    SyncAction,
    SyncState,
)

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_pickup_at_an_address_queues_an_inbound_order_in_the_same_transaction(world, clock):
    arrangement = world.request_pickup()
    assert arrangement.option == PostalOption.BOTH
    assert arrangement.dossier is None
    assert arrangement.applicant["identity_number"] == "042090001234"
    order = arrangement.orders.get()
    assert order.direction == Direction.INBOUND
    assert order.status == OrderStatus.CREATED
    assert (order.sync_state, order.sync_action, order.attempts) == (SyncState.QUEUED, SyncAction.CREATE, 0)
    assert order.next_attempt_at is not None
    assert order.sender_address.startswith("Số 5 Phan Đình Phùng")
    assert order.recipient_name == world.center.name
    assert order.recipient_address == world.center.address
    assert order.reference.startswith("BC260302") and len(order.reference) == 16
    assert order.slip_number == ""
    actions = list(PostalEvent.objects.filter(arrangement=arrangement).values_list("action", flat=True))
    assert actions == ["arrangement_created", "order_created"]


def test_fees_collected_before_reception_are_collected_by_the_post_at_pickup(world, clock):
    from motcua.catalog.models import Fee

    Fee.objects.create(version=world.version, kind=Fee.Kind.CHARGE, amount=200000, timing=Fee.Timing.BEFORE)
    Fee.objects.create(version=world.version, kind=Fee.Kind.FEE, amount=50000, timing=Fee.Timing.AFTER)
    Fee.objects.create(
        version=world.version, kind=Fee.Kind.FEE, amount=70000, timing=Fee.Timing.BEFORE, channel="online"
    )
    order = world.request_pickup().orders.get()
    assert order.cod_amount == 200000


def test_a_refused_pickup_request_leaves_nothing_behind(world, clock):
    with pytest.raises(ValidationFailed):
        world.request_pickup(pickup_address="  ")
    assert not PostalArrangement.objects.exists()
    assert not PostalOrder.objects.exists()
    assert not PostalEvent.objects.exists()


def test_pickup_at_a_post_office_books_no_order(world, clock):
    arrangement = world.request_pickup(
        pickup_method=PickupMethod.POST_OFFICE,
        pickup_address="",
        post_office="Bưu cục Thành Sen",
        return_by_post=False,
    )
    assert arrangement.option == PostalOption.SEND
    assert arrangement.post_office == "Bưu cục Thành Sen"
    assert not arrangement.orders.exists()


@pytest.mark.parametrize(
    "change, code",
    [
        ({"postal_submission_allowed": False}, "postal_submission_not_allowed"),
        ({"postal_return_allowed": False}, "postal_return_not_allowed"),
    ],
)
def test_the_procedure_must_allow_the_postal_service(world, clock, change, code):
    type(world.version).objects.filter(pk=world.version.pk).update(**change)
    world.case.version.refresh_from_db()
    with pytest.raises(ValidationFailed) as error:
        world.request_pickup()
    assert error.value.code == code


def test_pickup_needs_a_phone_a_place_that_receives_the_procedure_and_a_signed_in_applicant(world, clock):
    with pytest.raises(ValidationFailed):
        world.request_pickup(applicant=world.applicant(phone=""))
    with pytest.raises(ValidationFailed) as error:
        world.request_pickup(applicant=world.applicant(email="an@"))
    assert "email" in error.value.extra["fields"]
    with pytest.raises(ValidationFailed) as error:
        world.request_pickup(competent_agency=world.outsider.memberships.get().agency)
    assert error.value.code == "place_not_offered"
    with pytest.raises(ValidationFailed) as error:
        world.request_pickup(return_address="")
    assert "return_address" in error.value.extra["fields"]
    with pytest.raises(PermissionDenied):
        world.request_pickup(actor=None)
    assert not PostalArrangement.objects.exists()


def test_the_applicant_cancels_a_pickup_not_yet_sent(world, clock):
    arrangement = world.request_pickup()
    with pytest.raises(NotFound):
        services.postal_arrangement_cancel(arrangement=arrangement, actor=world.other_citizen)
    arrangement = services.postal_arrangement_cancel(
        arrangement=arrangement, actor=world.citizen, reason="Tự nộp"
    )
    assert arrangement.cancelled_at is not None
    order = arrangement.orders.get()
    assert order.status == OrderStatus.CANCELLED
    assert order.sync_state == SyncState.SENT  # nothing left to tell the operator: it never heard of it
    assert not selectors.arrangements_awaiting_handover(world.center).exists()


def test_cancelling_a_pickup_the_operator_knows_queues_a_cancel_request(world, clock):
    arrangement = world.request_pickup()
    PostalOrder.objects.filter(arrangement=arrangement).update(
        sync_state=SyncState.SENT, sent_at=clock.time() if hasattr(clock, "time") else None, status="accepted"
    )
    PostalOrder.objects.filter(arrangement=arrangement).update(sent_at=arrangement.created_at)
    services.postal_arrangement_cancel(arrangement=arrangement, actor=world.citizen)
    order = arrangement.orders.get()
    assert order.status == OrderStatus.ACCEPTED  # until the operator confirms
    assert (order.sync_action, order.sync_state) == (SyncAction.CANCEL, SyncState.QUEUED)


def test_a_picked_up_dossier_cannot_be_cancelled(world, clock):
    arrangement = world.request_pickup()
    PostalOrder.objects.filter(arrangement=arrangement).update(
        status=OrderStatus.PICKED_UP, sync_state="sent"
    )
    with pytest.raises(Conflict):
        services.postal_arrangement_cancel(arrangement=arrangement, actor=world.citizen)
    arrangement.refresh_from_db()
    assert arrangement.cancelled_at is None


def _submit_draft(world, *, channel: str, address: str = ""):
    draft = submission.draft_start(
        actor=world.citizen,
        procedure_case=world.case,
        receiving_agency=world.center,
        competent_agency=world.department,
    )
    draft = submission.draft_save_applicant(draft=draft, actor=world.citizen, applicant=world.applicant())
    uploads = {
        component.pk: [SimpleUploadedFile(f"{component.pk}.pdf", PDF, content_type="application/pdf")]
        for component in world.case.components.all()
    }
    draft = submission.draft_attach_files(draft=draft, actor=world.citizen, uploads=uploads)
    draft = submission.draft_choose_result_channel(
        draft=draft, actor=world.citizen, channel=channel, delivery_address=address
    )
    return submission.draft_submit(draft=draft, actor=world.citizen)


def test_an_online_submission_with_postal_return_keeps_its_address_in_an_arrangement(world, clock):
    dossier = _submit_draft(world, channel=ResultChannel.POSTAL, address="Thôn 2,  xã Cẩm Bình, Hà Tĩnh")
    arrangement = selectors.arrangement_for_dossier(dossier)
    assert arrangement.option == PostalOption.RETURN
    assert arrangement.return_address == "Thôn 2, xã Cẩm Bình, Hà Tĩnh"
    assert (arrangement.recipient_name, arrangement.recipient_phone) == ("Nguyễn Văn An", "0912345678")
    assert arrangement.owner == world.citizen
    status = selectors.postal_status_for_dossier(dossier)
    assert status.option == "return" and status.outbound is None


def test_an_online_submission_returned_at_the_counter_has_no_arrangement(world, clock):
    dossier = _submit_draft(world, channel=ResultChannel.COUNTER)
    assert selectors.arrangement_for_dossier(dossier) is None
    assert selectors.postal_status_for_dossier(dossier) is None


def test_the_owner_changes_the_return_address_until_the_result_is_sent(world, clock):
    dossier = world.register(owner=world.citizen)
    arrangement = services.postal_arrangement_set_return(
        dossier=dossier,
        actor=world.citizen,
        recipient_name="Lê Thị Bình",
        recipient_phone="0987654321",
        return_address="Số 9 Hà Huy Tập, Hà Tĩnh",
    )
    assert arrangement.dossier == dossier and arrangement.recipient_name == "Lê Thị Bình"
    with pytest.raises(NotFound):
        services.postal_arrangement_set_return(
            arrangement=arrangement,
            actor=world.other_citizen,
            recipient_name="X",
            recipient_phone="0987654321",
            return_address="Y",
        )
    dossier = world.resolve(dossier)
    services.postal_result_send(dossier=dossier, actor=world.reception)
    with pytest.raises(Conflict):
        services.postal_arrangement_set_return(
            arrangement=arrangement,
            actor=world.citizen,
            recipient_name="Lê Thị Bình",
            recipient_phone="0987654321",
            return_address="Nơi khác",
        )
    arrangement.refresh_from_db()
    assert arrangement.return_address == "Số 9 Hà Huy Tập, Hà Tĩnh"
