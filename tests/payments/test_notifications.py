"""The applicant is told when fees are received: the payments app records a ``record_payment`` dossier event
and the notifications app turns it into an e-mail, an SMS and a portal message with the receipts page (the
lookup page for a dossier without an account). Exemptions and cancellations tell nobody that money came."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.notifications.models import OutboxMessage
from motcua.payments import services
from motcua.payments.models import CollectionMethod

from .conftest import pdf

SITE = "https://dichvucong.example.gov.vn"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


def received(dossier) -> dict[str, OutboxMessage]:
    return {
        m.channel: m
        for m in OutboxMessage.objects.filter(reference=dossier.code, template="payment_received")
    }


def test_an_online_payment_tells_the_applicant_with_the_receipts_page(world, sandbox):
    dossier = world.submit_online()
    assert received(dossier) == {}  # nothing yet: the fees are only asked for
    transaction = services.payment_start(
        request=world.request_of(dossier), actor=world.citizen, provider="paygov"
    )
    assert received(dossier) == {}  # a payment under way is not a payment
    sandbox.pay(transaction.reference)
    services.payment_transaction_check(transaction=transaction)

    messages = received(dossier)
    assert set(messages) == {"email", "sms", "portal"}
    assert messages["portal"].user == world.citizen and messages["sms"].recipient == "0912345678"
    event = dossier.events.get(action="record_payment", payload__state="paid")
    assert messages["sms"].idempotency_key == f"dossier-event:{event.pk}:sms"
    receipts = SITE + reverse("payments:receipts", args=[dossier.code])
    sms = messages["sms"].body
    assert sms.startswith(f"Đã nhận phí, lệ phí 250.000 đ của hồ sơ {dossier.code}.")
    assert f"Biên lai: {receipts}" in sms and len(sms) <= 320
    email = messages["email"].body
    assert f"Cơ quan đã nhận đủ khoản phí, lệ phí 250.000 đ của hồ sơ mã số {dossier.code}." in email
    assert "Hình thức nộp: thanh toán trực tuyến." in email
    assert f"Xem và tải biên lai thu phí, lệ phí tại {receipts}" in email
    # "thu trước": the submission time is the payment time, and the one-stop unit receives it now
    assert "thời điểm nộp hồ sơ được tính từ lúc thanh toán" in email
    assert messages["email"].subject == f"Đã nhận phí, lệ phí của hồ sơ {dossier.code}"


def test_a_counter_collection_for_a_dossier_without_account_links_the_lookup(world):
    dossier = world.register()
    request = world.request_of(dossier)
    services.payment_collection_record(
        request=request,
        actor=world.reception,
        method=CollectionMethod.CASH,
        amount=request.amount,
        proof=pdf("phieu-thu.pdf"),
        payer_name="Nguyễn Văn An",
        reference="PT-0001",
    )
    messages = received(dossier)
    assert set(messages) == {"email", "sms"}  # no account: no portal message, no receipts page
    lookup = f"{SITE}/tra-cuu/?ma={dossier.code}"
    assert f"Tra cứu: {lookup}" in messages["sms"].body and "Biên lai:" not in messages["sms"].body
    email = messages["email"].body
    assert "Hình thức nộp: nộp tiền mặt." in email and "200.000 đ" in email
    assert "/bien-lai/" not in email and "tính từ lúc thanh toán" not in email


def test_an_exemption_tells_nobody_money_was_received(world):
    dossier = world.submit_online()
    services.payment_request_exempt(
        request=world.request_of(dossier), actor=world.reception, reason="Hộ nghèo"
    )
    assert dossier.events.filter(action="record_payment", payload__state="cancelled").exists()
    assert received(dossier) == {}
