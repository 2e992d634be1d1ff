"""Daily reconciliation against the provider's listing: every mismatch is listed; a success we missed is
recorded at once (and only once); the job, the command and the resolution of mismatches."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.payments import selectors, services
from motcua.payments.models import (
    PaymentRequest,
    PaymentTransaction,
    ReconciliationMismatch,
    ReconciliationRun,
)
from motcua.payments.providers.signing import PAYGOV_INIT_FIELDS, paygov_sign_fields

from .conftest import PARTNER, PAYGOV_SECRET, PAYGOV_TOKEN

TODAY = date(2026, 3, 2)
Kind = ReconciliationMismatch.Kind


def start(world, provider="paygov"):
    request = world.request_of(world.submit_online())
    return services.payment_start(request=request, actor=world.citizen, provider=provider)


def deliver(sandbox, tx):
    """Hand the sandbox's callback / IPN for ``tx`` to our service (no live server in these tests)."""
    result = sandbox.transaction(tx.reference)
    data = sandbox.paygov_result(result) if tx.provider == "paygov" else sandbox.vnpay_result(result)
    return services.payment_notification_receive(provider=tx.provider, data=data)


def foreign_payment(sandbox, reference="dvcFOREIGN1"):
    """A transaction at the provider that we never started (another partner's mistake, a test payment)."""
    import json
    import urllib.request

    message = {
        "LoaiBanTin": "INIT",
        "PhienBan": "1.0.6",
        "MaDoiTac": PARTNER,
        "MaThamChieu": reference,
        "SoTien": "12345",
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "PAYMENT",
        "ThongTinGiaoDich": "La",
        "ThoiGianGD": "20260302090000",
        "Ip": "127.0.0.1",
    }
    message["MaXacThuc"] = paygov_sign_fields(message, PAYGOV_INIT_FIELDS, PAYGOV_SECRET)
    request = urllib.request.Request(
        sandbox.paygov_url,
        data=json.dumps(message).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {PAYGOV_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["error_code"] == "0"
    sandbox.pay(reference)


def test_every_kind_of_mismatch_is_listed_and_missed_successes_are_recorded(world, sandbox):
    matched = start(world)
    sandbox.pay(matched.reference)
    deliver(sandbox, matched)
    missed = start(world)
    sandbox.pay(missed.reference)  # its callback never reached us
    cancelled = start(world)
    sandbox.pay(cancelled.reference, succeed=False)  # failed at the provider, we still wait
    waiting = start(world)  # the citizen has the page open: pending on both sides, not a mismatch
    ours_only = start(world)
    sandbox.pay(ours_only.reference)
    deliver(sandbox, ours_only)
    del sandbox._transactions[("paygov", ours_only.reference)]  # the provider lost it
    other_amount = start(world)
    sandbox._transactions[("paygov", other_amount.reference)]["amount"] = 1000
    sandbox.pay(other_amount.reference)
    foreign_payment(sandbox)

    run = services.reconciliation_run(day=TODAY, provider="paygov")
    assert run.outcome == ReconciliationRun.Outcome.MISMATCHED and run.finished_at
    found = {(m.reference, m.kind, m.auto_resolved) for m in run.mismatches.all()}
    assert found == {
        (missed.reference, Kind.MISSING_HERE, True),
        (cancelled.reference, Kind.STATUS_DIFFERS, True),
        (ours_only.reference, Kind.MISSING_AT_PROVIDER, False),
        (other_amount.reference, Kind.AMOUNT_DIFFERS, False),
        ("dvcFOREIGN1", Kind.UNKNOWN_REFERENCE, False),
    }
    assert run.mismatch_count == 5
    statuses = dict(PaymentTransaction.objects.values_list("reference", "status"))
    assert statuses[missed.reference] == "succeeded" and statuses[cancelled.reference] == "failed"
    assert statuses[waiting.reference] == "initiated" and statuses[other_amount.reference] == "initiated"
    assert PaymentTransaction.objects.get(pk=missed.pk).settled_by == "reconciliation"
    assert PaymentRequest.objects.get(pk=missed.request_id).state == "paid"
    # The provider: matched, missed, other_amount (1.000 đ) and the foreign one succeeded.
    assert (run.provider_count, run.provider_total) == (4, 250000 * 2 + 1000 + 12345)
    # Us, after the run: matched, missed, ours_only.
    assert (run.our_count, run.our_total) == (3, 250000 * 3)
    mismatch = run.mismatches.get(kind=Kind.AMOUNT_DIFFERS)
    assert (mismatch.provider_amount, mismatch.our_amount) == (1000, 250000)

    again = services.reconciliation_run(day=TODAY, provider="paygov")
    assert {m.kind for m in again.mismatches.all()} == {
        Kind.MISSING_AT_PROVIDER,
        Kind.AMOUNT_DIFFERS,
        Kind.UNKNOWN_REFERENCE,
    }
    assert PaymentTransaction.objects.filter(status="succeeded").count() == 3  # nothing recorded twice
    assert set(selectors.open_mismatches().values_list("kind", flat=True)) == {
        Kind.MISSING_AT_PROVIDER,
        Kind.AMOUNT_DIFFERS,
        Kind.UNKNOWN_REFERENCE,
    }


def test_a_matching_day(world, sandbox):
    tx = start(world, provider="vnpay")
    import urllib.request

    urllib.request.urlopen(tx.payment_url, timeout=5).read()  # the citizen opens the page
    sandbox.pay(tx.reference)
    deliver(sandbox, tx)
    run = services.reconciliation_run(day=TODAY, provider="vnpay")
    assert run.outcome == ReconciliationRun.Outcome.MATCHED and run.mismatch_count == 0
    assert (run.provider_count, run.our_count, run.provider_total, run.our_total) == (1, 1, 250000, 250000)


def test_a_vnpay_success_we_missed_is_recorded_by_reconciliation(world, sandbox):
    tx = start(world, provider="vnpay")
    import urllib.request

    urllib.request.urlopen(tx.payment_url, timeout=5).read()
    sandbox.pay(tx.reference)
    run = services.reconciliation_run(day=TODAY, provider="vnpay")
    assert [(m.kind, m.auto_resolved) for m in run.mismatches.all()] == [(Kind.MISSING_HERE, True)]
    assert PaymentRequest.objects.get(pk=tx.request_id).state == "paid"


def test_a_provider_that_is_down_fails_the_run(world, sandbox):
    sandbox.stop()
    run = services.reconciliation_run(day=TODAY, provider="paygov")
    assert run.outcome == ReconciliationRun.Outcome.FAILED and run.error
    assert PAYGOV_TOKEN not in run.error


def test_the_daily_job_reconciles_yesterday_once_per_provider(world, sandbox, payment_settings, clock):
    payment_settings.MOTCUA_PAYMENT_RECONCILE_HOUR = 2
    clock.move_to(timezone.make_aware(timezone.datetime(2026, 3, 3, 1, 0)))
    assert services.reconciliation_run_due() == []  # too early
    clock.move_to(timezone.make_aware(timezone.datetime(2026, 3, 3, 2, 30)))
    runs = services.reconciliation_run_due()
    assert sorted((r.provider, r.day) for r in runs) == [("paygov", TODAY), ("vnpay", TODAY)]
    assert services.reconciliation_run_due() == []
    sandbox.stop()
    ReconciliationRun.objects.filter(provider="vnpay").delete()
    assert [r.outcome for r in services.reconciliation_run_due()] == ["failed"]
    sandbox.start()
    assert [r.outcome for r in services.reconciliation_run_due()] == [
        "matched"
    ]  # a failed day is tried again


def test_resolving_a_mismatch(world, sandbox):
    foreign_payment(sandbox, "dvcFOREIGN2")
    run = services.reconciliation_run(day=TODAY, provider="paygov")
    mismatch = run.mismatches.get()
    assert not selectors.may_resolve_mismatches(world.reception)
    with pytest.raises(PermissionDenied):
        services.reconciliation_mismatch_resolve(
            mismatch=mismatch, actor=world.reception, resolution="Đã xem"
        )
    with pytest.raises(ValidationFailed):
        services.reconciliation_mismatch_resolve(mismatch=mismatch, actor=world.supervisor, resolution=" ")
    done = services.reconciliation_mismatch_resolve(
        mismatch=mismatch, actor=world.supervisor, resolution="Giao dịch thử của cổng, không phải của tỉnh"
    )
    assert done.is_resolved and done.resolved_by == world.supervisor
    assert not selectors.open_mismatches().exists()
    with pytest.raises(ValidationFailed):
        services.reconciliation_mismatch_resolve(mismatch=done, actor=world.leader, resolution="Lại")


def test_the_command(world, sandbox):
    tx = start(world)
    sandbox.pay(tx.reference)
    out = StringIO()
    call_command("payments", "reconcile", "--date", "02/03/2026", "--provider", "paygov", stdout=out)
    text = out.getvalue()
    assert (
        "ngày 02/03/2026" in text
        and "1 chênh lệch" in text
        and tx.reference in text
        and "đã tự xử lý" in text
    )
    assert "250.000 đ" in text
    with pytest.raises(CommandError):
        call_command("payments", "reconcile", "--date", "2026-03-02")
    sandbox.stop()
    with pytest.raises(CommandError):
        call_command(
            "payments", "reconcile", "--date", "02/03/2026", "--provider", "vnpay", stdout=StringIO()
        )
    out = StringIO()
    call_command("payments", "check-pending", "--older-than", "0", stdout=out)
    assert "Đã tra cứu 0 giao dịch" in out.getvalue()
