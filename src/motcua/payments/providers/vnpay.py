"""VNPay-style client: a bank / e-wallet gateway used directly (../shared/domain/payments.md §5).

* The citizen is redirected to the payment URL carrying the ``vnp_`` parameters and ``vnp_SecureHash``
  (HMAC-SHA512 of the sorted, ``quote_plus``-encoded query string).
* The result arrives server to server by **IPN** (GET with the same signing); we answer
  ``{"RspCode", "Message"}``: 00 confirmed, 01 order not found, 02 already confirmed, 04 invalid amount,
  97 invalid signature, 99 other error. The return URL is only for display.
* ``querydr`` (POST JSON to the merchant API, fields signed joined with "|") tells a transaction's status:
  ``vnp_ResponseCode`` 00 found / 91 not found; ``vnp_TransactionStatus`` 00 success, 01 not finished,
  anything else failed [S: VNPay public documentation].
* The day's listing for reconciliation (``GET <listing URL>?vnp_TmnCode=..&vnp_Date=yyyyMMdd&vnp_SecureHash=..``,
  answering ``{"RspCode": "00", "data": [<IPN parameters>, ...]}``) is what the sandbox offers; with the real
  gateway it comes from the merchant portal's reconciliation file and must be agreed with the bank.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.utils import timezone

from .base import (
    Incoming,
    PaymentProvider,
    ProviderError,
    Report,
    ReportStatus,
    StartData,
    http_call,
    json_answer,
    parse_amount,
    parse_stamp,
    stamp,
)
from .paygov import transaction_info
from .signing import (
    VNPAY_QUERY_ANSWER_FIELDS,
    VNPAY_QUERY_FIELDS,
    vnpay_hash,
    vnpay_pipe_hash,
    vnpay_pipe_verify,
    vnpay_verify,
)

VERSION = "2.1.0"
IPN_REQUIRED = ("vnp_TmnCode", "vnp_TxnRef", "vnp_Amount", "vnp_ResponseCode", "vnp_SecureHash")

REPLY_CODES = {
    "accepted": ("00", "Confirm Success"),
    "still_pending": ("00", "Confirm Success"),
    "duplicate": ("02", "Order already confirmed"),
    "out_of_order": ("02", "Order already confirmed"),
    "unknown_reference": ("01", "Order not found"),
    "wrong_amount": ("04", "Invalid amount"),
    "bad_signature": ("97", "Invalid signature"),
    "malformed": ("99", "Invalid request"),
    "error": ("99", "Unknown error"),
}


def status_of(response_code: str, transaction_status: str) -> ReportStatus:
    if response_code == "00" and transaction_status in ("00", ""):
        return ReportStatus.SUCCEEDED
    if transaction_status == "01":
        return ReportStatus.PENDING
    return ReportStatus.FAILED


class VnpayProvider(PaymentProvider):
    code = "vnpay"
    through_dvcqg = False

    def __init__(
        self,
        *,
        payment_url: str,
        api_url: str,
        listing_url: str,
        tmn_code: str,
        hash_secret: str,
        timeout: float = 10,
        expire_minutes: int = 15,
    ):
        self.payment_url, self.api_url, self.listing_url = payment_url, api_url, listing_url
        self.tmn_code, self.hash_secret = tmn_code, hash_secret
        self.timeout, self.expire_minutes = timeout, expire_minutes

    # --- outgoing ---------------------------------------------------------------------------------------

    def payment_params(self, data: StartData) -> dict:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(int(data.amount) * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": data.reference,
            "vnp_OrderInfo": transaction_info(data.description),
            "vnp_OrderType": "billpayment",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": data.return_url,
            "vnp_IpAddr": data.client_ip or "127.0.0.1",
            "vnp_CreateDate": stamp(data.created_at),
            "vnp_ExpireDate": stamp(data.created_at + timedelta(minutes=self.expire_minutes)),
        }
        params["vnp_SecureHash"] = vnpay_hash(params, self.hash_secret)
        return params

    def start(self, data: StartData) -> str:
        # The payment page is opened by the citizen's browser; make sure the gateway answers at all first, so
        # that a gateway that is down gives a clear message here instead of a browser error there.
        http_call(self.payment_url, method="HEAD", timeout=self.timeout)
        params = self.payment_params(data)
        return f"{self.payment_url}?{urlencode(params)}"

    def query_message(self, *, reference: str, created_at: datetime, client_ip: str = "") -> dict:
        message = {
            "vnp_RequestId": uuid.uuid4().hex[:32],
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": reference,
            "vnp_TransactionDate": stamp(created_at),
            "vnp_CreateDate": stamp(timezone.now()),
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_OrderInfo": f"Truy van giao dich {reference}",
        }
        message["vnp_SecureHash"] = vnpay_pipe_hash(message, VNPAY_QUERY_FIELDS, self.hash_secret)
        return message

    def query(self, *, reference: str, created_at: datetime, client_ip: str = "") -> Report:
        message = self.query_message(reference=reference, created_at=created_at, client_ip=client_ip)
        status, _type, content = http_call(self.api_url, method="POST", body=message, timeout=self.timeout)
        answer = json_answer(status, content)
        if not vnpay_pipe_verify(answer, VNPAY_QUERY_ANSWER_FIELDS, self.hash_secret):
            raise ProviderError(
                f"querydr answer has a wrong signature: {str(answer.get('vnp_ResponseCode'))}"
            )
        response_code = str(answer.get("vnp_ResponseCode", ""))
        if str(answer.get("vnp_TxnRef", "")) not in ("", reference):
            raise ProviderError("querydr answer is about another transaction")
        if response_code == "91":
            return Report(reference=reference, status=ReportStatus.NOT_FOUND, amount=None, code="91")
        if response_code != "00":
            raise ProviderError(f"querydr refused: {response_code} {str(answer.get('vnp_Message'))[:200]}")
        transaction_status = str(answer.get("vnp_TransactionStatus", ""))
        raw_amount = parse_amount(answer.get("vnp_Amount"))
        return Report(
            reference=reference,
            status=status_of("00", transaction_status) if transaction_status else ReportStatus.PENDING,
            amount=None if raw_amount is None else raw_amount // 100,
            provider_transaction_id=str(answer.get("vnp_TransactionNo") or "")[:64],
            bank_code=str(answer.get("vnp_BankCode") or "")[:32],
            paid_at=parse_stamp(answer.get("vnp_PayDate")),
            code=transaction_status[:16],
            message=str(answer.get("vnp_Message") or "")[:255],
        )

    def listing(self, day: date) -> list[Report]:
        params = {"vnp_TmnCode": self.tmn_code, "vnp_Date": day.strftime("%Y%m%d")}
        params["vnp_SecureHash"] = vnpay_hash(params, self.hash_secret)
        status, _type, content = http_call(f"{self.listing_url}?{urlencode(params)}", timeout=self.timeout)
        answer = json_answer(status, content)
        if str(answer.get("RspCode")) != "00" or not isinstance(answer.get("data"), list):
            raise ProviderError(f"listing refused: HTTP {status} {str(answer)[:200]}")
        reports = []
        for row in answer["data"]:
            incoming = self.read_incoming(row if isinstance(row, dict) else {})
            if incoming.report is None or not incoming.signature_ok:
                raise ProviderError(f"listing row unreadable or wrongly signed: {str(row)[:200]}")
            reports.append(incoming.report)
        return reports

    # --- incoming ---------------------------------------------------------------------------------------

    def read_incoming(self, data: dict) -> Incoming:
        if not isinstance(data, dict):
            return Incoming(report=None, signature_ok=False, error="no parameters")
        params = {str(k): str(v) for k, v in data.items() if str(k).startswith("vnp_")}
        missing = [name for name in IPN_REQUIRED if not params.get(name)]
        signature_ok = bool(params.get("vnp_SecureHash")) and vnpay_verify(params, self.hash_secret)
        if missing:
            return Incoming(report=None, signature_ok=signature_ok, error=f"missing {', '.join(missing)}")
        if params["vnp_TmnCode"] != self.tmn_code:
            return Incoming(report=None, signature_ok=signature_ok, error="vnp_TmnCode is not ours")
        raw_amount = parse_amount(params.get("vnp_Amount"))
        if raw_amount is None or raw_amount % 100:
            return Incoming(report=None, signature_ok=signature_ok, error="vnp_Amount is not an amount × 100")
        response_code = params.get("vnp_ResponseCode", "")
        transaction_status = params.get("vnp_TransactionStatus", "")
        report = Report(
            reference=params["vnp_TxnRef"][:100],
            status=status_of(response_code, transaction_status),
            amount=raw_amount // 100,
            provider_transaction_id=params.get("vnp_TransactionNo", "")[:64],
            bank_code=params.get("vnp_BankCode", "")[:32],
            paid_at=parse_stamp(params.get("vnp_PayDate")),
            code=(transaction_status or response_code)[:16],
            message=params.get("vnp_OrderInfo", "")[:255],
        )
        return Incoming(report=report, signature_ok=signature_ok)

    def reply(self, *, verdict: str, data: dict) -> tuple[int, dict]:
        code, message = REPLY_CODES.get(verdict, REPLY_CODES["error"])
        return 200, {"RspCode": code, "Message": message}
