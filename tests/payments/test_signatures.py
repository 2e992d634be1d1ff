"""Signature vectors computed here, independently, from the formulas of ../shared/domain/payments.md §3.3 and
§5.2, and checked against the project's signing code, the providers' messages and the sandbox server."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl, quote_plus, urlsplit
from zoneinfo import ZoneInfo

import pytest

from motcua.payments.providers import PayGovProvider, StartData, VnpayProvider
from motcua.payments.providers.signing import (
    PAYGOV_CALLBACK_FIELDS,
    PAYGOV_INIT_FIELDS,
    PAYGOV_QUERY_FIELDS,
    paygov_sign,
    paygov_sign_fields,
    paygov_verify,
    vnpay_hash,
    vnpay_pipe_hash,
    vnpay_verify,
)
from motcua.sandbox import payment as sandbox

VN = ZoneInfo("Asia/Ho_Chi_Minh")

INIT_VALUES = [
    "INIT",
    "1.0.6",
    "MOTCUA",
    "dvc000001H42260302000126030209000012345",
    "250000",
    "PAY",
    "1",
    "1",
    "vi-VN",
    "VND",
    "PAYMENT",
    "Thanh toan phi, le phi ho so 000.00.01.H42-260302-0001",
    "20260302090000",
    "127.0.0.1",
]
CALLBACK = {
    "LoaiBanTin": "CALLBACK",
    "MaLoi": "00",
    "MaDoiTac": "MOTCUA",
    "MaThamChieu": "dvcREF1",
    "SoTien": "250000",
    "MaTienTe": "VND",
    "MaGiaoDich": "PG10000001",
    "MaNganHang": "NCB",
    "ThoiGianGD": "20260302091500",
    "ThongTinGiaoDich": "Lệ phí hồ sơ",
}
VNP_PARAMS = {
    "vnp_Version": "2.1.0",
    "vnp_Command": "pay",
    "vnp_TmnCode": "MCTEST01",
    "vnp_Amount": "25000000",
    "vnp_CurrCode": "VND",
    "vnp_TxnRef": "dvcREF2",
    "vnp_OrderInfo": "Thanh toan phi, le phi ho so A-1",
    "vnp_OrderType": "billpayment",
    "vnp_Locale": "vn",
    "vnp_ReturnUrl": "http://127.0.0.1:8000/thanh-toan/ket-qua/",
    "vnp_IpAddr": "127.0.0.1",
    "vnp_CreateDate": "20260302090000",
}


def sha256_pipe(values, secret):
    """payments.md §3.3: lowercase hex SHA-256 of the fields joined with "|", ending with the secret."""
    return hashlib.sha256("|".join([*values, secret]).encode("utf-8")).hexdigest()


def vnp_reference_hash(params, secret):
    """payments.md §5.2: sort by key, quote_plus the values, HMAC-SHA512 with the hash secret."""
    data = {k: v for k, v in params.items() if k not in ("vnp_SecureHash", "vnp_SecureHashType")}
    query = "&".join(f"{k}={quote_plus(str(v))}" for k, v in sorted(data.items()))
    return hmac.new(secret.encode(), query.encode(), hashlib.sha512).hexdigest()


def test_paygov_init_signature_matches_the_formula_and_a_fixed_vector():
    expected = sha256_pipe(INIT_VALUES, "secret-1")
    assert expected == "335c23adc0a0ffddf048a0a8b21c0a1a5acb91d233378150ec1ad547da279d88"
    assert paygov_sign(INIT_VALUES, "secret-1") == expected
    assert (
        paygov_sign_fields(
            dict(zip(PAYGOV_INIT_FIELDS, INIT_VALUES, strict=True)), PAYGOV_INIT_FIELDS, "secret-1"
        )
        == expected
    )


def test_paygov_callback_signature_and_verification():
    expected = sha256_pipe([CALLBACK[k] for k in PAYGOV_CALLBACK_FIELDS], "secret-1")
    assert expected == "826a9ce96605f5cae28e697899261a555a4d9ff1a12f80a49285a9dc94338db2"
    signed = {
        **CALLBACK,
        "MaXacThuc": expected.upper(),
    }  # the comparison ignores case, like the reference code
    assert paygov_verify(signed, PAYGOV_CALLBACK_FIELDS, "secret-1")
    assert not paygov_verify(signed, PAYGOV_CALLBACK_FIELDS, "secret-2")
    assert not paygov_verify({**signed, "SoTien": "250001"}, PAYGOV_CALLBACK_FIELDS, "secret-1")
    assert not paygov_verify({**CALLBACK}, PAYGOV_CALLBACK_FIELDS, "secret-1")  # no MaXacThuc at all


def test_paygov_query_and_bill_fields_are_the_documented_ones():
    assert PAYGOV_QUERY_FIELDS == ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
    message = {
        "LoaiBanTin": "QUERY",
        "PhienBan": "1.0.6",
        "MaDoiTac": "M",
        "MaThamChieu": "R",
        "ThoiGianGD": "1",
    }
    assert paygov_sign_fields(message, PAYGOV_QUERY_FIELDS, "s") == sha256_pipe(
        ["QUERY", "1.0.6", "M", "R", "1"], "s"
    )


def test_vnpay_secure_hash_matches_the_formula_and_a_fixed_vector():
    expected = vnp_reference_hash(VNP_PARAMS, "vnp-secret")
    assert expected.startswith("d0690914b2084307f5679c9465371b9fab6245aec7c55cc0d1229687ad96f9f4")
    assert vnpay_hash(VNP_PARAMS, "vnp-secret") == expected
    signed = {**VNP_PARAMS, "vnp_SecureHash": expected, "vnp_SecureHashType": "HmacSHA512"}
    assert vnpay_verify(signed, "vnp-secret")
    assert not vnpay_verify({**signed, "vnp_Amount": "25000100"}, "vnp-secret")
    assert not vnpay_verify(signed, "other")


def test_vnpay_querydr_pipe_hash():
    fields = ("vnp_RequestId", "vnp_Version", "vnp_Command")
    message = {"vnp_RequestId": "abc", "vnp_Version": "2.1.0", "vnp_Command": "querydr"}
    expected = hmac.new(b"k", b"abc|2.1.0|querydr", hashlib.sha512).hexdigest()
    assert vnpay_pipe_hash(message, fields, "k") == expected


def _start_data(**overrides) -> StartData:
    data = {
        "reference": "dvcREF3",
        "amount": 250000,
        "description": "Thanh toán phí, lệ phí hồ sơ 000.00.01.H42-260302-0001",
        "created_at": datetime(2026, 3, 2, 9, 0, tzinfo=VN),
        "return_url": "http://127.0.0.1:8000/thanh-toan/ket-qua/",
        "client_ip": "10.0.0.7",
        "lines": [{"kind": "le_phi", "code": "LP01", "name": "Lệ phí", "amount": 250000}],
    }
    data.update(overrides)
    return StartData(**data)


def test_the_paygov_init_message_is_signed_over_its_own_fields():
    provider = PayGovProvider(url="", listing_url="", partner_code="MOTCUA", token="t", secret="secret-1")
    message = provider.init_message(_start_data())
    assert message["ThoiGianGD"] == "20260302090000"  # yyyyMMddHHmmss in GMT+7
    assert message["SoTien"] == "250000" and message["Ip"] == "10.0.0.7"
    assert message["MaXacThuc"] == sha256_pipe([message[k] for k in PAYGOV_INIT_FIELDS], "secret-1")
    assert message["ThongTinBienLai"]["PhiLePhi"] == [
        {"LoaiPhiLePhi": "2", "MaPhiLePhi": "LP01", "TenPhiLePhi": "Lệ phí", "SoTien": "250000"}
    ]


def test_the_vnpay_payment_url_carries_amount_times_100_and_a_valid_hash():
    provider = VnpayProvider(
        payment_url="http://pay.invalid/vpcpay.html",
        api_url="",
        listing_url="",
        tmn_code="MCTEST01",
        hash_secret="k",
    )
    params = provider.payment_params(_start_data())
    assert params["vnp_Amount"] == "25000000"
    assert params["vnp_CreateDate"] == "20260302090000" and params["vnp_ExpireDate"] == "20260302091500"
    assert params["vnp_SecureHash"] == vnp_reference_hash(params, "k")


@pytest.mark.parametrize("secret", ["secret-1", "một bí mật có dấu"])
def test_the_sandbox_signs_like_the_formulas(secret):
    server = sandbox.PaymentSandbox(paygov_partner_code="MOTCUA", paygov_secret=secret, vnpay_secret=secret)
    transaction = {
        "protocol": "paygov",
        "reference": "dvcREF1",
        "amount": 250000,
        "description": "Lệ phí hồ sơ",
        "status": "succeeded",
        "transaction_no": "10000001",
        "bank": "NCB",
        "paid_at": "2026-03-02T09:15:00+07:00",
        "created_at": "2026-03-02T09:00:00+07:00",
    }
    callback = server.paygov_result(transaction)
    assert callback["MaXacThuc"] == sha256_pipe([callback[k] for k in PAYGOV_CALLBACK_FIELDS], secret)
    assert callback["ThoiGianGD"] == "20260302091500" and callback["MaLoi"] == "00"
    ipn = server.vnpay_result({**transaction, "protocol": "vnpay"})
    assert ipn["vnp_Amount"] == "25000000"
    assert ipn["vnp_SecureHash"] == vnp_reference_hash(ipn, secret)
    url = urlsplit(
        server._return_url({**transaction, "protocol": "vnpay", "return_url": "http://x.invalid/r"})
    )
    returned = dict(parse_qsl(url.query))
    assert returned["vnp_SecureHash"] == vnp_reference_hash(returned, secret)
