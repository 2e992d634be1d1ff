"""The sandbox payment server over real HTTP: both protocols, the payment page, notifications with retries
while the merchant is down, queries, receipts, listings, test controls and restarts on the same port."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit

import pytest

from motcua.sandbox.payment import PaymentSandbox

SECRET = "sbx-paygov-secret"
TOKEN = "sbx-token"
VNP_SECRET = "sbx-vnpay-secret"
INIT_FIELDS = (
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


def sign(message, fields, secret=SECRET):
    return hashlib.sha256("|".join([*(str(message[k]) for k in fields), secret]).encode()).hexdigest()


def vnp_hash(params, secret=VNP_SECRET):
    data = {k: v for k, v in params.items() if k not in ("vnp_SecureHash", "vnp_SecureHashType")}
    query = "&".join(f"{k}={quote_plus(str(v))}" for k, v in sorted(data.items()))
    return hmac.new(secret.encode(), query.encode(), hashlib.sha512).hexdigest()


class Merchant:
    """A stand-in for our server that records what the sandbox sends (only to test the sandbox itself)."""

    def __init__(self, port: int = 0, answer: dict | None = None):
        self.received: list[tuple[str, str, dict]] = []
        self.answer = answer or {"MaLoi": "00", "RspCode": "00"}
        merchant = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self):
                body = json.dumps(merchant.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                merchant.received.append(("POST", self.path, json.loads(self.rfile.read(length))))
                self._reply()

            def do_GET(self):
                parts = urlsplit(self.path)
                merchant.received.append(("GET", parts.path, dict(parse_qsl(parts.query))))
                self._reply()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def post_json(url, body, headers=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def click(url, form):
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=urlencode(form).encode(), method="POST")
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


@pytest.fixture
def merchant():
    server = Merchant()
    yield server
    server.stop()


@pytest.fixture
def sandbox(merchant):
    server = PaymentSandbox(
        paygov_partner_code="MOTCUA",
        paygov_token=TOKEN,
        paygov_secret=SECRET,
        paygov_callback_url=f"{merchant.url}/paygov/callback",
        vnpay_tmn_code="MCTEST01",
        vnpay_secret=VNP_SECRET,
        vnpay_ipn_url=f"{merchant.url}/vnpay/ipn",
        retry_initial=0.05,
        retry_max=0.2,
    ).start()
    yield server
    server.stop()


def init(sandbox, reference="dvcA1", amount=150000, secret=SECRET, token=TOKEN, **extra):
    message = {
        "LoaiBanTin": "INIT",
        "PhienBan": "1.0.6",
        "MaDoiTac": "MOTCUA",
        "MaThamChieu": reference,
        "SoTien": str(amount),
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "PAYMENT",
        "ThongTinGiaoDich": "Lệ phí hồ sơ A1",
        "ThoiGianGD": "20260302090000",
        "Ip": "127.0.0.1",
        "UrlTraVe": "http://127.0.0.1:9/thanh-toan/ket-qua/",
        **extra,
    }
    message["MaXacThuc"] = sign(message, INIT_FIELDS, secret)
    return post_json(sandbox.paygov_url, message, {"Authorization": f"Bearer {token}"})


def test_paygov_init_page_click_callback_and_redirect(sandbox, merchant):
    status, _type, body = init(sandbox)
    answer = json.loads(body)
    assert status == 200 and answer["error_code"] == "0"
    url = json.loads(answer["message"])["UrlThanhToan"]
    with urllib.request.urlopen(url, timeout=5) as response:
        page = response.read().decode()
    assert "Thanh toán</button>" in page and "Hủy</button>" in page and "150.000 đ" in page
    status, location = click(url, {"action": "pay", "bank": "VCB"})
    assert status == 303
    assert location.startswith("http://127.0.0.1:9/thanh-toan/ket-qua/?")
    returned = dict(parse_qsl(urlsplit(location).query))
    assert returned["MaThamChieu"] == "dvcA1" and returned["MaLoi"] == "00"
    assert wait_for(lambda: merchant.received)
    method, path, callback = merchant.received[0]
    assert (method, path) == ("POST", "/paygov/callback")
    assert callback["MaLoi"] == "00" and callback["SoTien"] == "150000" and callback["MaNganHang"] == "VCB"
    assert callback["MaXacThuc"] == sign(callback, CALLBACK_FIELDS)
    # A second click changes nothing: the transaction is over.
    click(url, {"action": "cancel"})
    assert sandbox.transaction("dvcA1")["status"] == "succeeded"


def test_paygov_refuses_bad_token_bad_signature_and_duplicates(sandbox):
    status, _t, _b = init(sandbox, token="wrong")
    assert status == 401
    status, _t, body = init(sandbox, secret="forged")
    assert json.loads(body)["error_code"] == "11"
    assert init(sandbox)[0] == 200
    assert json.loads(init(sandbox)[2])["error_code"] == "14"  # the same MaThamChieu twice
    assert sandbox.transactions[0]["reference"] == "dvcA1" and len(sandbox.transactions) == 1


def test_paygov_query_and_bill(sandbox):
    init(sandbox, reference="dvcQ1")

    def query(kind, reference):
        message = {
            "LoaiBanTin": kind,
            "PhienBan": "1.0.6",
            "MaDoiTac": "MOTCUA",
            "MaThamChieu": reference,
            "ThoiGianGD": "1",
        }
        message["MaXacThuc"] = sign(
            message, ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
        )
        return post_json(sandbox.paygov_url, message, {"Authorization": f"Bearer {TOKEN}"})

    answer = json.loads(json.loads(query("QUERY", "dvcQ1")[2])["message"])
    assert answer["MaLoi"] == "01" and answer["MaXacThuc"] == sign(answer, CALLBACK_FIELDS)
    assert json.loads(json.loads(query("QUERY", "nope")[2])["message"])["MaLoi"] == "91"
    assert json.loads(query("GET_BILL", "dvcQ1")[2])["error_code"] == "15"  # no receipt before payment
    sandbox.pay("dvcQ1")
    assert json.loads(json.loads(query("QUERY", "dvcQ1")[2])["message"])["MaLoi"] == "00"
    status, content_type, pdf = query("GET_BILL", "dvcQ1")
    assert status == 200 and content_type == "application/pdf" and pdf.startswith(b"%PDF-1.4")
    assert b"dvcQ1" in pdf and pdf.rstrip().endswith(b"%%EOF")


def test_notifications_are_retried_until_the_merchant_is_back(sandbox, merchant):
    port = merchant.port
    merchant.stop()
    init(sandbox, reference="dvcR1")
    sandbox.pay("dvcR1")
    assert wait_for(lambda: len(sandbox.deliveries) >= 3)
    assert {d["outcome"] for d in sandbox.deliveries} == {"URLError"}
    back = Merchant(port=port)
    try:
        assert sandbox.wait_until_notified(10)
        assert [m[2]["MaThamChieu"] for m in back.received] == ["dvcR1"]
        assert sandbox.deliveries[-1]["outcome"] == "MaLoi 00"
    finally:
        back.stop()


def test_an_answer_asking_to_retry_is_retried(sandbox, merchant):
    merchant.answer = {"MaLoi": "99"}
    init(sandbox, reference="dvcR2")
    sandbox.pay("dvcR2")
    assert wait_for(lambda: len(merchant.received) >= 2)
    merchant.answer = {"MaLoi": "00"}
    assert sandbox.wait_until_notified(10)
    assert sandbox.deliveries[-1]["outcome"] == "MaLoi 00"


class HeldQueue(queue.Queue):
    """The sandbox's outbox, with a sender held between taking an item off the queue and going on with it:
    the moment a queue-length count misses."""

    def __init__(self):
        super().__init__()
        self.taken = threading.Event()
        self.release = threading.Event()

    def get(self, block=True, timeout=None):
        item = super().get(block, timeout)
        self.taken.set()
        self.release.wait(10)
        return item


def test_a_notification_taken_off_the_queue_is_still_waited_for(merchant):
    sandbox = PaymentSandbox(
        paygov_token=TOKEN,
        paygov_secret=SECRET,
        paygov_callback_url=f"{merchant.url}/paygov/callback",
        senders=1,
    )
    held = sandbox._outbox = HeldQueue()
    sandbox.start()
    try:
        init(sandbox, reference="dvcW1")
        sandbox.pay("dvcW1")
        assert held.taken.wait(10)  # the sender holds the notification: the queue itself is empty
        assert held.qsize() == 0
        assert sandbox.pending_notifications() == 1
        assert sandbox.wait_until_notified(0.2) is False
        assert merchant.received == []
        held.release.set()
        assert sandbox.wait_until_notified(10)
        assert sandbox.pending_notifications() == 0
        assert [m[2]["MaThamChieu"] for m in merchant.received] == ["dvcW1"]
    finally:
        held.release.set()
        sandbox.stop()


def test_a_notification_being_retried_is_still_waited_for(sandbox, merchant):
    merchant.answer = {"MaLoi": "99"}  # every attempt asks for a retry
    init(sandbox, reference="dvcW2")
    sandbox.pay("dvcW2")
    assert wait_for(lambda: len(merchant.received) >= 3)
    assert sandbox.pending_notifications() == 1  # between attempts, queued or in flight: always counted
    assert sandbox.wait_until_notified(0.3) is False
    merchant.answer = {"MaLoi": "00"}
    assert sandbox.wait_until_notified(10)
    assert sandbox.deliveries[-1]["outcome"] == "MaLoi 00"


def test_dropped_notifications_and_listing(sandbox, merchant):
    init(sandbox, reference="dvcL1", amount=10000)
    init(sandbox, reference="dvcL2", amount=20000)
    sandbox.drop_next_notifications(1)
    sandbox.pay("dvcL1")
    sandbox.pay("dvcL2", succeed=False)
    assert sandbox.wait_until_notified(10)
    assert [m[2]["MaThamChieu"] for m in merchant.received] == ["dvcL2"]  # the first was lost
    day = sandbox.transactions[0]["day"]
    query = urlencode({"MaDoiTac": "MOTCUA", "Ngay": day})
    request = urllib.request.Request(
        f"{sandbox.paygov_listing_url}?{query}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        rows = json.loads(response.read())["GiaoDich"]
    assert {(r["MaThamChieu"], r["MaLoi"]) for r in rows} == {("dvcL1", "00"), ("dvcL2", "24")}
    assert all(r["MaXacThuc"] == sign(r, CALLBACK_FIELDS) for r in rows)


def vnp_url(sandbox, reference="vnpA1", amount=99000, secret=VNP_SECRET):
    params = {
        "vnp_Version": "2.1.0",
        "vnp_Command": "pay",
        "vnp_TmnCode": "MCTEST01",
        "vnp_Amount": str(amount * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": reference,
        "vnp_OrderInfo": "Phi ho so",
        "vnp_OrderType": "billpayment",
        "vnp_Locale": "vn",
        "vnp_ReturnUrl": "http://127.0.0.1:9/ket-qua",
        "vnp_IpAddr": "127.0.0.1",
        "vnp_CreateDate": "20260302090000",
    }
    params["vnp_SecureHash"] = vnp_hash(params, secret)
    return f"{sandbox.vnpay_payment_url}?{urlencode(params)}"


def test_vnpay_page_ipn_return_and_querydr(sandbox, merchant):
    try:
        urllib.request.urlopen(vnp_url(sandbox, secret="forged"), timeout=5)
        raise AssertionError("a forged payment URL must be refused")
    except urllib.error.HTTPError as error:
        assert error.code == 400 and "97" in error.read().decode()
    with urllib.request.urlopen(vnp_url(sandbox), timeout=5) as response:
        assert "99.000 đ" in response.read().decode()
    status, location = click(sandbox.vnpay_payment_url, {"vnp_TxnRef": "vnpA1", "action": "pay"})
    assert status == 303
    returned = dict(parse_qsl(urlsplit(location).query))
    assert returned["vnp_ResponseCode"] == "00" and returned["vnp_SecureHash"] == vnp_hash(returned)
    assert wait_for(lambda: merchant.received)
    method, path, ipn = merchant.received[0]
    assert (method, path) == ("GET", "/vnpay/ipn")
    assert ipn["vnp_Amount"] == "9900000" and ipn["vnp_TransactionStatus"] == "00"
    assert ipn["vnp_SecureHash"] == vnp_hash(ipn)

    query = {
        "vnp_RequestId": "r1",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": "MCTEST01",
        "vnp_TxnRef": "vnpA1",
        "vnp_TransactionDate": "20260302090000",
        "vnp_CreateDate": "20260302091000",
        "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": "q",
    }
    data = "|".join(query[k] for k in query)
    query["vnp_SecureHash"] = hmac.new(VNP_SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    answer = json.loads(post_json(sandbox.vnpay_api_url, query)[2])
    assert answer["vnp_ResponseCode"] == "00" and answer["vnp_TransactionStatus"] == "00"
    assert answer["vnp_Amount"] == "9900000"
    assert (
        json.loads(post_json(sandbox.vnpay_api_url, {**query, "vnp_SecureHash": "00"})[2])["vnp_ResponseCode"]
        == "97"
    )


def test_fail_next_delay_and_restart_on_the_same_port(sandbox):
    sandbox.fail_next(2)
    assert init(sandbox, reference="dvcF1")[0] == 503
    assert init(sandbox, reference="dvcF1")[0] == 503
    assert init(sandbox, reference="dvcF1")[0] == 200
    port = sandbox.port
    sandbox.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
    sandbox.start()
    assert sandbox.port == port
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
        assert json.loads(response.read()) == {"status": "ok"}
    assert sandbox.transaction("dvcF1")["status"] == "pending"  # kept across the restart
    sandbox.set_delay(2)  # a slow provider: a client that waits less gives up
    request = urllib.request.Request(f"{sandbox.paygov_url}", data=b"{}", method="POST")
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        urllib.request.urlopen(request, timeout=0.2)
    sandbox.set_delay(0)
