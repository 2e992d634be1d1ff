"""A sandbox payment server speaking the two protocols of docs/payments.md over real HTTP on 127.0.0.1:
the DVCQG payment platform (PayGov-style) and a VNPay-style gateway. The demo and the tests start it, so the
whole payment flow runs with no outside network.

PayGov-style (JSON, ``Authorization: Bearer <token>``, SHA-256 ``MaXacThuc``):

    POST /paygov/api                 {"LoaiBanTin": "INIT" | "QUERY" | "GET_BILL", ...}
         INIT     -> {"error_code": "0", "message": "{\"UrlThanhToan\": \"http://.../paygov/thanh-toan/<ref>\"}"}
         QUERY    -> {"error_code": "0", "message": "<JSON of the callback fields, signed like a callback>"}
         GET_BILL -> the PDF receipt (application/pdf) of a succeeded transaction
    GET  /paygov/thanh-toan/<ref>    the payment page: buttons "Thanh toán" and "Hủy" (a plain HTML form)
    GET  /paygov/doi-soat?MaDoiTac=..&Ngay=yyyyMMdd   {"error_code": "0", "GiaoDich": [<callback fields>, ...]}

VNPay-style (``vnp_SecureHash`` = HMAC-SHA512):

    GET  /vnpay/paymentv2/vpcpay.html?vnp_...   the payment page (signature checked)
    POST /vnpay/merchant_webapi/api/transaction  querydr
    GET  /vnpay/doi-soat?vnp_TmnCode=..&vnp_Date=yyyyMMdd&vnp_SecureHash=..   {"RspCode": "00", "data": [...]}

When the citizen clicks, the server records the result, sends the signed callback (PayGov: POST JSON to
``paygov_callback_url``) or IPN (VNPay: GET to ``vnpay_ipn_url``) from a background sender that retries with
back-off while our server is down or answers an error, and redirects the browser to the return URL.

A payment page left unpaid expires after ``expire_minutes``: the transaction is then failed.

Test controls (also over HTTP under ``/_sandbox/``): :meth:`fail_next` (the next API calls answer 503),
:meth:`set_delay` (API answers wait), :meth:`drop_next_notifications` (results that are never notified, so
only a query or the reconciliation can find them), :meth:`pay` (the click without a browser),
:attr:`transactions`, :meth:`wait_until_notified`.

Run it on its own: ``python -m motcua.sandbox.payment --port 8091``.
Plain standard library on purpose: it must not depend on the code it stands in for.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import itertools
import json
import queue
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from urllib.parse import parse_qsl, quote_plus, unquote_plus, urlencode, urlsplit

from ._server import SandboxHandler, SandboxServer

GMT7 = timezone(timedelta(hours=7))
MAX_BODY = 256 * 1024

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
PAYGOV_QUERY_FIELDS = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
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
BANKS = (("NCB", "Ngân hàng Quốc Dân"), ("VCB", "Vietcombank"), ("BIDV", "BIDV"), ("AGRIBANK", "Agribank"))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(GMT7).strftime("%Y%m%d%H%M%S")


def _sha256_sign(values, secret: str) -> str:
    return hashlib.sha256("|".join([*(str(v) for v in values), secret]).encode("utf-8")).hexdigest()


def _paygov_sign(message: dict, fields, secret: str) -> str:
    return _sha256_sign([message.get(name, "") for name in fields], secret)


def _vnp_query(params: dict) -> str:
    data = {k: v for k, v in params.items() if k not in ("vnp_SecureHash", "vnp_SecureHashType")}
    return "&".join(f"{k}={quote_plus(str(v))}" for k, v in sorted(data.items()))


def _vnp_hash(params: dict, secret: str) -> str:
    return hmac.new(secret.encode(), _vnp_query(params).encode("utf-8"), hashlib.sha512).hexdigest()


def _vnp_pipe_hash(message: dict, fields, secret: str) -> str:
    data = "|".join(str(message.get(name, "")) for name in fields)
    return hmac.new(secret.encode(), data.encode("utf-8"), hashlib.sha512).hexdigest()


def _ascii(text: str) -> str:
    text = str(text).replace("đ", "d").replace("Đ", "D")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def simple_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with the given lines in Helvetica (ASCII only), built by hand."""
    text = ["BT", "/F1 12 Tf", "50 780 Td", "16 TL"]
    for line in lines:
        text.append(f"({_ascii(line)}) '")
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class PaymentSandbox(SandboxServer):
    """The server: ``start()`` serves in a background thread, ``stop()`` closes the port; ``start()`` again
    comes back on the same port with the same transactions and the notifications still to send."""

    thread_name = "payment-sandbox"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        paygov_partner_code: str = "MOTCUA",
        paygov_token: str = "sandbox-paygov-token",
        paygov_secret: str = "sandbox-paygov-secret",
        paygov_callback_url: str = "",
        paygov_return_url: str = "",
        vnpay_tmn_code: str = "MOTCUA01",
        vnpay_secret: str = "sandbox-vnpay-secret",
        vnpay_ipn_url: str = "",
        retry_initial: float = 0.2,
        retry_max: float = 5.0,
        notification_timeout: float = 5.0,
        senders: int = 4,
        expire_minutes: float = 15,
    ):
        super().__init__(host=host, port=port)
        self.paygov_partner_code, self.paygov_token, self.paygov_secret = (
            paygov_partner_code,
            paygov_token,
            paygov_secret,
        )
        self.paygov_callback_url, self.paygov_return_url = paygov_callback_url, paygov_return_url
        self.vnpay_tmn_code, self.vnpay_secret, self.vnpay_ipn_url = (
            vnpay_tmn_code,
            vnpay_secret,
            vnpay_ipn_url,
        )
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.notification_timeout = notification_timeout
        self.senders = max(1, senders)
        self.expire_minutes = expire_minutes
        self._transactions: dict[tuple[str, str], dict] = {}
        self._failures = 0
        self._delay = 0.0
        self._drop_notifications = 0
        self._numbers = itertools.count(10000001)
        self._lock = threading.RLock()
        self._outbox: queue.Queue = queue.Queue()
        # Notifications not settled yet (queued, waiting for a retry, or being sent by a sender), by key: an
        # item counts from the moment it is queued until it is delivered, so there is no moment between a
        # sender taking it off the queue and sending it when it is counted nowhere.
        self._unsettled: set[int] = set()
        self._settled = threading.Condition(self._lock)
        self._keys = itertools.count(1)
        self._deliveries: list[dict] = []
        self._stopping = threading.Event()

    # --- the notification senders run beside the server ---------------------------------------------------

    def _start_workers(self) -> None:
        self._stopping.clear()
        for n in range(self.senders):
            self._spawn(self._send_loop, f"payment-sandbox-sender-{n}")

    def _stop_workers(self) -> None:
        """``stop()`` pauses the senders: what they still have to send is kept for the next ``start()``."""
        self._stopping.set()

    @property
    def paygov_url(self) -> str:
        return f"{self.base_url}/paygov/api"

    @property
    def paygov_listing_url(self) -> str:
        return f"{self.base_url}/paygov/doi-soat"

    @property
    def vnpay_payment_url(self) -> str:
        return f"{self.base_url}/vnpay/paymentv2/vpcpay.html"

    @property
    def vnpay_api_url(self) -> str:
        return f"{self.base_url}/vnpay/merchant_webapi/api/transaction"

    @property
    def vnpay_listing_url(self) -> str:
        return f"{self.base_url}/vnpay/doi-soat"

    # --- test controls ------------------------------------------------------------------------------------

    def fail_next(self, count: int = 1) -> None:
        """Answer the next ``count`` API calls (INIT, QUERY, GET_BILL, querydr, listings) with HTTP 503."""
        with self._lock:
            self._failures += count

    def set_delay(self, seconds: float) -> None:
        """Make every API answer wait ``seconds`` (a slow provider)."""
        with self._lock:
            self._delay = max(0.0, float(seconds))

    def drop_next_notifications(self, count: int = 1) -> None:
        """Never send the callbacks / IPNs of the next ``count`` results (a lost notification)."""
        with self._lock:
            self._drop_notifications += count

    @property
    def transactions(self) -> list[dict]:
        with self._lock:
            return [dict(t) for t in self._transactions.values()]

    def transaction(self, reference: str, protocol: str | None = None) -> dict | None:
        with self._lock:
            found = self._find(reference, protocol)
            return dict(found) if found else None

    @property
    def deliveries(self) -> list[dict]:
        """Every notification attempt: {"reference", "protocol", "attempt", "outcome"}."""
        with self._lock:
            return [dict(d) for d in self._deliveries]

    def pending_notifications(self) -> int:
        """Notifications queued, waiting for a retry or being sent right now."""
        with self._lock:
            return len(self._unsettled)

    def wait_until_notified(self, timeout: float = 30.0) -> bool:
        """Wait until every notification has been delivered (or dropped); False on timeout."""
        with self._settled:
            return self._settled.wait_for(lambda: not self._unsettled, timeout=timeout)

    def clear(self) -> None:
        with self._lock:
            self._transactions.clear()
            self._deliveries.clear()
            self._failures = self._drop_notifications = 0
            self._delay = 0.0
            while not self._outbox.empty():
                self._outbox.get_nowait()
            self._unsettled.clear()  # an item a sender holds now is dropped when it comes back
            self._settled.notify_all()

    def pay(
        self, reference: str, *, succeed: bool = True, bank: str = "NCB", protocol: str | None = None
    ) -> str:
        """The citizen's click without a browser; returns the URL the browser would be sent back to."""
        return self._finish(reference, protocol, succeed=succeed, bank=bank)

    # --- transactions -------------------------------------------------------------------------------------

    def _find(self, reference: str, protocol: str | None) -> dict | None:
        if protocol:
            found = self._transactions.get((protocol, reference))
        else:
            found = self._transactions.get(("paygov", reference)) or self._transactions.get(
                ("vnpay", reference)
            )
        if found is not None and found["status"] == "pending" and self.expire_minutes:
            age = datetime.now(GMT7) - datetime.fromisoformat(found["created_at"])
            if age > timedelta(minutes=self.expire_minutes):  # the page expired: the citizen did not pay
                found["status"] = "failed"
                found["transaction_no"] = str(next(self._numbers))
        return found

    def _api_gate(self) -> int | None:
        """Test controls on API calls: an injected failure (returns 503) or delay."""
        with self._lock:
            delay = self._delay
            if self._failures:
                self._failures -= 1
                return HTTPStatus.SERVICE_UNAVAILABLE
        if delay:
            time.sleep(delay)
        return None

    def _create(self, protocol: str, reference: str, **fields) -> tuple[dict, bool]:
        with self._lock:
            key = (protocol, reference)
            if key in self._transactions:
                return self._transactions[key], False
            now = datetime.now(GMT7)
            transaction = {
                "protocol": protocol,
                "reference": reference,
                "status": "pending",
                "created_at": now.isoformat(),
                "day": now.strftime("%Y%m%d"),
                "transaction_no": "",
                "bank": "",
                "paid_at": "",
                **fields,
            }
            self._transactions[key] = transaction
            return transaction, True

    def _finish(self, reference: str, protocol: str | None, *, succeed: bool, bank: str = "NCB") -> str:
        with self._lock:
            transaction = self._find(reference, protocol)
            if transaction is None:
                raise KeyError(reference)
            if transaction["status"] == "pending":
                transaction["status"] = "succeeded" if succeed else "failed"
                transaction["bank"] = bank if succeed else ""
                transaction["transaction_no"] = str(next(self._numbers))
                transaction["paid_at"] = datetime.now(GMT7).isoformat()
                if self._drop_notifications:
                    self._drop_notifications -= 1
                    self._deliveries.append(
                        {
                            "reference": reference,
                            "protocol": transaction["protocol"],
                            "attempt": 0,
                            "outcome": "dropped",
                        }
                    )
                else:
                    key = next(self._keys)
                    self._unsettled.add(key)
                    self._outbox.put(
                        {"key": key, "transaction": dict(transaction), "attempt": 0, "not_before": 0.0}
                    )
            return self._return_url(transaction)

    # --- messages about a transaction ------------------------------------------------------------------------

    def _paygov_code(self, transaction: dict) -> str:
        return {"succeeded": "00", "pending": "01", "failed": "24"}[transaction["status"]]

    def paygov_result(self, transaction: dict, kind: str = "CALLBACK") -> dict:
        paid = transaction["paid_at"] or transaction["created_at"]
        message = {
            "LoaiBanTin": kind,
            "MaLoi": self._paygov_code(transaction),
            "MaDoiTac": self.paygov_partner_code,
            "MaThamChieu": transaction["reference"],
            "SoTien": str(transaction["amount"]),
            "MaTienTe": "VND",
            "MaGiaoDich": f"PG{transaction['transaction_no']}" if transaction["transaction_no"] else "",
            "MaNganHang": transaction["bank"],
            "ThoiGianGD": _stamp(datetime.fromisoformat(paid)),
            "ThongTinGiaoDich": transaction["description"],
        }
        message["MaXacThuc"] = _paygov_sign(message, PAYGOV_CALLBACK_FIELDS, self.paygov_secret)
        return message

    def vnpay_result(self, transaction: dict) -> dict:
        status = transaction["status"]
        code = {"succeeded": "00", "failed": "24", "pending": "01"}[status]
        params = {
            "vnp_TmnCode": self.vnpay_tmn_code,
            "vnp_Amount": str(transaction["amount"] * 100),
            "vnp_BankCode": transaction["bank"] or "NCB",
            "vnp_OrderInfo": transaction["description"],
            "vnp_ResponseCode": code,
            "vnp_TransactionStatus": "00"
            if status == "succeeded"
            else ("01" if status == "pending" else "02"),
            "vnp_TxnRef": transaction["reference"],
            "vnp_TransactionNo": transaction["transaction_no"] or "0",
            "vnp_PayDate": _stamp(
                datetime.fromisoformat(transaction["paid_at"] or transaction["created_at"])
            ),
            "vnp_CardType": "ATM",
        }
        params["vnp_SecureHash"] = _vnp_hash(params, self.vnpay_secret)
        return params

    def _return_url(self, transaction: dict) -> str:
        if transaction["protocol"] == "paygov":
            base = transaction.get("return_url") or self.paygov_return_url
            params = self.paygov_result(transaction)
        else:
            base = transaction.get("return_url", "")
            params = self.vnpay_result(transaction)
        if not base:
            return f"{self.base_url}/ket-qua?{urlencode(params)}"
        return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"

    # --- notifications (callback / IPN) with retries ----------------------------------------------------------

    def _send_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                item = self._outbox.get(timeout=0.05)
            except queue.Empty:
                continue
            wait = item["not_before"] - time.monotonic()
            if wait > 0:
                self._outbox.put(item)
                time.sleep(min(wait, 0.05))
                continue
            with self._lock:
                if item["key"] not in self._unsettled:  # cleared meanwhile
                    continue
            delivered = False
            try:
                delivered = self._deliver(item)
            finally:
                with self._lock:
                    if delivered or item["key"] not in self._unsettled:
                        self._unsettled.discard(item["key"])
                        self._settled.notify_all()
                    else:  # back to the queue before it stops counting as in flight: never uncounted
                        item["attempt"] += 1
                        backoff = min(self.retry_max, self.retry_initial * (2 ** min(item["attempt"], 10)))
                        item["not_before"] = time.monotonic() + backoff
                        self._outbox.put(item)

    def _deliver(self, item: dict) -> bool:
        transaction = item["transaction"]
        protocol = transaction["protocol"]
        try:
            if protocol == "paygov":
                if not self.paygov_callback_url:
                    outcome, delivered = "no callback address", True
                else:
                    body = json.dumps(self.paygov_result(transaction), ensure_ascii=False).encode("utf-8")
                    request = urllib.request.Request(
                        self.paygov_callback_url,
                        data=body,
                        method="POST",
                        headers={"Content-Type": "application/json; charset=utf-8"},
                    )
                    with urllib.request.urlopen(request, timeout=self.notification_timeout) as response:
                        answer = json.loads(response.read() or b"{}")
                    code = str(answer.get("MaLoi", ""))
                    outcome, delivered = f"MaLoi {code}", code != "99"
            else:
                if not self.vnpay_ipn_url:
                    outcome, delivered = "no IPN address", True
                else:
                    url = f"{self.vnpay_ipn_url}?{urlencode(self.vnpay_result(transaction))}"
                    with urllib.request.urlopen(url, timeout=self.notification_timeout) as response:
                        answer = json.loads(response.read() or b"{}")
                    code = str(answer.get("RspCode", ""))
                    outcome, delivered = f"RspCode {code}", code != "99"
        except urllib.error.HTTPError as exc:
            outcome, delivered = f"HTTP {exc.code}", exc.code < 500
        except (urllib.error.URLError, OSError, ValueError) as exc:
            outcome, delivered = f"{type(exc).__name__}", False
        with self._lock:
            self._deliveries.append(
                {
                    "reference": transaction["reference"],
                    "protocol": protocol,
                    "attempt": item["attempt"] + 1,
                    "outcome": outcome,
                }
            )
        return delivered

    # --- listings for reconciliation ------------------------------------------------------------------------

    def listing(self, protocol: str, day: str) -> list[dict]:
        with self._lock:
            chosen = [
                self._find(t["reference"], protocol)
                for t in list(self._transactions.values())
                if t["protocol"] == protocol and t["day"] == day
            ]
            if protocol == "paygov":
                return [self.paygov_result(t, kind="DOISOAT") for t in chosen]
            return [self.vnpay_result(t) for t in chosen]


class _Handler(SandboxHandler):
    sandbox: PaymentSandbox
    server_version = "motcua-payment-sandbox/1"
    max_body = MAX_BODY

    # --- plumbing -----------------------------------------------------------------------------------------

    _answer_json = SandboxHandler._json

    def _page(self, status: int, title: str, content: str) -> None:
        body = (
            "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;color:#111}"
            "button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem .3rem 0 0}"
            "dt{font-weight:bold}dd{margin:0 0 .5rem 0}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{content}</body></html>"
        ).encode()
        self._send(status, body, "text/html; charset=utf-8")

    def _redirect(self, url: str) -> None:
        self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": url})

    # --- routes ----------------------------------------------------------------------------------------------

    def do_HEAD(self):
        path = urlsplit(self.path).path
        if path in ("/health", "/vnpay/paymentv2/vpcpay.html") or path.startswith("/paygov/"):
            return self._send(HTTPStatus.OK, b"", "text/html; charset=utf-8")
        return self._send(HTTPStatus.NOT_FOUND, b"", "text/plain")

    def do_GET(self):
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        path = parts.path
        if path == "/health":
            return self._answer_json(HTTPStatus.OK, {"status": "ok"})
        if path == "/_sandbox/transactions":
            return self._answer_json(HTTPStatus.OK, {"transactions": self.sandbox.transactions})
        if path.startswith("/paygov/thanh-toan/"):
            return self._payment_page("paygov", path.rsplit("/", 1)[-1])
        if path == "/paygov/doi-soat":
            return self._paygov_listing(params)
        if path == "/vnpay/paymentv2/vpcpay.html":
            return self._vnpay_open(params)
        if path == "/vnpay/doi-soat":
            return self._vnpay_listing(params)
        if path == "/ket-qua":
            return self._page(HTTPStatus.OK, "Kết quả giao dịch", "<p>Giao dịch đã được xử lý.</p>")
        return self._answer_json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self):
        path = urlsplit(self.path).path
        body = self._read_body()
        if body is None:
            return self._answer_json(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error_code": "413", "message": "too large"}
            )
        if path == "/paygov/api":
            return self._paygov_api(body)
        if path.startswith("/paygov/thanh-toan/"):
            return self._click("paygov", path.rsplit("/", 1)[-1], body)
        if path == "/vnpay/paymentv2/vpcpay.html":
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            return self._click("vnpay", form.get("vnp_TxnRef", ""), body)
        if path == "/vnpay/merchant_webapi/api/transaction":
            return self._vnpay_querydr(body)
        if path.startswith("/_sandbox/"):
            return self._control(path, body)
        return self._answer_json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    # --- PayGov ---------------------------------------------------------------------------------------------

    def _paygov_authorised(self) -> bool:
        expected = f"Bearer {self.sandbox.paygov_token}"
        return not self.sandbox.paygov_token or hmac.compare_digest(
            self.headers.get("Authorization", ""), expected
        )

    def _paygov_api(self, body: bytes):
        sandbox = self.sandbox
        failure = sandbox._api_gate()
        if failure:
            return self._answer_json(failure, {"error_code": "503", "message": "Hệ thống bận"})
        if not self._paygov_authorised():
            return self._answer_json(
                HTTPStatus.UNAUTHORIZED, {"error_code": "401", "message": "Sai mã truy cập"}
            )
        try:
            message = json.loads(body or b"{}")
        except ValueError:
            return self._answer_json(
                HTTPStatus.BAD_REQUEST, {"error_code": "400", "message": "JSON không hợp lệ"}
            )
        if not isinstance(message, dict):
            return self._answer_json(
                HTTPStatus.BAD_REQUEST, {"error_code": "400", "message": "JSON không hợp lệ"}
            )
        kind = message.get("LoaiBanTin")
        fields = PAYGOV_INIT_FIELDS if kind == "INIT" else PAYGOV_QUERY_FIELDS
        if kind not in ("INIT", "QUERY", "GET_BILL"):
            return self._answer_json(
                HTTPStatus.OK, {"error_code": "10", "message": "LoaiBanTin không hỗ trợ"}
            )
        expected = _paygov_sign(message, fields, sandbox.paygov_secret)
        if not hmac.compare_digest(expected, str(message.get("MaXacThuc", "")).lower()):
            return self._answer_json(HTTPStatus.OK, {"error_code": "11", "message": "Sai mã xác thực"})
        if message.get("MaDoiTac") != sandbox.paygov_partner_code:
            return self._answer_json(HTTPStatus.OK, {"error_code": "12", "message": "Sai mã đối tác"})
        reference = str(message.get("MaThamChieu", ""))
        if kind == "INIT":
            try:
                amount = int(message.get("SoTien"))
            except (TypeError, ValueError):
                return self._answer_json(HTTPStatus.OK, {"error_code": "13", "message": "Sai số tiền"})
            if amount <= 0 or not reference:
                return self._answer_json(HTTPStatus.OK, {"error_code": "13", "message": "Sai số tiền"})
            bill = message.get("ThongTinBienLai") or {}
            _transaction, created = sandbox._create(
                "paygov",
                reference,
                amount=amount,
                description=str(message.get("ThongTinGiaoDich", "")),
                return_url=str(message.get("UrlTraVe", "")),
                dossier_code=str(bill.get("MaHoSo", "")) if isinstance(bill, dict) else "",
                payer=str(bill.get("HoTenNguoiNop", "")) if isinstance(bill, dict) else "",
            )
            if not created:
                return self._answer_json(
                    HTTPStatus.OK, {"error_code": "14", "message": "Trùng mã tham chiếu"}
                )
            url = f"{sandbox.base_url}/paygov/thanh-toan/{quote_plus(reference)}"
            return self._answer_json(
                HTTPStatus.OK, {"error_code": "0", "message": json.dumps({"UrlThanhToan": url})}
            )
        transaction = sandbox.transaction(reference, "paygov")
        if kind == "QUERY":
            if transaction is None:
                missing = {
                    "LoaiBanTin": "QUERY",
                    "MaLoi": "91",
                    "MaDoiTac": sandbox.paygov_partner_code,
                    "MaThamChieu": reference,
                    "SoTien": "0",
                    "MaTienTe": "VND",
                    "MaGiaoDich": "",
                    "MaNganHang": "",
                    "ThoiGianGD": _stamp(datetime.now(GMT7)),
                    "ThongTinGiaoDich": "",
                }
                missing["MaXacThuc"] = _paygov_sign(missing, PAYGOV_CALLBACK_FIELDS, sandbox.paygov_secret)
                return self._answer_json(HTTPStatus.OK, {"error_code": "0", "message": json.dumps(missing)})
            result = sandbox.paygov_result(transaction, kind="QUERY")
            return self._answer_json(
                HTTPStatus.OK, {"error_code": "0", "message": json.dumps(result, ensure_ascii=False)}
            )
        if transaction is None or transaction["status"] != "succeeded":
            return self._answer_json(HTTPStatus.OK, {"error_code": "15", "message": "Chưa có biên lai"})
        pdf = simple_pdf(
            [
                "BIEN LAI THANH TOAN (SANDBOX)",
                f"Ma tham chieu: {transaction['reference']}",
                f"Ma giao dich: PG{transaction['transaction_no']}",
                f"So tien: {transaction['amount']} VND",
                f"Noi dung: {transaction['description']}",
                f"Ngan hang: {transaction['bank']}",
            ]
        )
        return self._send(HTTPStatus.OK, pdf, "application/pdf")

    def _paygov_listing(self, params: dict):
        failure = self.sandbox._api_gate()
        if failure:
            return self._answer_json(failure, {"error_code": "503", "message": "Hệ thống bận"})
        if not self._paygov_authorised():
            return self._answer_json(
                HTTPStatus.UNAUTHORIZED, {"error_code": "401", "message": "Sai mã truy cập"}
            )
        if params.get("MaDoiTac") != self.sandbox.paygov_partner_code or len(params.get("Ngay", "")) != 8:
            return self._answer_json(HTTPStatus.OK, {"error_code": "12", "message": "Sai tham số"})
        rows = self.sandbox.listing("paygov", params["Ngay"])
        return self._answer_json(HTTPStatus.OK, {"error_code": "0", "GiaoDich": rows})

    # --- VNPay ----------------------------------------------------------------------------------------------

    def _vnpay_open(self, params: dict):
        sandbox = self.sandbox
        given = params.get("vnp_SecureHash", "").lower()
        if not given or not hmac.compare_digest(_vnp_hash(params, sandbox.vnpay_secret), given):
            return self._page(
                HTTPStatus.BAD_REQUEST, "Sai chữ ký", "<p>Chữ ký dữ liệu không hợp lệ (mã 97).</p>"
            )
        if params.get("vnp_TmnCode") != sandbox.vnpay_tmn_code:
            return self._page(HTTPStatus.BAD_REQUEST, "Sai mã website", "<p>Mã website không tồn tại.</p>")
        try:
            amount = int(params.get("vnp_Amount", "")) // 100
        except ValueError:
            return self._page(HTTPStatus.BAD_REQUEST, "Sai số tiền", "<p>Số tiền không hợp lệ.</p>")
        reference = params.get("vnp_TxnRef", "")
        sandbox._create(
            "vnpay",
            reference,
            amount=amount,
            description=params.get("vnp_OrderInfo", ""),
            return_url=params.get("vnp_ReturnUrl", ""),
            created_stamp=params.get("vnp_CreateDate", ""),
        )
        return self._payment_page("vnpay", reference)

    def _vnpay_querydr(self, body: bytes):
        sandbox = self.sandbox
        failure = sandbox._api_gate()
        if failure:
            return self._answer_json(failure, {"vnp_ResponseCode": "99", "vnp_Message": "System busy"})
        try:
            message = json.loads(body or b"{}")
        except ValueError:
            return self._answer_json(
                HTTPStatus.BAD_REQUEST, {"vnp_ResponseCode": "99", "vnp_Message": "Bad JSON"}
            )
        expected = _vnp_pipe_hash(message, VNPAY_QUERY_FIELDS, sandbox.vnpay_secret)
        answer = {
            "vnp_ResponseId": f"R{int(time.time() * 1000)}",
            "vnp_Command": "querydr",
            "vnp_TmnCode": sandbox.vnpay_tmn_code,
            "vnp_TxnRef": str(message.get("vnp_TxnRef", "")),
            "vnp_Amount": "",
            "vnp_BankCode": "",
            "vnp_PayDate": "",
            "vnp_TransactionNo": "",
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": "",
            "vnp_OrderInfo": "",
            "vnp_PromotionCode": "",
            "vnp_PromotionAmount": "",
        }
        if not hmac.compare_digest(expected, str(message.get("vnp_SecureHash", "")).lower()):
            answer.update(vnp_ResponseCode="97", vnp_Message="Invalid Checksum")
        elif message.get("vnp_TmnCode") != sandbox.vnpay_tmn_code:
            answer.update(vnp_ResponseCode="02", vnp_Message="Merchant is not valid")
        else:
            transaction = sandbox.transaction(answer["vnp_TxnRef"], "vnpay")
            if transaction is None:
                answer.update(vnp_ResponseCode="91", vnp_Message="Transaction not found")
            else:
                result = sandbox.vnpay_result(transaction)
                answer.update(
                    vnp_ResponseCode="00",
                    vnp_Message="QueryDR Success",
                    vnp_Amount=result["vnp_Amount"],
                    vnp_BankCode=transaction["bank"],
                    vnp_PayDate=result["vnp_PayDate"] if transaction["paid_at"] else "",
                    vnp_TransactionNo=transaction["transaction_no"],
                    vnp_TransactionStatus=result["vnp_TransactionStatus"],
                    vnp_OrderInfo=transaction["description"],
                )
        answer["vnp_SecureHash"] = _vnp_pipe_hash(answer, VNPAY_QUERY_ANSWER_FIELDS, sandbox.vnpay_secret)
        return self._answer_json(HTTPStatus.OK, answer)

    def _vnpay_listing(self, params: dict):
        sandbox = self.sandbox
        failure = sandbox._api_gate()
        if failure:
            return self._answer_json(failure, {"RspCode": "99", "Message": "System busy"})
        given = params.get("vnp_SecureHash", "").lower()
        if not given or not hmac.compare_digest(_vnp_hash(params, sandbox.vnpay_secret), given):
            return self._answer_json(HTTPStatus.OK, {"RspCode": "97", "Message": "Invalid signature"})
        if params.get("vnp_TmnCode") != sandbox.vnpay_tmn_code or len(params.get("vnp_Date", "")) != 8:
            return self._answer_json(HTTPStatus.OK, {"RspCode": "02", "Message": "Invalid request"})
        return self._answer_json(
            HTTPStatus.OK, {"RspCode": "00", "data": sandbox.listing("vnpay", params["vnp_Date"])}
        )

    # --- the payment page -----------------------------------------------------------------------------------

    def _payment_page(self, protocol: str, reference: str):
        transaction = self.sandbox.transaction(reference, protocol)
        if transaction is None:
            return self._page(
                HTTPStatus.NOT_FOUND, "Không tìm thấy giao dịch", "<p>Mã tham chiếu không tồn tại.</p>"
            )
        title = "Cổng thanh toán DVCQG (thử nghiệm)" if protocol == "paygov" else "Cổng VNPay (thử nghiệm)"
        amount = f"{transaction['amount']:,}".replace(",", ".")
        if transaction["status"] != "pending":
            state = "thành công" if transaction["status"] == "succeeded" else "không thành công"
            return self._page(
                HTTPStatus.OK,
                title,
                f"<p>Giao dịch {html.escape(reference)} đã kết thúc: {state}.</p>",
            )
        action = (
            f"/paygov/thanh-toan/{quote_plus(reference)}"
            if protocol == "paygov"
            else "/vnpay/paymentv2/vpcpay.html"
        )
        options = "".join(f"<option value='{code}'>{html.escape(name)}</option>" for code, name in BANKS)
        content = (
            "<p>Đây là máy chủ thanh toán thử nghiệm: không có tiền thật.</p>"
            "<dl>"
            f"<dt>Mã tham chiếu</dt><dd id='reference'>{html.escape(reference)}</dd>"
            f"<dt>Số tiền</dt><dd id='amount'>{amount} đ</dd>"
            f"<dt>Nội dung</dt><dd>{html.escape(transaction['description'])}</dd>"
            "</dl>"
            f"<form method='post' action='{html.escape(action)}'>"
            f"<input type='hidden' name='vnp_TxnRef' value='{html.escape(reference)}'>"
            "<p><label for='bank'>Ngân hàng</label> "
            f"<select id='bank' name='bank'>{options}</select></p>"
            "<button type='submit' name='action' value='pay'>Thanh toán</button>"
            "<button type='submit' name='action' value='cancel'>Hủy</button>"
            "</form>"
        )
        return self._page(HTTPStatus.OK, title, content)

    def _click(self, protocol: str, reference: str, body: bytes):
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        reference = unquote_plus(reference or form.get("vnp_TxnRef", ""))
        if form.get("action") not in ("pay", "cancel"):
            return self._page(
                HTTPStatus.BAD_REQUEST, "Yêu cầu không hợp lệ", "<p>Hãy chọn Thanh toán hoặc Hủy.</p>"
            )
        bank = form.get("bank", "NCB")
        if bank not in dict(BANKS):
            bank = "NCB"
        try:
            url = self.sandbox._finish(reference, protocol, succeed=form["action"] == "pay", bank=bank)
        except KeyError:
            return self._page(
                HTTPStatus.NOT_FOUND, "Không tìm thấy giao dịch", "<p>Mã tham chiếu không tồn tại.</p>"
            )
        return self._redirect(url)

    # --- controls --------------------------------------------------------------------------------------------

    def _control(self, path: str, body: bytes):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        sandbox = self.sandbox
        if path == "/_sandbox/fail-next":
            sandbox.fail_next(int(data.get("count", 1)))
        elif path == "/_sandbox/delay":
            sandbox.set_delay(float(data.get("seconds", 0)))
        elif path == "/_sandbox/drop-notifications":
            sandbox.drop_next_notifications(int(data.get("count", 1)))
        elif path == "/_sandbox/pay":
            try:
                url = sandbox.pay(str(data.get("reference", "")), succeed=bool(data.get("succeed", True)))
            except KeyError:
                return self._answer_json(HTTPStatus.NOT_FOUND, {"error": "unknown reference"})
            return self._answer_json(HTTPStatus.OK, {"return_url": url})
        elif path == "/_sandbox/clear":
            sandbox.clear()
        else:
            return self._answer_json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        return self._answer_json(HTTPStatus.OK, {"status": "ok"})


PaymentSandbox.handler_class = _Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox payment server for motcua (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--site", default="http://127.0.0.1:8000", help="the motcua server to notify")
    args = parser.parse_args(argv)
    sandbox = PaymentSandbox(
        port=args.port,
        paygov_callback_url=f"{args.site}/api/v1/payments/paygov/callback",
        vnpay_ipn_url=f"{args.site}/api/v1/payments/vnpay/ipn",
    ).start()
    print(f"Payment sandbox at {sandbox.base_url} (PayGov: /paygov/api, VNPay: /vnpay/...) (Ctrl+C to stop)")
    sandbox.serve_until_interrupted()


if __name__ == "__main__":
    main()
