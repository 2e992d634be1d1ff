"""A sandbox postal operator (bưu chính công ích) speaking the VNPost-style JSON protocol of
``motcua.postal.providers.HttpPostalProvider`` on 127.0.0.1 (the message formats are in docs/postal.md).

    POST /orders                       create an order (Bearer API key) -> 201 new / 200 the same order again
    GET  /orders/{reference}           the order and its tracking events (Bearer API key)
    POST /orders/{reference}/cancel    cancel before pickup -> 200, or 409 once picked up (Bearer API key)
    GET  /orders                       every order (sandbox only, no key: for the demo and the tests)
    POST /sandbox/orders/{reference}/advance   {"status", "location", "note"}: move a shipment on (sandbox only)
    GET  /health                       {"status": "ok"}

Orders are idempotent by the partner's ``reference``: a repeated order answers the first order's slip number
(Phiếu gửi, an S10-style number such as ``EB12345678 5VN`` without the space) and creates nothing. Every
tracking step the sandbox takes (``advance``) is sent to the order's ``callback_url`` as a signed webhook:

    X-Postal-Timestamp: <unix seconds>
    X-Postal-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the shared secret>
    X-Postal-Event-Id:  <event id>

A webhook answered with a 5xx status or not answered (our server down) is retried with backoff, freshly
timestamped and signed each time, until it is answered; a 2xx or 4xx answer ends it (4xx: refused for good).
``stop()`` keeps the orders and the webhooks still to deliver; ``start()`` serves them again on the same port.

Run it on its own: ``python -m motcua.sandbox.post --port 8092 --api-key K --webhook-secret S``.
Plain standard library on purpose: it must not depend on the code it stands in for.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import random
import re
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from ._server import SandboxHandler, SandboxServer

MAX_BODY = 64 * 1024
STATUSES = ("accepted", "picked_up", "in_transit", "delivered", "delivery_failed", "returned", "cancelled")
FINAL = {"delivered", "returned", "cancelled"}
# What each status may move to (a failed delivery may be tried again: in_transit, then delivered).
NEXT = {
    "accepted": {"picked_up", "in_transit", "delivered", "delivery_failed", "returned", "cancelled"},
    "picked_up": {"in_transit", "delivered", "delivery_failed", "returned"},
    "in_transit": {"in_transit", "delivered", "delivery_failed", "returned"},
    "delivery_failed": {"in_transit", "delivered", "delivery_failed", "returned"},
}
_REFERENCE = re.compile(r"^[A-Za-z0-9_.-]{4,40}$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    total = sum(int(digit) * weight for digit, weight in zip(serial, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``"<timestamp>." + body`` with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


class PostSandbox(SandboxServer):
    """The operator: ``start()`` serves in a background thread, ``stop()`` closes the port (state is kept)."""

    thread_name = "post-sandbox"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "",
        webhook_secret: str = "",
        retry_seconds: float = 0.5,
        retry_max_seconds: float = 30.0,
        webhook_timeout: float = 5.0,
        state_path: str | Path | None = None,
    ):
        super().__init__(host=host, port=port)
        self.api_key, self.webhook_secret = api_key, webhook_secret
        self.retry_seconds, self.retry_max_seconds = retry_seconds, retry_max_seconds
        self.webhook_timeout = webhook_timeout
        self.state_path = Path(state_path) if state_path else None
        self._orders: dict[str, dict] = {}
        self._slips: set[str] = set()
        self._webhooks: list[dict] = []  # every webhook, delivered or not (a log)
        self._failures: list[int] = []
        self._event_ids = itertools.count(1)
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._stopping = False
        self._load()

    # --- the webhook dispatcher runs beside the server ---------------------------------------------------

    def _start_workers(self) -> None:
        with self._lock:
            self._stopping = False
        self._spawn(self._dispatch_loop, "post-sandbox-webhooks")

    def _stop_workers(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()

    # --- what it holds, and what tests and the demo do with it ------------------------------------------

    @property
    def orders(self) -> list[dict]:
        with self._lock:
            return [json.loads(json.dumps(order)) for order in self._orders.values()]

    def order(self, reference: str) -> dict | None:
        with self._lock:
            order = self._orders.get(reference)
            return json.loads(json.dumps(order)) if order else None

    @property
    def webhooks(self) -> list[dict]:
        """Every webhook: ``event_id``, ``reference``, ``status``, ``attempts``, ``delivered``, ``answer``."""
        with self._lock:
            return [{k: v for k, v in hook.items() if k not in ("body", "url")} for hook in self._webhooks]

    def pending_webhooks(self) -> int:
        with self._lock:
            return sum(1 for hook in self._webhooks if not hook["done"])

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until every webhook was answered (True), or ``timeout`` seconds (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.pending_webhooks():
                return True
            time.sleep(0.02)
        return not self.pending_webhooks()

    def fail_next(self, count: int = 1, *, status: int = HTTPStatus.SERVICE_UNAVAILABLE) -> None:
        """Answer the next ``count`` order requests with ``status`` (an operator in trouble)."""
        with self._lock:
            self._failures.extend([int(status)] * count)

    def clear(self) -> None:
        with self._lock:
            self._orders.clear()
            self._slips.clear()
            self._webhooks.clear()
            self._save()

    def advance(
        self,
        reference: str,
        status: str,
        *,
        location: str = "",
        note: str = "",
        occurred_at: str | None = None,
    ) -> dict:
        """Move a shipment to ``status`` and queue the signed webhook; returns the event. ValueError if the
        order is unknown or the move is not possible (e.g. anything after ``delivered``)."""
        with self._wake:
            order = self._orders.get(reference)
            if order is None:
                raise ValueError(f"unknown order {reference}")
            if status not in STATUSES or status not in NEXT.get(order["status"], set()):
                raise ValueError(f"cannot move {reference} from {order['status']} to {status}")
            event = self._add_event(order, status, location=location, note=note, occurred_at=occurred_at)
            self._queue_webhook(order, event)
            self._save()
            self._wake.notify_all()
            return dict(event)

    def resend_webhook(self, reference: str, event_id: str) -> None:
        """Send an event's webhook once more (a duplicate delivery, as real operators sometimes do)."""
        with self._wake:
            order = self._orders[reference]
            event = next(e for e in order["events"] if e["event_id"] == event_id)
            self._queue_webhook(order, event)
            self._wake.notify_all()

    # --- order handling -----------------------------------------------------------------------------------

    def _new_slip(self) -> str:
        while True:
            serial = f"{random.randrange(10**8):08d}"
            slip = f"EB{serial}{s10_check_digit(serial)}VN"
            if slip not in self._slips:
                self._slips.add(slip)
                return slip

    def _add_event(self, order: dict, status: str, *, location="", note="", occurred_at=None) -> dict:
        event = {
            "event_id": f"{order['slip_number']}-{len(order['events']) + 1}-{next(self._event_ids)}",
            "sequence": len(order["events"]) + 1,
            "status": status,
            "occurred_at": occurred_at or _now_iso(),
            "location": location,
            "note": note,
        }
        order["events"].append(event)
        order["status"] = status
        return event

    def _create(self, payload: dict) -> tuple[int, dict]:
        with self._lock:
            if self._failures:
                status = self._failures.pop(0)
                return status, {"error_code": "unavailable", "message": f"sandbox failure {status}"}
            reference = payload["reference"]
            existing = self._orders.get(reference)
            if existing is not None:  # idempotent: the same order, the same slip, nothing new
                return HTTPStatus.OK, self._summary(existing)
            order = {
                "reference": reference,
                "slip_number": self._new_slip(),
                "partner_code": payload.get("partner_code", ""),
                "direction": payload.get("direction", ""),
                "sender": payload.get("sender") or {},
                "receiver": payload.get("receiver") or {},
                "contents": payload.get("contents", ""),
                "cod_amount": int(payload.get("cod_amount") or 0),
                "postage": _postage(payload),
                "callback_url": payload.get("callback_url", ""),
                "created_at": _now_iso(),
                "status": "accepted",
                "events": [],
            }
            self._orders[reference] = order
            self._add_event(order, "accepted", location=payload.get("sender", {}).get("address", "")[:100])
            self._save()
            return HTTPStatus.CREATED, self._summary(order)

    def _cancel(self, reference: str) -> tuple[int, dict]:
        with self._wake:
            if self._failures:
                status = self._failures.pop(0)
                return status, {"error_code": "unavailable", "message": f"sandbox failure {status}"}
            order = self._orders.get(reference)
            if order is None:
                return HTTPStatus.NOT_FOUND, {"error_code": "not_found", "message": "unknown reference"}
            if order["status"] == "cancelled":
                return HTTPStatus.OK, self._summary(order)
            if order["status"] != "accepted":
                return HTTPStatus.CONFLICT, {
                    "error_code": "not_cancellable",
                    "message": f"order is {order['status']}",
                    **self._summary(order),
                }
            event = self._add_event(order, "cancelled", note="cancelled by partner")
            self._queue_webhook(order, event)
            self._save()
            self._wake.notify_all()
            return HTTPStatus.OK, self._summary(order)

    @staticmethod
    def _summary(order: dict) -> dict:
        return {
            "reference": order["reference"],
            "slip_number": order["slip_number"],
            "status": order["status"],
            "postage": order["postage"],
            "created_at": order["created_at"],
        }

    def _tracking(self, reference: str) -> tuple[int, dict]:
        with self._lock:
            order = self._orders.get(reference)
            if order is None:
                return HTTPStatus.NOT_FOUND, {"error_code": "not_found", "message": "unknown reference"}
            return HTTPStatus.OK, {**self._summary(order), "events": [dict(e) for e in order["events"]]}

    # --- webhooks --------------------------------------------------------------------------------------------

    def _queue_webhook(self, order: dict, event: dict) -> None:
        if not order.get("callback_url"):
            return
        body = {
            "event_id": event["event_id"],
            "reference": order["reference"],
            "slip_number": order["slip_number"],
            "sequence": event["sequence"],
            "status": event["status"],
            "occurred_at": event["occurred_at"],
            "location": event["location"],
            "note": event["note"],
        }
        self._webhooks.append(
            {
                "event_id": event["event_id"],
                "reference": order["reference"],
                "status": event["status"],
                "url": order["callback_url"],
                "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                "attempts": 0,
                "next_try": 0.0,
                "done": False,
                "delivered": False,
                "answer": None,
            }
        )

    def _dispatch_loop(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
                hook, wait = self._next_due(time.monotonic())
                if hook is None:
                    self._wake.wait(min(0.5, wait))
                    continue
            self._deliver(hook)

    def _next_due(self, now: float) -> tuple[dict | None, float]:
        """The first webhook due whose shipment has no earlier webhook still waiting (events stay in order)."""
        blocked: set[str] = set()
        wait = 0.5
        for hook in self._webhooks:
            if hook["done"] or hook["reference"] in blocked:
                continue
            blocked.add(hook["reference"])
            if hook["next_try"] <= now:
                return hook, 0.0
            wait = min(wait, hook["next_try"] - now)
        return None, max(wait, 0.01)

    def _deliver(self, hook: dict) -> None:
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            hook["url"],
            data=hook["body"],
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Postal-Timestamp": timestamp,
                "X-Postal-Signature": sign(self.webhook_secret, timestamp, hook["body"]),
                "X-Postal-Event-Id": hook["event_id"],
            },
        )
        status = None
        try:
            with urllib.request.urlopen(request, timeout=self.webhook_timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (OSError, ValueError):
            status = None
        with self._wake:
            hook["attempts"] += 1
            hook["answer"] = status
            if status is not None and status < 500:
                hook["done"], hook["delivered"] = True, 200 <= status < 300
            else:
                delay = min(self.retry_max_seconds, self.retry_seconds * 2 ** min(hook["attempts"] - 1, 16))
                hook["next_try"] = time.monotonic() + delay

    # --- persistence (optional: the demo keeps its shipments across restarts) ------------------------------

    def _save(self) -> None:
        if self.state_path is None:
            return
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"orders": self._orders}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.state_path)

    def _load(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self._orders = dict(data.get("orders") or {})
        self._slips = {order["slip_number"] for order in self._orders.values()}


def _postage(payload: dict) -> int:
    """A flat sandbox tariff: 25.000 đ, plus 1 % of any amount collected on delivery (at least 5.000 đ)."""
    cod = int(payload.get("cod_amount") or 0)
    return 25000 + (max(5000, cod // 100) if cod else 0)


class _Handler(SandboxHandler):
    sandbox: PostSandbox
    server_version = "motcua-post-sandbox/1"
    max_body = MAX_BODY

    def _authorised(self) -> bool:
        if not self.sandbox.api_key:
            return True
        expected = f"Bearer {self.sandbox.api_key}"
        return hmac.compare_digest(self.headers.get("Authorization", ""), expected)

    def do_GET(self):
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/health":
            return self._json(HTTPStatus.OK, {"status": "ok"})
        if path == "/orders":
            return self._json(HTTPStatus.OK, {"orders": self.sandbox.orders})
        match = re.fullmatch(r"/orders/([^/]+)", path)
        if match:
            if not self._authorised():
                return self._json(
                    HTTPStatus.UNAUTHORIZED, {"error_code": "unauthorised", "message": "bad key"}
                )
            return self._json(*self.sandbox._tracking(match.group(1)))
        return self._json(HTTPStatus.NOT_FOUND, {"error_code": "not_found", "message": "not found"})

    def do_POST(self):
        path = self.path.split("?", 1)[0].rstrip("/")
        advance = re.fullmatch(r"/sandbox/orders/([^/]+)/advance", path)
        if advance:
            payload = self._read_json() or {}
            try:
                event = self.sandbox.advance(
                    advance.group(1),
                    str(payload.get("status", "")),
                    location=str(payload.get("location", "")),
                    note=str(payload.get("note", "")),
                )
            except ValueError as error:
                return self._json(HTTPStatus.CONFLICT, {"error_code": "invalid_move", "message": str(error)})
            return self._json(HTTPStatus.OK, event)
        if not self._authorised():
            return self._json(HTTPStatus.UNAUTHORIZED, {"error_code": "unauthorised", "message": "bad key"})
        if path == "/orders":
            payload = self._read_json()
            if payload is None:
                return self._json(
                    HTTPStatus.BAD_REQUEST, {"error_code": "bad_request", "message": "not JSON"}
                )
            problem = _order_problem(payload)
            if problem:
                return self._json(
                    HTTPStatus.UNPROCESSABLE_ENTITY, {"error_code": "invalid", "message": problem}
                )
            return self._json(*self.sandbox._create(payload))
        cancel = re.fullmatch(r"/orders/([^/]+)/cancel", path)
        if cancel:
            return self._json(*self.sandbox._cancel(cancel.group(1)))
        return self._json(HTTPStatus.NOT_FOUND, {"error_code": "not_found", "message": "not found"})


PostSandbox.handler_class = _Handler


def _order_problem(payload: dict) -> str:
    if not _REFERENCE.match(str(payload.get("reference", ""))):
        return "reference: 4-40 letters, digits, '.', '_' or '-'"
    for party in ("sender", "receiver"):
        data = payload.get(party)
        if not isinstance(data, dict) or not str(data.get("name", "")).strip():
            return f"{party}.name is required"
        if not str(data.get("address", "")).strip():
            return f"{party}.address is required"
    if payload.get("direction") not in ("inbound", "outbound"):
        return "direction: inbound or outbound"
    try:
        if int(payload.get("cod_amount") or 0) < 0:
            return "cod_amount must not be negative"
    except (TypeError, ValueError):
        return "cod_amount must be a whole number"
    return ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox postal operator for motcua (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--api-key", default="")
    parser.add_argument("--webhook-secret", default="")
    parser.add_argument("--state", default="", help="JSON file to keep the shipments in across restarts")
    args = parser.parse_args(argv)
    sandbox = PostSandbox(
        port=args.port,
        api_key=args.api_key,
        webhook_secret=args.webhook_secret,
        state_path=args.state or None,
    ).start()
    print(f"Postal sandbox at {sandbox.base_url}; orders at {sandbox.base_url}/orders (Ctrl+C to stop)")
    sandbox.serve_until_interrupted()


if __name__ == "__main__":
    main()
