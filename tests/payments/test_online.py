"""Online payment end to end over real HTTP: our live server, the sandbox payment server (PayGov- and
VNPay-style), the citizen's click, the signed callback / IPN, receipts, the recomputed submission time of a
"thu trước" dossier, the query job, GET_BILL, and a provider that is down."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from motcua.dossiers.models import DossierStep
from motcua.dossiers.workflow import DossierStatus
from motcua.payments import selectors, services
from motcua.payments.models import (
    NotificationVerdict,
    PaymentNotification,
    PaymentRequest,
    PaymentTransaction,
    Receipt,
    Refund,
)
from motcua.reports import aggregates

pytestmark = pytest.mark.django_db(transaction=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def open_page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def click(url: str, action: str = "pay", reference: str = "") -> str:
    """Press "Thanh toán" (or "Hủy") on the sandbox's payment page; returns where the browser is sent."""
    opener = urllib.request.build_opener(NoRedirect)
    form = {"action": action, "bank": "VCB", "vnp_TxnRef": reference}
    target = url.split("?")[0]
    try:
        opener.open(urllib.request.Request(target, data=urlencode(form).encode(), method="POST"), timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 303, error.code
        return error.headers["Location"]
    raise AssertionError("the payment page should redirect")


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def notified(tx, verdict=NotificationVerdict.ACCEPTED) -> bool:
    """The callback / IPN about ``tx`` has been handled completely: its log row is the last thing written."""
    return PaymentNotification.objects.filter(reference=tx.reference, verdict=verdict).exists()


def state_of(request) -> str:
    return PaymentRequest.objects.values_list("state", flat=True).get(pk=request.pk)


@pytest.fixture
def wired(live_server, sandbox, payment_settings):
    """The sandbox notifies our live server, and sends the browser back to its return page. The in-memory
    SQLite test database is one connection shared with the live server, so there the sandbox sends one
    notification at a time (on PostgreSQL they arrive side by side)."""
    if connection.vendor == "sqlite":
        sandbox.stop()
        sandbox.senders = 1
        sandbox.start()
    sandbox.paygov_callback_url = f"{live_server.url}/api/v1/payments/paygov/callback"
    sandbox.vnpay_ipn_url = f"{live_server.url}/api/v1/payments/vnpay/ipn"
    payment_settings.MOTCUA_PAYMENT_RETURN_URL = f"{live_server.url}/thanh-toan/ket-qua/"
    return sandbox


def test_paygov_payment_before_reception_end_to_end(world, wired):
    dossier = world.submit_online()
    submitted = dossier.submitted_at
    request = world.request_of(dossier)
    tx = services.payment_start(
        request=request, actor=world.citizen, provider="paygov", client_ip="127.0.0.1"
    )
    assert tx.status == PaymentTransaction.Status.INITIATED and tx.through_dvcqg
    assert tx.reference.startswith("dvc") and len(tx.reference) <= 64
    assert state_of(request) == PaymentRequest.State.PENDING
    page = open_page(tx.payment_url)
    assert "250.000 đ" in page and tx.reference in page
    time.sleep(0.01)
    location = click(tx.payment_url)
    assert (
        location.startswith(f"{wired.paygov_return_url or ''}") and "MaThamChieu=" + tx.reference in location
    )
    assert wait_for(lambda: notified(tx))
    assert state_of(request) == PaymentRequest.State.PAID
    tx.refresh_from_db()
    assert tx.status == PaymentTransaction.Status.SUCCEEDED and tx.settled_by == "callback"
    assert tx.provider_transaction_id.startswith("PG") and tx.bank_code == "VCB"
    request.refresh_from_db()
    assert request.paid_via == "online" and request.paid_through_dvcqg
    receipts = list(request.receipts.order_by("kind"))
    assert [(r.kind, r.amount, r.series) for r in receipts] == [
        ("le_phi", 200000, "LPHI/26E"),
        ("phi", 50000, "PHI/26E"),
    ]
    assert all(r.transaction_id == tx.pk and r.number == 1 for r in receipts)
    log = PaymentNotification.objects.get(reference=tx.reference)
    assert (
        log.verdict == NotificationVerdict.ACCEPTED and log.kind == "callback" and log.reply["MaLoi"] == "00"
    )

    dossier.refresh_from_db()
    assert dossier.paid_online is True
    event = dossier.events.get(action="record_payment")
    assert event.payload["state"] == "paid" and event.payload["reference"] == tx.reference
    # "Thu trước": the legal submission time is the payment time, and reception counts from it.
    assert dossier.submitted_at == request.paid_at and dossier.submitted_at > submitted
    dossier = world.receive(dossier)
    reception = DossierStep.objects.get(dossier=dossier, kind=DossierStep.Kind.RECEPTION)
    assert reception.started_at == request.paid_at
    assert aggregates.verify() == []
    # The provider's own receipt (GET_BILL) is a PDF.
    assert services.payment_bill_fetch(transaction=tx).startswith(b"%PDF")


def test_vnpay_payment_after_reception_through_the_ipn(world, wired):
    from motcua.catalog.models import Fee

    Fee.objects.filter(version=world.version).update(timing=Fee.Timing.AFTER)
    dossier = world.receive(world.submit_online())
    request = world.request_of(dossier)
    tx = services.payment_start(request=request, actor=world.citizen, provider="vnpay")
    params = dict(parse_qsl(urlsplit(tx.payment_url).query))
    assert params["vnp_Amount"] == "25000000" and params["vnp_TxnRef"] == tx.reference
    assert "250.000 đ" in open_page(tx.payment_url)
    location = click(tx.payment_url, reference=tx.reference)
    returned = dict(parse_qsl(urlsplit(location).query))
    assert location.startswith(f"{params['vnp_ReturnUrl']}?") and returned["vnp_ResponseCode"] == "00"
    assert wait_for(lambda: notified(tx))
    assert state_of(request) == PaymentRequest.State.PAID
    tx.refresh_from_db()
    assert not tx.through_dvcqg and tx.provider_transaction_id
    request.refresh_from_db()
    assert not request.paid_through_dvcqg
    assert PaymentNotification.objects.get(reference=tx.reference).reply == {
        "RspCode": "00",
        "Message": "Confirm Success",
    }
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED and dossier.paid_online is True


def test_a_cancelled_payment_leaves_the_request_payable(world, wired):
    request = world.request_of(world.submit_online())
    tx = services.payment_start(request=request, actor=world.citizen)
    click(tx.payment_url, action="cancel")
    assert wait_for(lambda: notified(tx))
    assert state_of(request) == PaymentRequest.State.UNPAID
    tx.refresh_from_db()
    assert tx.status == PaymentTransaction.Status.FAILED and tx.provider_code == "24"
    assert not Receipt.objects.exists()
    again = services.payment_start(request=request, actor=world.citizen)
    assert again.reference != tx.reference


def test_paying_twice_records_the_later_payment_as_a_refund_due(world, wired):
    request = world.request_of(world.submit_online())
    first = services.payment_start(request=request, actor=world.citizen)
    second = services.payment_start(request=request, actor=world.citizen)  # a second tab
    click(first.payment_url)
    click(second.payment_url)
    assert wait_for(lambda: notified(first) and notified(second))
    # The callbacks may be handled in either order (side by side on PostgreSQL): whichever comes second is the
    # duplicate.
    both = list(PaymentTransaction.objects.filter(pk__in=[first.pk, second.pk]))
    assert {tx.status for tx in both} == {"succeeded"}
    (booked,) = [tx for tx in both if not tx.duplicate]
    (duplicate,) = [tx for tx in both if tx.duplicate]
    refund = Refund.objects.get(transaction=duplicate)
    assert refund.reason == Refund.Reason.DUPLICATE and refund.amount == 250000
    receipts = Receipt.objects.filter(request=request)
    assert receipts.count() == 2 and {r.transaction_id for r in receipts} == {booked.pk}  # one per kind
    assert state_of(request) == PaymentRequest.State.PAID


def test_only_the_owner_or_reception_starts_a_payment(world, sandbox):
    request = world.request_of(world.submit_online())
    from motcua.core.errors import NotFound

    with pytest.raises(NotFound):
        services.payment_start(request=request, actor=world.other_citizen)
    with pytest.raises(NotFound):
        services.payment_start(request=request, actor=world.outsider)
    assert services.payment_start(request=request, actor=world.reception).payment_url
    assert not sandbox.transactions or len(sandbox.transactions) == 1


def test_a_provider_that_is_down_gives_a_clear_message_and_records_nothing_paid(world, sandbox):
    request = world.request_of(world.submit_online())
    sandbox.stop()
    for provider in ("paygov", "vnpay"):
        with pytest.raises(services.PaymentProviderUnavailable) as error:
            services.payment_start(request=request, actor=world.citizen, provider=provider)
        assert (
            "không kết nối được" in error.value.message
            and "Chưa có khoản tiền nào bị trừ" in error.value.message
        )
    assert set(PaymentTransaction.objects.values_list("status", flat=True)) == {"failed"}
    assert state_of(request) == PaymentRequest.State.UNPAID
    assert not Receipt.objects.exists()
    sandbox.start()
    sandbox.fail_next(1)  # a provider answering 503
    with pytest.raises(services.PaymentProviderUnavailable):
        services.payment_start(request=request, actor=world.citizen, provider="paygov")
    assert services.payment_start(request=request, actor=world.citizen, provider="paygov").payment_url
    assert state_of(request) == PaymentRequest.State.PENDING


def test_the_query_job_finds_a_payment_whose_callback_was_lost(world, wired):
    request = world.request_of(world.submit_online())
    lost = services.payment_start(request=request, actor=world.citizen, provider="paygov")
    wired.drop_next_notifications(1)
    click(lost.payment_url)
    assert wired.wait_until_notified()
    assert state_of(request) == PaymentRequest.State.PENDING  # nobody told us
    summary = services.payment_check_pending(older_than_seconds=0)
    assert (summary.checked, summary.succeeded) == (1, 1)
    lost.refresh_from_db()
    assert lost.status == "succeeded" and lost.settled_by == "query" and lost.checks == 1
    assert state_of(request) == PaymentRequest.State.PAID
    assert PaymentNotification.objects.filter(
        reference=lost.reference, kind="query", verdict="accepted"
    ).exists()
    # Nothing left to query.
    assert services.payment_check_pending(older_than_seconds=0).checked == 0


def test_the_query_job_fails_abandoned_payment_pages(world, wired, clock):
    request = world.request_of(world.submit_online())
    paygov = services.payment_start(request=request, actor=world.citizen, provider="paygov")
    vnpay = services.payment_start(
        request=request, actor=world.citizen, provider="vnpay"
    )  # page never opened
    summary = services.payment_check_pending(older_than_seconds=0)
    assert (summary.checked, summary.still_pending) == (2, 2)
    clock.shift(timedelta(minutes=30))
    summary = services.payment_check_pending(older_than_seconds=60)
    assert (summary.checked, summary.failed) == (2, 2)
    assert {t.status for t in PaymentTransaction.objects.filter(pk__in=[paygov.pk, vnpay.pk])} == {"failed"}
    assert state_of(request) == PaymentRequest.State.UNPAID


def test_the_query_job_survives_a_provider_that_is_down(world, sandbox):
    request = world.request_of(world.submit_online())
    services.payment_start(request=request, actor=world.citizen, provider="paygov")
    sandbox.stop()
    summary = services.payment_check_pending(older_than_seconds=0)
    assert (summary.checked, summary.errors) == (1, 1)
    assert state_of(request) == PaymentRequest.State.PENDING


def test_the_summary_for_pages_and_the_api(world, sandbox):
    dossier = world.submit_online()
    request = world.request_of(dossier)
    services.payment_start(request=request, actor=world.citizen)
    summary = selectors.payment_summary_for(dossier)
    assert summary.state == "pending" and summary.amount_due == 250000 and summary.amount_paid == 0
    assert selectors.payment_transaction_by_reference("nope") is None
    assert selectors.payment_request_get_for(world.citizen, request.public_id) == request
    from motcua.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.payment_request_get_for(world.other_citizen, request.public_id)
    assert timezone.now()  # the clock fixture ticks
