"""Payment requests: fees from the catalog at submission, "thu trước" holding reception, financial obligations
(status 6), exemptions, cancellations, and what refusals and withdrawals do to fees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.catalog.models import Fee
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.dossiers import services as dossier_services
from motcua.dossiers.workflow import SYSTEM, DossierStatus, available_transitions
from motcua.payments import selectors, services
from motcua.payments.models import CollectionMethod, PaymentEvent, PaymentRequest, Refund

from .conftest import pdf


def names(dossier, actor):
    dossier.refresh_from_db()
    return {t.name for t in available_transitions(dossier, actor)}


def test_fee_lines_follow_case_and_channel(world):
    online = selectors.fee_lines_for(case=world.case, channel="online")
    direct = selectors.fee_lines_for(case=world.case, channel="direct")
    assert [(line.kind, line.amount, line.timing) for line in online] == [
        ("le_phi", 200000, "before"),
        ("phi", 50000, "after"),
    ]
    assert [(line.code, line.amount) for line in direct] == [("LP01", 200000)]  # the phí is online only
    Fee.objects.create(version=world.version, kind=Fee.Kind.FEE, amount=0, timing=Fee.Timing.AFTER)
    Fee.objects.create(version=world.version, kind=Fee.Kind.FEE, amount=9000, timing=Fee.Timing.EXEMPT)
    lines = selectors.fee_lines_for(case=world.case, channel="online")
    assert len(lines) == 4 and [line.amount for line in selectors.fees_due(lines)] == [200000, 50000]


def test_an_online_submission_with_fees_gets_a_request_and_an_obligation(world):
    dossier = world.submit_online()
    dossier.refresh_from_db()
    request = world.request_of(dossier)
    assert request.state == PaymentRequest.State.UNPAID
    assert request.timing == PaymentRequest.Timing.BEFORE and request.amount == 250000
    assert request.online_payment_allowed
    assert [(line.kind, line.code, line.amount) for line in request.lines.order_by("id")] == [
        ("le_phi", "LP01", 200000),
        ("phi", "P01", 50000),
    ]
    assert dossier.paid_online is False  # an obligation, not paid online (yet): counted by the reports
    event = dossier.events.get(action="submit_online")
    assert event.payload["fees_due"] == 250000
    assert PaymentEvent.objects.filter(request=request, action="create").count() == 1
    # Idempotent: asking again returns the same request.
    assert services.payment_request_create_for_dossier(dossier=dossier) == request


def test_no_fees_no_request_and_no_obligation(world):
    Fee.objects.filter(version=world.version).delete()
    dossier = world.submit_online()
    dossier.refresh_from_db()
    assert not PaymentRequest.objects.filter(dossier=dossier).exists()
    assert dossier.paid_online is None
    assert selectors.payment_summary_for(dossier).state == ""


def test_fees_collected_before_reception_hold_the_dossier_until_paid(world):
    dossier = world.submit_online()
    assert "receive" not in names(dossier, world.reception)
    assert "refuse_reception" in names(dossier, world.reception)
    with pytest.raises(ValidationFailed) as error:
        world.receive(dossier)
    assert "chưa thanh toán" in error.value.message
    summary = selectors.payment_summary_for(dossier)
    assert summary.blocks_reception and summary.amount_due == 250000 and summary.payable_online is not None


def test_fees_collected_after_reception_do_not_hold_it(world):
    Fee.objects.filter(version=world.version).update(timing=Fee.Timing.AFTER)
    dossier = world.submit_online()
    assert world.request_of(dossier).timing == PaymentRequest.Timing.AFTER
    assert world.receive(dossier).status == DossierStatus.RECEIVED


def test_without_online_payment_the_one_stop_unit_collects_at_reception(world):
    world.version.online_payment_offered = False
    world.version.save()
    dossier = world.submit_online()
    request = world.request_of(dossier)
    assert not request.online_payment_allowed and not request.blocks_reception
    assert world.receive(dossier).status == DossierStatus.RECEIVED


def test_a_counter_dossier_gets_its_request_too(world):
    dossier = world.register()
    request = world.request_of(dossier)
    assert request.amount == 200000 and dossier.status == DossierStatus.RECEIVED
    dossier.refresh_from_db()
    assert dossier.paid_online is False


def test_exempting_everything_lifts_the_obligation_and_lets_reception_happen(world):
    dossier = world.submit_online()
    request = world.request_of(dossier)
    with pytest.raises(ValidationFailed):
        services.payment_request_exempt(request=request, actor=world.reception, reason=" ")
    with pytest.raises(PermissionDenied):
        services.payment_request_exempt(request=request, actor=world.outsider, reason="Người khuyết tật")
    one = request.lines.get(code="P01")
    request = services.payment_request_exempt(
        request=request, actor=world.reception, reason="Người có công", line_ids=[one.pk]
    )
    assert request.amount == 200000 and request.state == PaymentRequest.State.UNPAID
    request = services.payment_request_exempt(request=request, actor=world.reception, reason="Hộ nghèo")
    assert request.state == PaymentRequest.State.CANCELLED and request.exempt and request.amount == 0
    assert request.exemption_reason == "Hộ nghèo"
    dossier.refresh_from_db()
    assert dossier.paid_online is None  # no financial obligation any more
    assert dossier.events.filter(action="record_payment").exists()
    assert world.receive(dossier).status == DossierStatus.RECEIVED


def test_cancel_needs_a_reason_and_an_unpaid_request(world):
    dossier = world.submit_online()
    request = world.request_of(dossier)
    with pytest.raises(ValidationFailed):
        services.payment_request_cancel(request=request, actor=world.reception, reason="")
    request = services.payment_request_cancel(request=request, actor=world.reception, reason="Nhập trùng")
    assert request.state == PaymentRequest.State.CANCELLED and request.cancel_reason == "Nhập trùng"
    with pytest.raises(ValidationFailed):
        services.payment_request_cancel(request=request, actor=world.reception, reason="Lần nữa")


def test_refusal_at_reception_cancels_unpaid_fees(world):
    dossier = world.submit_online()
    dossier_services.dossier_refuse_reception(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Không thuộc thẩm quyền"
    )
    request = world.request_of(dossier)
    assert request.state == PaymentRequest.State.CANCELLED
    assert request.cancel_reason == "Hồ sơ không được tiếp nhận"
    assert not Refund.objects.exists()


def _collect(world, request, **overrides):
    kwargs = {
        "request": request,
        "actor": world.reception,
        "method": CollectionMethod.CASH,
        "amount": request.amount,
        "proof": pdf("phieu-thu.pdf"),
        "reference": "PT-0001",
    }
    kwargs.update(overrides)
    return services.payment_collection_record(**kwargs)


def test_a_paid_dossier_refused_after_appraisal_gets_a_refund_due(world):
    Fee.objects.filter(version=world.version).update(timing=Fee.Timing.AFTER)
    dossier = world.in_processing(world.submit_online())
    request = world.request_of(dossier)
    _collect(world, request)
    dossier.refresh_from_db()
    dossier_services.dossier_refuse(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="Không đủ điều kiện"
    )
    refund = Refund.objects.get(request=request)
    assert refund.state == Refund.State.DUE and refund.reason == Refund.Reason.REFUSED
    assert refund.amount == 250000


def test_a_financial_obligation_pauses_the_clock_and_paying_it_resumes(world, clock):
    Fee.objects.filter(version=world.version).delete()
    dossier = world.in_processing(world.submit_online())
    due_before = dossier.due_at
    request = services.payment_request_obligation(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        description="Lệ phí trước bạ",
        lines=[services.LineData(name="Lệ phí trước bạ", amount=1500000, kind="le_phi", code="LPTB")],
    )
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_PAYMENT
    assert dossier.paid_online is False
    assert request.origin == PaymentRequest.Origin.OBLIGATION and request.amount == 1500000
    clock.shift(timedelta(days=2))  # Wednesday: two working days waited
    _collect(world, request, method=CollectionMethod.BANK_TRANSFER, reference="FT26061")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING  # confirmed BY_SYSTEM
    confirm = dossier.events.get(action="confirm_payment")
    assert confirm.actor is None and confirm.origin == "system"
    assert dossier.due_at > due_before  # the wait does not count
    assert dossier.paid_online is False  # paid, but not online


def test_an_obligation_needs_lines_with_amounts_and_the_right_actor(world):
    Fee.objects.filter(version=world.version).delete()
    dossier = world.in_processing(world.submit_online())
    with pytest.raises(ValidationFailed):
        services.payment_request_obligation(
            dossier=dossier, actor=world.specialist, revision=dossier.revision, description="Thuế", amount=0
        )
    with pytest.raises(PermissionDenied):
        services.payment_request_obligation(
            dossier=dossier, actor=world.citizen, revision=dossier.revision, description="Thuế", amount=1000
        )
    assert not PaymentRequest.objects.filter(dossier=dossier).exists()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING


def test_exempting_an_obligation_confirms_it_by_the_system(world):
    Fee.objects.filter(version=world.version).delete()
    dossier = world.in_processing(world.submit_online())
    request = services.payment_request_obligation(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        description="Tiền sử dụng đất",
        amount=9000000,
    )
    services.payment_request_exempt(
        request=request, actor=world.leader, reason="Được miễn theo Nghị định 103"
    )
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING
    assert dossier.paid_online is None


def test_the_dossier_record_payment_event_needs_the_system(world):
    dossier = world.submit_online()
    assert "record_payment" in names(dossier, SYSTEM)
    assert "record_payment" not in names(dossier, world.reception)


def test_submission_time_moves_only_while_awaiting_reception(world):
    dossier = world.register()
    with pytest.raises(ValidationFailed):
        dossier_services.dossier_record_payment(dossier=dossier, submitted_at=timezone.now())


def test_a_fee_for_the_case_or_channel_replaces_the_general_fee_of_its_kind(world):
    from motcua.catalog.models import ProcedureCase

    reissue = ProcedureCase.objects.create(version=world.version, order=2, name="Cấp lại")
    Fee.objects.create(version=world.version, case=reissue, kind=Fee.Kind.CHARGE, amount=400000)
    Fee.objects.create(version=world.version, kind=Fee.Kind.CHARGE, channel="online", amount=100000)
    Fee.objects.create(version=world.version, kind=Fee.Kind.FEE, channel="online", amount=0, timing="exempt")

    def due(case, channel):
        return sorted(
            (line.kind, line.amount)
            for line in selectors.fees_due(selectors.fee_lines_for(case=case, channel=channel))
        )

    # General case: the online lệ phí (100.000) replaces the general one (200.000); the two online phí add up
    # level by level: 50.000 is due, the exempt one has no amount.
    assert due(world.case, "online") == [("le_phi", 100000), ("phi", 50000)]
    assert due(world.case, "direct") == [("le_phi", 200000)]
    # The re-issue case has its own lệ phí whatever the channel.
    assert due(reissue, "online") == [("le_phi", 400000), ("phi", 50000)]
    assert due(reissue, "direct") == [("le_phi", 400000)]
