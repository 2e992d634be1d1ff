"""The payment provider goes down under traffic: many payments in flight from several threads, the sandbox
stopped for a while, callbacks lost or delayed. After it returns and the jobs run, every payment the provider
recorded as successful is recorded exactly once by us: none lost, none doubled. While it is down, starting a
payment answers a clear Vietnamese message and records nothing paid.

On PostgreSQL everything runs side by side: citizens starting payments from several threads, the sandbox's
four notification senders, the live server's request threads. The SQLite test database lives in memory and
the live server shares the test's one connection, so there the starts take turns and the sandbox sends one
notification at a time (the citizens' clicks and the outage still overlap); the test touches the database only
while no notification is being handled.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from django.db import close_old_connections, connection

from motcua.dossiers.models import DossierEvent
from motcua.payments import services
from motcua.payments.models import (
    PaymentEvent,
    PaymentNotification,
    PaymentRequest,
    PaymentTransaction,
    Receipt,
    Refund,
)

pytestmark = pytest.mark.django_db(transaction=True)

PAYMENTS = 24


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def click(tx, action: str) -> str:
    """The citizen's browser: open the payment page, press the button. Returns what happened."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(tx.payment_url, timeout=5).read()
        form = urlencode({"action": action, "bank": "NCB", "vnp_TxnRef": tx.reference}).encode()
        opener.open(urllib.request.Request(tx.payment_url.split("?")[0], data=form, method="POST"), timeout=5)
    except urllib.error.HTTPError as error:
        return "redirected" if error.code == 303 else f"HTTP {error.code}"
    except (urllib.error.URLError, OSError):
        return "provider down"
    return "no redirect"


def in_thread(function):
    """Run ``function`` with its own database connection, closed afterwards."""

    def run(*args):
        try:
            return function(*args)
        finally:
            if connection.vendor != "sqlite":  # the in-memory SQLite connection is shared: keep it open
                close_old_connections()
                connection.close()

    return run


def test_payments_survive_a_provider_outage_under_traffic(world, sandbox, live_server, payment_settings):
    sandbox.paygov_callback_url = f"{live_server.url}/api/v1/payments/paygov/callback"
    sandbox.vnpay_ipn_url = f"{live_server.url}/api/v1/payments/vnpay/ipn"
    payment_settings.MOTCUA_PAYMENT_RETURN_URL = f"{live_server.url}/thanh-toan/ket-qua/"
    sqlite = connection.vendor == "sqlite"
    serial = threading.Lock() if sqlite else contextlib.nullcontext()
    sandbox.senders = 1 if sqlite else 4
    sandbox.stop()
    sandbox.start()
    requests = [world.request_of(world.submit_online()) for _ in range(PAYMENTS)]
    providers = ["paygov" if n % 2 else "vnpay" for n in range(PAYMENTS)]

    @in_thread
    def start(n):
        with serial:
            return services.payment_start(request=requests[n], actor=world.citizen, provider=providers[n])

    with ThreadPoolExecutor(max_workers=4) as pool:
        transactions = list(pool.map(start, range(PAYMENTS)))
    assert PaymentTransaction.objects.filter(status="initiated").count() == PAYMENTS

    # Some notifications will be lost for good; the citizens pay (every fifth one cancels) from several
    # threads, and half-way through the provider goes down.
    sandbox.drop_next_notifications(3)
    rng = random.Random(5)
    actions = ["cancel" if n % 5 == 0 else "pay" for n in range(PAYMENTS)]
    outcomes: dict[int, str] = {}
    halfway = threading.Event()

    def pay(n):
        time.sleep(rng.random() * 0.2)
        outcomes[n] = click(transactions[n], actions[n])
        if len(outcomes) >= PAYMENTS // 2:
            halfway.set()

    clicks = [threading.Thread(target=pay, args=(n,)) for n in range(PAYMENTS)]
    for thread in clicks:
        thread.start()
    assert halfway.wait(30)
    sandbox.stop()

    # While it is down: a clear message, nothing paid.
    late = world.request_of(world.submit_online())
    with pytest.raises(services.PaymentProviderUnavailable) as error:
        services.payment_start(request=late, actor=world.citizen, provider="paygov")
    assert "đang tạm thời không kết nối được" in error.value.message
    assert "Chưa có khoản tiền nào bị trừ" in error.value.message
    assert PaymentRequest.objects.get(pk=late.pk).state == "unpaid"
    assert not PaymentTransaction.objects.filter(request=late).exclude(status="failed").exists()
    assert not Receipt.objects.filter(request=late).exists()
    # The job finds the provider down and changes nothing.
    down = services.payment_check_pending(older_than_seconds=0)
    assert down.errors == down.checked
    for thread in clicks:
        thread.join(30)
    assert (
        "provider down" in outcomes.values()
        or sum(1 for o in outcomes.values() if o == "redirected") < PAYMENTS
    )

    time.sleep(0.3)
    restarted = time.monotonic()
    sandbox.start()  # back on the same port, with the notifications it still has to send
    assert sandbox.wait_until_notified(60)
    summary = services.payment_check_pending(older_than_seconds=0)
    assert summary.errors == 0
    run = services.reconciliation_run(day=transactions[0].initiated_at.astimezone().date(), provider="paygov")
    run_vnpay = services.reconciliation_run(
        day=transactions[0].initiated_at.astimezone().date(), provider="vnpay"
    )
    assert run.outcome != "failed" and run_vnpay.outcome != "failed"

    provider_succeeded = {t["reference"] for t in sandbox.transactions if t["status"] == "succeeded"}
    ours_succeeded = set(
        PaymentTransaction.objects.filter(status="succeeded").values_list("reference", flat=True)
    )
    assert provider_succeeded, "some payments must have gone through"
    assert ours_succeeded == provider_succeeded  # none lost, none invented
    assert len(provider_succeeded) <= PAYMENTS - PAYMENTS // 5
    # Exactly once: each paid request paid by one transaction, with one "pay" event, one set of receipts and
    # one record_payment event on its dossier; no refunds (nobody paid twice).
    paid = PaymentRequest.objects.filter(state="paid")
    assert paid.count() == len(provider_succeeded)
    assert PaymentEvent.objects.filter(action="pay").count() == len(provider_succeeded)
    assert Receipt.objects.count() == 2 * len(provider_succeeded)
    assert not Refund.objects.exists() and not PaymentTransaction.objects.filter(duplicate=True).exists()
    for request in paid:
        assert request.transactions.filter(status="succeeded").count() == 1
        assert (
            DossierEvent.objects.filter(dossier_id=request.dossier_id, action="record_payment").count() == 1
        )
    # Every payment the provider failed (cancelled or never clicked before its page expired) is not paid here.
    for reference in {t["reference"] for t in sandbox.transactions} - provider_succeeded:
        assert PaymentTransaction.objects.get(reference=reference).status != "succeeded"
    accepted = PaymentNotification.objects.filter(verdict="accepted", reported_status="succeeded")
    assert accepted.values("reference").distinct().count() == len(provider_succeeded)
    settled_by = dict.fromkeys(("callback", "query", "reconciliation"), 0)
    for value in PaymentTransaction.objects.filter(status="succeeded").values_list("settled_by", flat=True):
        settled_by[value] += 1
    print(  # the figures docs/payments.md quotes (run with -s)
        f"\n{connection.vendor}: {PAYMENTS} payments, clicks {sorted(outcomes.values()).count('redirected')} "
        f"redirected / {list(outcomes.values()).count('provider down')} hit the outage; "
        f"{len(provider_succeeded)} succeeded at the provider = {len(ours_succeeded)} here "
        f"(settled by {settled_by}); notification attempts {len(sandbox.deliveries)}; "
        f"converged {time.monotonic() - restarted:.1f} s after the restart"
    )
