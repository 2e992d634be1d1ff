"""PayGov-style client: the DVCQG payment platform (../shared/domain/payments.md §3).

INIT / QUERY / GET_BILL are JSON POSTs to one endpoint with a Bearer token, each signed with ``MaXacThuc``
(SHA-256, §3.3). The platform confirms a payment with a signed callback (§3.4) that we answer with
``MaLoi``, ``MoTaLoi``, ``MaDoiTac``, ``ThoiGianGD``, ``MaXacThuc``.

Assumptions the domain notes leave open, kept here in one place (docs/payments.md §"Message formats"):

* result codes ``MaLoi``: "00" success, "01" not finished yet, "91" no such transaction, anything else failed;
* our reply codes: "00" recorded, "05" already recorded (replay or late message, nothing changed), "01" wrong
  signature, "02" unknown reference, "03" wrong amount, "04" malformed message, "99" our error (retry);
* the reply is signed ``MaLoi|MoTaLoi|MaDoiTac|ThoiGianGD|secret``;
* QUERY answers ``{"error_code": "0", "message": "<JSON of the callback fields, signed as a callback>"}``;
* GET_BILL answers the PDF itself (``application/pdf``);
* the day's listing for reconciliation is ``GET <listing URL>?MaDoiTac=..&Ngay=yyyyMMdd`` with the Bearer token,
  answering ``{"error_code": "0", "GiaoDich": [<callback fields>, ...]}``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
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
from .signing import (
    PAYGOV_CALLBACK_FIELDS,
    PAYGOV_INIT_FIELDS,
    PAYGOV_QUERY_FIELDS,
    PAYGOV_REPLY_FIELDS,
    paygov_sign_fields,
    paygov_verify,
)

VERSION = "1.0.6"
SUCCESS = "00"
PENDING = "01"
NOT_FOUND = "91"

# Our answers to a callback, by verdict (payments.models.NotificationVerdict).
REPLY_CODES = {
    "accepted": ("00", "Đã ghi nhận kết quả giao dịch"),
    "still_pending": ("00", "Đã nhận thông báo"),
    "duplicate": ("05", "Giao dịch đã được ghi nhận trước đó"),
    "out_of_order": ("05", "Giao dịch đã được ghi nhận trước đó"),
    "bad_signature": ("01", "Sai mã xác thực"),
    "unknown_reference": ("02", "Không tìm thấy mã tham chiếu"),
    "wrong_amount": ("03", "Số tiền không khớp"),
    "malformed": ("04", "Dữ liệu không hợp lệ"),
    "error": ("99", "Lỗi hệ thống, vui lòng gửi lại"),
}


def status_of(code: str) -> ReportStatus:
    if code == SUCCESS:
        return ReportStatus.SUCCEEDED
    if code == PENDING:
        return ReportStatus.PENDING
    if code == NOT_FOUND:
        return ReportStatus.NOT_FOUND
    return ReportStatus.FAILED


def transaction_info(text: str) -> str:
    """ThongTinGiaoDich: one line, at most 255 characters."""
    return re.sub(r"\s+", " ", text or "").strip()[:255]


class PayGovProvider(PaymentProvider):
    code = "paygov"
    through_dvcqg = True

    def __init__(
        self,
        *,
        url: str,
        listing_url: str,
        partner_code: str,
        token: str,
        secret: str,
        timeout: float = 10,
        beneficiary: tuple[str, str, str] = ("", "", ""),
    ):
        self.url, self.listing_url = url, listing_url
        self.partner_code, self.token, self.secret = partner_code, token, secret
        self.timeout = timeout
        self.beneficiary = beneficiary

    # --- outgoing ---------------------------------------------------------------------------------------

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _post(self, message: dict) -> tuple[int, str, bytes]:
        return http_call(self.url, method="POST", body=message, headers=self._headers(), timeout=self.timeout)

    def init_message(self, data: StartData) -> dict:
        account, bank, account_name = self.beneficiary
        message = {
            "LoaiBanTin": "INIT",
            "PhienBan": VERSION,
            "MaDoiTac": self.partner_code,
            "MaThamChieu": data.reference,
            "SoTien": str(int(data.amount)),
            "LoaiHinhThanhToan": "PAY",
            "MaKenhThanhToan": "1",
            "MaThietBi": "1",
            "NgonNgu": "vi-VN",
            "MaTienTe": "VND",
            "MaNganHang": "PAYMENT",
            "ThongTinGiaoDich": transaction_info(data.description),
            "ThoiGianGD": stamp(data.created_at),
            "Ip": data.client_ip or "127.0.0.1",
            "ThongTinBienLai": {
                "MaDichVu": "2",
                "MaDVC": data.procedure_code,
                "TenDVC": data.procedure_name,
                "MaTTHC": data.procedure_code,
                "TenTTHC": data.procedure_name,
                "MaDonVi": data.agency_code,
                "TenDonVi": data.agency_name,
                "MaHoSo": data.dossier_code,
                "TKThuHuong": account,
                "MaNHThuHuong": bank,
                "TenTKThuHuong": account_name,
                "HoTenNguoiNop": data.payer_name,
                "SoCMNDNguoiNop": data.payer_identity,
                "DiaChiNguoiNop": data.payer_address,
                "HuyenNguoiNop": "",
                "TinhNguoiNop": "",
                "NoiDungThanhToan": transaction_info(data.description),
                "PhiLePhi": [
                    {
                        "LoaiPhiLePhi": "1" if line["kind"] == "phi" else "2",
                        "MaPhiLePhi": line.get("code", ""),
                        "TenPhiLePhi": line["name"],
                        "SoTien": str(int(line["amount"])),
                    }
                    for line in data.lines
                ],
                "DSKhoanNop": [
                    {"NoiDung": line["name"], "SoTien": str(int(line["amount"]))} for line in data.lines
                ],
            },
            # The sandbox sends the citizen back here; the real platform uses the address registered for the
            # partner (an extra field it ignores).
            "UrlTraVe": data.return_url,
        }
        message["MaXacThuc"] = paygov_sign_fields(message, PAYGOV_INIT_FIELDS, self.secret)
        return message

    def start(self, data: StartData) -> str:
        status, _type, content = self._post(self.init_message(data))
        answer = json_answer(status, content)
        if str(answer.get("error_code")) != "0":
            raise ProviderError(
                f"INIT refused: {answer.get('error_code')} {str(answer.get('message'))[:200]}"
            )
        try:
            url = json.loads(answer.get("message") or "{}").get("UrlThanhToan", "")
        except (ValueError, AttributeError) as exc:
            raise ProviderError("INIT answer without UrlThanhToan") from exc
        if not url:
            raise ProviderError("INIT answer without UrlThanhToan")
        return url

    def _signed_request(self, kind: str, reference: str) -> dict:
        message = {
            "LoaiBanTin": kind,
            "PhienBan": VERSION,
            "MaDoiTac": self.partner_code,
            "MaThamChieu": reference,
            "ThoiGianGD": stamp(timezone.now()),
        }
        message["MaXacThuc"] = paygov_sign_fields(message, PAYGOV_QUERY_FIELDS, self.secret)
        return message

    def query(self, *, reference: str, created_at: datetime, client_ip: str = "") -> Report:
        status, _type, content = self._post(self._signed_request("QUERY", reference))
        answer = json_answer(status, content)
        if str(answer.get("error_code")) != "0":
            raise ProviderError(
                f"QUERY refused: {answer.get('error_code')} {str(answer.get('message'))[:200]}"
            )
        try:
            message = json.loads(answer.get("message") or "{}")
        except ValueError as exc:
            raise ProviderError("QUERY answer is not JSON") from exc
        incoming = self.read_incoming(message)
        if not incoming.signature_ok:
            raise ProviderError("QUERY answer has a wrong MaXacThuc")
        if incoming.report is None:
            raise ProviderError(f"QUERY answer unreadable: {incoming.error}")
        if incoming.report.reference != reference:
            raise ProviderError("QUERY answer is about another transaction")
        return incoming.report

    def bill(self, *, reference: str, created_at: datetime) -> bytes:
        status, content_type, content = self._post(self._signed_request("GET_BILL", reference))
        if status == 200 and content_type.startswith("application/pdf") and content.startswith(b"%PDF-"):
            return content
        raise ProviderError(f"GET_BILL refused: HTTP {status} {content[:200]!r}")

    def listing(self, day: date) -> list[Report]:
        query = urlencode({"MaDoiTac": self.partner_code, "Ngay": day.strftime("%Y%m%d")})
        status, _type, content = http_call(
            f"{self.listing_url}?{query}", headers=self._headers(), timeout=self.timeout
        )
        answer = json_answer(status, content)
        if str(answer.get("error_code")) != "0" or not isinstance(answer.get("GiaoDich"), list):
            raise ProviderError(f"listing refused: HTTP {status} {str(answer)[:200]}")
        reports = []
        for row in answer["GiaoDich"]:
            incoming = self.read_incoming(row if isinstance(row, dict) else {})
            if incoming.report is None or not incoming.signature_ok:
                raise ProviderError(f"listing row unreadable or wrongly signed: {str(row)[:200]}")
            reports.append(incoming.report)
        return reports

    # --- incoming ---------------------------------------------------------------------------------------

    def read_incoming(self, data: dict) -> Incoming:
        if not isinstance(data, dict):
            return Incoming(report=None, signature_ok=False, error="not a JSON object")
        missing = [name for name in (*PAYGOV_CALLBACK_FIELDS, "MaXacThuc") if name not in data]
        signature_ok = not missing and paygov_verify(data, PAYGOV_CALLBACK_FIELDS, self.secret)
        if missing:
            return Incoming(report=None, signature_ok=False, error=f"missing {', '.join(missing)}")
        if str(data.get("MaDoiTac")) != self.partner_code:
            return Incoming(report=None, signature_ok=signature_ok, error="MaDoiTac is not ours")
        amount = parse_amount(data.get("SoTien"))
        if amount is None:
            return Incoming(report=None, signature_ok=signature_ok, error="SoTien is not an amount")
        code = str(data.get("MaLoi"))
        report = Report(
            reference=str(data.get("MaThamChieu"))[:100],
            status=status_of(code),
            amount=amount,
            provider_transaction_id=str(data.get("MaGiaoDich") or "")[:64],
            bank_code=str(data.get("MaNganHang") or "")[:32],
            paid_at=parse_stamp(data.get("ThoiGianGD")),
            code=code[:16],
            message=str(data.get("ThongTinGiaoDich") or "")[:255],
        )
        return Incoming(report=report, signature_ok=signature_ok)

    def reply(self, *, verdict: str, data: dict) -> tuple[int, dict]:
        code, text = REPLY_CODES.get(verdict, REPLY_CODES["error"])
        body = {
            "MaLoi": code,
            "MoTaLoi": text,
            "MaDoiTac": self.partner_code,
            "ThoiGianGD": stamp(timezone.now()),
        }
        body["MaXacThuc"] = paygov_sign_fields(body, PAYGOV_REPLY_FIELDS, self.secret)
        return 200, body
