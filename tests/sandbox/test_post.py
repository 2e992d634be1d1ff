"""The sandbox postal operator over real HTTP: idempotent orders, S10 slip numbers, tracking, cancellation,
signed webhooks retried while the receiver is down, restarts on the same port."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from motcua.sandbox.post import PostSandbox, s10_check_digit, sign

KEY = "sandbox-test-key"
SECRET = "sandbox-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(sandbox, method: str, path: str, payload: dict | None = None, *, key: str | None = KEY):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(sandbox.base_url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def order(reference: str = "BC260302ABCDEF01", callback_url: str = "", **overrides) -> dict:
    data = {
        "partner_code": "MOTCUA",
        "reference": reference,
        "service": "BCCI",
        "direction": "outbound",
        "sender": {"name": "Trung tâm PVHCC", "phone": "02393855000", "address": "Số 1 Nguyễn Tất Thành"},
        "receiver": {"name": "Nguyễn Văn An", "phone": "0912345678", "address": "Số 5 Phan Đình Phùng"},
        "contents": "Phiếu lý lịch tư pháp",
        "cod_amount": 0,
        "callback_url": callback_url,
    }
    data.update(overrides)
    return data


class Receiver:
    """Our side of the webhooks: records what it gets; answers ``status`` (200 unless told otherwise)."""

    def __init__(self, port: int = 0, status: int = 200):
        self.port, self.status = port, status
        self.received: list[dict] = []
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"body": body, "headers": dict(self.headers)})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/postal/webhook"


@pytest.fixture
def sandbox():
    running = PostSandbox(
        api_key=KEY, webhook_secret=SECRET, retry_seconds=0.05, retry_max_seconds=0.2
    ).start()
    yield running
    running.stop()


def test_s10_check_digits():
    # The UPU S10 example AA 47312482 9 GB: weights 8 6 4 2 3 5 9 7, sum 200, 11 - 200 % 11 = 9.
    assert s10_check_digit("47312482") == 9
    assert s10_check_digit("00000000") == 5  # 11 - 0 = 11 -> 5
    assert s10_check_digit("00000001") == 4  # sum 7 -> 11 - 7
    assert s10_check_digit("00000008") == 0  # sum 56, 56 % 11 = 1 -> 10 -> 0


def test_an_order_is_idempotent_by_reference(sandbox):
    status, first = call(sandbox, "POST", "/orders", order())
    assert status == 201
    slip = first["slip_number"]
    assert len(slip) == 13 and slip.startswith("EB") and slip.endswith("VN")
    assert int(slip[10]) == s10_check_digit(slip[2:10])
    assert first["status"] == "accepted" and first["postage"] == 25000
    status, again = call(sandbox, "POST", "/orders", order(contents="changed"))
    assert status == 200 and again["slip_number"] == slip
    assert len(sandbox.orders) == 1
    status, other = call(sandbox, "POST", "/orders", order("BC260302ABCDEF02"))
    assert status == 201 and other["slip_number"] != slip
    assert len(sandbox.orders) == 2


def test_postage_adds_a_share_of_the_amount_collected_on_delivery(sandbox):
    status, answer = call(sandbox, "POST", "/orders", order(cod_amount=1_000_000))
    assert (status, answer["postage"]) == (201, 35000)


def test_requests_need_the_key_and_a_valid_order(sandbox):
    assert call(sandbox, "POST", "/orders", order(), key=None)[0] == 401
    assert call(sandbox, "POST", "/orders", order(), key="wrong")[0] == 401
    assert call(sandbox, "GET", "/orders/BC260302ABCDEF01", key=None)[0] == 401
    status, answer = call(sandbox, "POST", "/orders", order(reference="x"))
    assert status == 422 and answer["error_code"] == "invalid"
    assert call(sandbox, "POST", "/orders", order(receiver={"name": "A"}))[0] == 422
    assert call(sandbox, "POST", "/orders", order(direction="sideways"))[0] == 422
    assert not sandbox.orders
    assert call(sandbox, "GET", "/orders/BC-UNKNOWN")[0] == 404


def test_tracking_and_cancellation(sandbox):
    call(sandbox, "POST", "/orders", order())
    status, cancelled = call(sandbox, "POST", "/orders/BC260302ABCDEF01/cancel", {})
    assert (status, cancelled["status"]) == (200, "cancelled")
    assert call(sandbox, "POST", "/orders/BC260302ABCDEF01/cancel", {})[0] == 200  # again: same answer
    call(sandbox, "POST", "/orders", order("BC260302ABCDEF02"))
    sandbox.advance("BC260302ABCDEF02", "picked_up", location="Bưu cục Thành Sen")
    status, refused = call(sandbox, "POST", "/orders/BC260302ABCDEF02/cancel", {})
    assert (status, refused["error_code"]) == (409, "not_cancellable")
    status, tracking = call(sandbox, "GET", "/orders/BC260302ABCDEF02")
    assert status == 200
    assert [(e["sequence"], e["status"]) for e in tracking["events"]] == [(1, "accepted"), (2, "picked_up")]
    assert len({e["event_id"] for e in tracking["events"]}) == 2


def test_a_shipment_only_moves_forward(sandbox):
    call(sandbox, "POST", "/orders", order())
    sandbox.advance("BC260302ABCDEF01", "in_transit")
    sandbox.advance("BC260302ABCDEF01", "delivery_failed", note="Không có người nhận")
    sandbox.advance("BC260302ABCDEF01", "in_transit")  # delivered again
    sandbox.advance("BC260302ABCDEF01", "delivered")
    with pytest.raises(ValueError):
        sandbox.advance("BC260302ABCDEF01", "in_transit")
    with pytest.raises(ValueError):
        sandbox.advance("BC-UNKNOWN", "delivered")
    status, answer = call(
        sandbox, "POST", "/sandbox/orders/BC260302ABCDEF01/advance", {"status": "in_transit"}
    )
    assert (status, answer["error_code"]) == (409, "invalid_move")
    assert sandbox.order("BC260302ABCDEF01")["status"] == "delivered"


def test_fault_injection_answers_without_recording(sandbox):
    sandbox.fail_next(2)
    assert call(sandbox, "POST", "/orders", order())[0] == 503
    assert call(sandbox, "POST", "/orders", order())[0] == 503
    assert not sandbox.orders
    assert call(sandbox, "POST", "/orders", order())[0] == 201


def test_webhooks_are_signed_and_sent_in_order(sandbox):
    receiver = Receiver().start()
    try:
        call(sandbox, "POST", "/orders", order(callback_url=receiver.url))
        status, event = call(
            sandbox, "POST", "/sandbox/orders/BC260302ABCDEF01/advance", {"status": "picked_up"}
        )
        assert status == 200 and event["sequence"] == 2
        sandbox.advance("BC260302ABCDEF01", "in_transit", location="Hà Tĩnh")
        sandbox.advance("BC260302ABCDEF01", "delivered")
        assert sandbox.wait_for_webhooks(5)
    finally:
        receiver.stop()
    bodies = [json.loads(r["body"]) for r in receiver.received]
    assert [(b["sequence"], b["status"]) for b in bodies] == [
        (2, "picked_up"),
        (3, "in_transit"),
        (4, "delivered"),
    ]
    for request in receiver.received:
        stamp = request["headers"]["X-Postal-Timestamp"]
        expected = (
            "sha256="
            + hmac.new(SECRET.encode(), stamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
        )
        assert request["headers"]["X-Postal-Signature"] == expected == sign(SECRET, stamp, request["body"])
        assert abs(int(stamp) - time.time()) < 60
    assert bodies[0]["reference"] == "BC260302ABCDEF01" and bodies[0]["slip_number"]
    assert all(hook["delivered"] for hook in sandbox.webhooks)


def test_webhooks_are_retried_while_the_receiver_is_down(sandbox):
    port = free_port()
    receiver = Receiver(port=port)
    call(sandbox, "POST", "/orders", order(callback_url=receiver.url))
    sandbox.advance("BC260302ABCDEF01", "in_transit")
    sandbox.advance("BC260302ABCDEF01", "delivered")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sandbox.webhooks[0]["attempts"] < 3:
        time.sleep(0.02)
    assert sandbox.webhooks[0]["attempts"] >= 3  # refused connections, tried again
    assert sandbox.webhooks[1]["attempts"] == 0  # the later event waits behind the earlier one
    receiver.start()
    try:
        assert sandbox.wait_for_webhooks(5)
    finally:
        receiver.stop()
    assert [json.loads(r["body"])["status"] for r in receiver.received] == ["in_transit", "delivered"]


def test_a_5xx_answer_is_retried_and_a_4xx_answer_ends_the_webhook(sandbox):
    receiver = Receiver(status=503).start()
    try:
        call(sandbox, "POST", "/orders", order(callback_url=receiver.url))
        sandbox.advance("BC260302ABCDEF01", "in_transit")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(receiver.received) < 2:
            time.sleep(0.02)
        assert len(receiver.received) >= 2 and sandbox.pending_webhooks() == 1
        receiver.status = 401
        assert sandbox.wait_for_webhooks(5)
        hook = sandbox.webhooks[0]
        assert (hook["answer"], hook["delivered"]) == (401, False)
    finally:
        receiver.stop()


def test_a_stopped_sandbox_comes_back_on_the_same_port_with_its_orders(sandbox):
    call(sandbox, "POST", "/orders", order())
    port = sandbox.port
    sandbox.stop()
    assert not sandbox.running
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
    sandbox.start()
    assert sandbox.port == port
    status, again = call(sandbox, "POST", "/orders", order())
    assert status == 200 and len(sandbox.orders) == 1


def test_the_state_file_keeps_shipments_across_processes(tmp_path):
    path = tmp_path / "post.json"
    with PostSandbox(api_key=KEY, state_path=path) as first:
        slip = call(first, "POST", "/orders", order())[1]["slip_number"]
        first.advance("BC260302ABCDEF01", "picked_up")
    with PostSandbox(api_key=KEY, state_path=path) as second:
        status, answer = call(second, "POST", "/orders", order())
        assert (status, answer["slip_number"], answer["status"]) == (200, slip, "picked_up")
