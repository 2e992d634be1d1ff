"""Message signatures of the payment protocols (../shared/domain/payments.md §3.3 and §5.2).

PayGov (``MaXacThuc``): lowercase hex SHA-256 of the fields joined with "|", ending with the shared secret.
VNPay (``vnp_SecureHash``): lowercase hex HMAC-SHA512 with the hash secret of the query string of the
``vnp_`` parameters sorted by key, values encoded with ``quote_plus``; the querydr API signs its fields joined
with "|" instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus

PAYGOV_INIT_FIELDS = (
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
)
PAYGOV_QUERY_FIELDS = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")  # also GET_BILL
PAYGOV_CALLBACK_FIELDS = (
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
# Our reply to a callback (payments.md §3.4 lists the fields; the signed order is the project's choice).
PAYGOV_REPLY_FIELDS = ("MaLoi", "MoTaLoi", "MaDoiTac", "ThoiGianGD")

VNPAY_QUERY_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
VNPAY_QUERY_ANSWER_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)


def _text(value) -> str:
    return "" if value is None else str(value)


def paygov_sign(values: Iterable, secret: str) -> str:
    return hashlib.sha256("|".join([*(_text(v) for v in values), secret]).encode("utf-8")).hexdigest()


def paygov_sign_fields(message: Mapping, fields: Iterable[str], secret: str) -> str:
    return paygov_sign([message.get(name, "") for name in fields], secret)


def paygov_verify(message: Mapping, fields: Iterable[str], secret: str) -> bool:
    given = _text(message.get("MaXacThuc")).lower()
    if not given:
        return False
    return hmac.compare_digest(paygov_sign_fields(message, fields, secret), given)


def vnpay_query_string(params: Mapping) -> str:
    data = {k: v for k, v in params.items() if k not in ("vnp_SecureHash", "vnp_SecureHashType")}
    return "&".join(f"{k}={quote_plus(_text(v))}" for k, v in sorted(data.items()))


def vnpay_hash(params: Mapping, secret: str) -> str:
    return hmac.new(
        secret.encode("utf-8"), vnpay_query_string(params).encode("utf-8"), hashlib.sha512
    ).hexdigest()


def vnpay_verify(params: Mapping, secret: str) -> bool:
    given = _text(params.get("vnp_SecureHash")).lower()
    if not given:
        return False
    return hmac.compare_digest(vnpay_hash(params, secret), given)


def vnpay_pipe_hash(message: Mapping, fields: Iterable[str], secret: str) -> str:
    data = "|".join(_text(message.get(name, "")) for name in fields)
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def vnpay_pipe_verify(message: Mapping, fields: Iterable[str], secret: str) -> bool:
    given = _text(message.get("vnp_SecureHash")).lower()
    if not given:
        return False
    return hmac.compare_digest(vnpay_pipe_hash(message, fields, secret), given)
