"""The partners' notifications at our API: each is checked (signature, reference, amount), answered in the
partner's own format, logged with its verdict, and only a valid first result changes anything."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from urllib.parse import quote_plus, urlencode

import pytest

from motcua.core.models import AppendOnlyError
from motcua.payments import services
from motcua.payments.models import PaymentNotification, PaymentRequest, PaymentTransaction, Receipt

from .conftest import PARTNER, PAYGOV_SECRET, TMN, VNPAY_SECRET

PAYGOV_URL = "/api/v1/payments/paygov/callback"
VNPAY_URL = "/api/v1/payments/vnpay/ipn"
CALLBACK_FIELDS = (
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
)


def paygov_message(tx, *, code="00", amount=None, secret=PAYGOV_SECRET, **overrides) -> dict:
    message = {
        "LoaiBanTin": "CALLBACK",
        "MaLoi": code,
        "MaDoiTac": PARTNER,
        "MaThamChieu": tx.reference if tx else "dvcUNKNOWN",
        "SoTien": str(tx.amount if amount is None else amount),
        "MaTienTe": "VND",
        "MaGiaoDich": "PG77",
        "MaNganHang": "NCB",
        "ThoiGianGD": "20260302091000",
        "ThongTinGiaoDich": "Thanh toán lệ phí",
        **overrides,
    }
    data = "|".join([*(str(message[k]) for k in CALLBACK_FIELDS), secret])
    message["MaXacThuc"] = hashlib.sha256(data.encode()).hexdigest()
    return message


def vnpay_params(tx, *, code="00", amount=None, secret=VNPAY_SECRET, **overrides) -> dict:
    params = {
        "vnp_TmnCode": TMN,
        "vnp_Amount": str((tx.amount if amount is None else amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_OrderInfo": "Thanh toan",
        "vnp_ResponseCode": code,
        "vnp_TransactionStatus": "00" if code == "00" else "02",
        "vnp_TxnRef": tx.reference if tx else "vnpUNKNOWN",
        "vnp_TransactionNo": "14226112",
        "vnp_PayDate": "20260302091000",
        **overrides,
    }
    query = "&".join(f"{k}={quote_plus(v)}" for k, v in sorted(params.items()))
    params["vnp_SecureHash"] = hmac.new(secret.encode(), query.encode(), hashlib.sha512).hexdigest()
    return params


def post(client, message):
    response = client.post(PAYGOV_URL, data=json.dumps(message), content_type="application/json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    return response.json()


def ipn(client, params):
    response = client.get(f"{VNPAY_URL}?{urlencode(params)}")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def paygov_tx(world, sandbox):
    request = PaymentRequest.objects.get(dossier=world.submit_online())
    return services.payment_start(request=request, actor=world.citizen, provider="paygov")


@pytest.fixture
def vnpay_tx(world, sandbox):
    request = PaymentRequest.objects.get(dossier=world.submit_online())
    return services.payment_start(request=request, actor=world.citizen, provider="vnpay")


def nothing_changed(tx):
    tx.refresh_from_db()
    assert tx.status == PaymentTransaction.Status.INITIATED
    assert PaymentRequest.objects.get(pk=tx.request_id).state == PaymentRequest.State.PENDING
    assert not Receipt.objects.exists()


def verdicts(tx=None):
    rows = PaymentNotification.objects.order_by("id")
    if tx is not None:
        rows = rows.filter(reference=tx.reference)
    return list(rows.values_list("verdict", flat=True))


def test_paygov_reply_is_signed_in_the_partner_format(client, paygov_tx):
    reply = post(client, paygov_message(paygov_tx))
    assert set(reply) == {"MaLoi", "MoTaLoi", "MaDoiTac", "ThoiGianGD", "MaXacThuc"}
    assert reply["MaLoi"] == "00" and reply["MaDoiTac"] == PARTNER
    data = "|".join([reply["MaLoi"], reply["MoTaLoi"], reply["MaDoiTac"], reply["ThoiGianGD"], PAYGOV_SECRET])
    assert reply["MaXacThuc"] == hashlib.sha256(data.encode()).hexdigest()
    paygov_tx.refresh_from_db()
    assert paygov_tx.status == "succeeded" and paygov_tx.provider_transaction_id == "PG77"


def test_paygov_forged_signature(client, paygov_tx, caplog):
    with caplog.at_level(logging.WARNING, logger="motcua.payments"):
        reply = post(client, paygov_message(paygov_tx, secret="not-the-secret"))
    assert reply["MaLoi"] == "01"
    nothing_changed(paygov_tx)
    assert verdicts(paygov_tx) == ["bad_signature"]
    assert "bad_signature" in caplog.text and PAYGOV_SECRET not in caplog.text


def test_paygov_wrong_amount(client, paygov_tx):
    reply = post(client, paygov_message(paygov_tx, amount=1000))
    assert reply["MaLoi"] == "03"
    nothing_changed(paygov_tx)
    row = PaymentNotification.objects.get()
    assert (row.verdict, row.reported_amount, row.transaction_id) == ("wrong_amount", 1000, paygov_tx.pk)


def test_paygov_unknown_reference(client, paygov_tx):
    reply = post(client, paygov_message(None, amount=250000))
    assert reply["MaLoi"] == "02"
    nothing_changed(paygov_tx)
    assert verdicts() == ["unknown_reference"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"MaThamChieu": "x"}).encode()],
    ids=["not-json", "not-an-object", "missing-fields"],
)
def test_paygov_malformed(client, paygov_tx, body):
    response = client.post(PAYGOV_URL, data=body, content_type="application/json")
    assert response.status_code == 200 and response.json()["MaLoi"] == "04"
    nothing_changed(paygov_tx)
    assert verdicts() == ["malformed"]


def test_paygov_replay_and_a_failure_after_the_success_change_nothing(client, paygov_tx):
    message = paygov_message(paygov_tx)
    assert post(client, message)["MaLoi"] == "00"
    settled = PaymentTransaction.objects.get(pk=paygov_tx.pk)
    assert post(client, message)["MaLoi"] == "05"  # the same message again
    assert post(client, paygov_message(paygov_tx, code="24"))["MaLoi"] == "05"  # a late "failed"
    after = PaymentTransaction.objects.get(pk=paygov_tx.pk)
    assert (after.status, after.settled_at, after.provider_code) == ("succeeded", settled.settled_at, "00")
    assert Receipt.objects.count() == 2 and PaymentRequest.objects.get().state == "paid"
    assert verdicts(paygov_tx) == ["accepted", "duplicate", "out_of_order"]


def test_paygov_a_success_after_a_failure_is_recorded(client, paygov_tx):
    assert post(client, paygov_message(paygov_tx, code="24"))["MaLoi"] == "00"
    assert PaymentRequest.objects.get().state == "unpaid"
    assert post(client, paygov_message(paygov_tx))["MaLoi"] == "00"  # the money was taken after all
    assert PaymentRequest.objects.get().state == "paid"


def test_vnpay_ipn_answers(client, vnpay_tx):
    assert ipn(client, vnpay_params(vnpay_tx, secret="forged")) == {
        "RspCode": "97",
        "Message": "Invalid signature",
    }
    assert ipn(client, vnpay_params(vnpay_tx, amount=1)) == {"RspCode": "04", "Message": "Invalid amount"}
    assert ipn(client, vnpay_params(None, amount=250000))["RspCode"] == "01"
    assert ipn(client, {"vnp_TxnRef": vnpay_tx.reference})["RspCode"] == "99"
    nothing_changed(vnpay_tx)
    good = vnpay_params(vnpay_tx)
    assert ipn(client, good) == {"RspCode": "00", "Message": "Confirm Success"}
    assert ipn(client, good)["RspCode"] == "02"
    assert ipn(client, vnpay_params(vnpay_tx, code="24"))["RspCode"] == "02"
    vnpay_tx.refresh_from_db()
    assert vnpay_tx.status == "succeeded" and vnpay_tx.provider_transaction_id == "14226112"
    assert verdicts() == [
        "bad_signature",
        "wrong_amount",
        "unknown_reference",
        "malformed",
        "accepted",
        "duplicate",
        "out_of_order",
    ]


def test_a_callback_for_the_other_protocol_is_unknown(client, vnpay_tx):
    """A PayGov-signed message naming a VNPay transaction does not touch it."""
    reply = post(client, paygov_message(vnpay_tx))
    assert reply["MaLoi"] == "02"
    nothing_changed(vnpay_tx)


def test_the_log_keeps_what_was_received_without_our_secrets(client, paygov_tx):
    post(client, paygov_message(paygov_tx, secret="forged"))
    row = PaymentNotification.objects.get()
    assert row.payload["MaThamChieu"] == paygov_tx.reference and row.remote_addr == "127.0.0.1"
    dumped = json.dumps([row.payload, row.reply])
    assert PAYGOV_SECRET not in dumped and VNPAY_SECRET not in dumped
    with pytest.raises(AppendOnlyError):
        row.save()


def test_a_payment_completed_after_the_dossier_was_withdrawn_is_refunded(client, world, paygov_tx):
    from motcua.dossiers import services as dossier_services
    from motcua.payments.models import Refund

    dossier = paygov_tx.request.dossier
    dossier.refresh_from_db()
    dossier_services.dossier_withdraw(
        dossier=dossier, actor=world.citizen, revision=dossier.revision, reason="Không cần nữa"
    )
    assert PaymentRequest.objects.get().state == "pending"  # its payment is still under way
    assert post(client, paygov_message(paygov_tx))["MaLoi"] == "00"
    paygov_tx.refresh_from_db()
    assert paygov_tx.status == "succeeded" and paygov_tx.duplicate
    request = PaymentRequest.objects.get()
    assert request.state == "cancelled" and not Receipt.objects.exists()
    refund = Refund.objects.get(transaction=paygov_tx)
    assert (
        refund.reason == Refund.Reason.OTHER
        and refund.amount == 250000
        and "Công dân yêu cầu rút" in refund.note
    )
