"""A sandbox SMS gateway: speaks the JSON protocol of ``motcua.notifications.channels.sms.HttpSmsProvider``
on 127.0.0.1 and keeps every message it accepts, so the demo and the tests can read them back.

    POST /sms        {"to", "text", "sender", "reference"} with the API key header   -> 202 {"id", "status"}
    GET  /messages   -> 200 {"messages": [{"id", "to", "text", "sender", "reference", "received_at"}, ...]}
    DELETE /messages -> 204 (forget everything)
    GET  /health     -> 200 {"status": "ok"}

A repeated ``Idempotency-Key`` answers the first message's id without recording it again. A wrong or missing
API key answers 401; a number that is not a Vietnamese mobile number answers 422.

Run it on its own: ``python -m motcua.sandbox.sms --port 8025 --api-key sandbox-key``.
Plain standard library on purpose: it must not depend on the code it stands in for.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import threading
from datetime import UTC, datetime
from http import HTTPStatus

from ._server import SandboxHandler, SandboxServer

_MOBILE = re.compile(r"^(0|\+84)\d{9}$")
MAX_BODY = 64 * 1024


class SmsSandbox(SandboxServer):
    """The gateway: ``start()`` serves in a background thread, ``stop()`` closes the port."""

    thread_name = "sms-sandbox"

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, api_key: str = "", api_key_header="X-API-Key"
    ):
        super().__init__(host=host, port=port)
        self.api_key, self.api_key_header = api_key, api_key_header
        self._messages: list[dict] = []
        self._by_idempotency_key: dict[str, str] = {}
        self._failures: list[int] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def send_url(self) -> str:
        return f"{self.base_url}/sms"

    # --- what it received, and fault injection -----------------------------------------------------------

    @property
    def messages(self) -> list[dict]:
        with self._lock:
            return [dict(m) for m in self._messages]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._by_idempotency_key.clear()

    def fail_next(self, count: int = 1, *, status: int = HTTPStatus.SERVICE_UNAVAILABLE) -> None:
        """Answer the next ``count`` sends with ``status`` (a gateway in trouble) without recording them."""
        with self._lock:
            self._failures.extend([int(status)] * count)

    def _accept(self, payload: dict, idempotency_key: str) -> tuple[int, dict]:
        with self._lock:
            if self._failures:
                status = self._failures.pop(0)
                return status, {"error": f"sandbox failure {status}"}
            if idempotency_key and idempotency_key in self._by_idempotency_key:
                return HTTPStatus.OK, {"id": self._by_idempotency_key[idempotency_key], "status": "duplicate"}
            message_id = f"sbx-{next(self._ids)}"
            self._messages.append(
                {
                    "id": message_id,
                    "to": payload["to"],
                    "text": payload["text"],
                    "sender": payload.get("sender", ""),
                    "reference": payload.get("reference", ""),
                    "received_at": datetime.now(UTC).isoformat(),
                }
            )
            if idempotency_key:
                self._by_idempotency_key[idempotency_key] = message_id
            return HTTPStatus.ACCEPTED, {"id": message_id, "status": "accepted"}


class _Handler(SandboxHandler):
    sandbox: SmsSandbox
    server_version = "motcua-sms-sandbox/1"
    max_body = MAX_BODY

    def do_GET(self):
        if self.path == "/health":
            return self._json(HTTPStatus.OK, {"status": "ok"})
        if self.path == "/messages":
            return self._json(HTTPStatus.OK, {"messages": self.sandbox.messages})
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_DELETE(self):
        if self.path != "/messages":
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        self.sandbox.clear()
        return self._send(HTTPStatus.NO_CONTENT)

    def do_POST(self):
        if self.path != "/sms":
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        sandbox = self.sandbox
        given_key = self.headers.get(sandbox.api_key_header, "")
        if sandbox.api_key and given_key != sandbox.api_key:
            # Like some real gateways, it echoes the key it got: the client must keep that out of its logs.
            return self._json(HTTPStatus.UNAUTHORIZED, {"error": f"invalid api key '{given_key}'"})
        raw = self._read_body()
        if raw is None:
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "body is not JSON"})
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str) or not payload["text"]:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "'to' and 'text' are required"})
        if not _MOBILE.match(str(payload.get("to", ""))):
            return self._json(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "not a mobile number"})
        status, answer = sandbox._accept(payload, self.headers.get("Idempotency-Key", ""))
        return self._json(status, answer)


SmsSandbox.handler_class = _Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox SMS gateway for motcua (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--api-key", default="")
    args = parser.parse_args(argv)
    sandbox = SmsSandbox(port=args.port, api_key=args.api_key).start()
    print(f"SMS sandbox at {sandbox.send_url}; messages at {sandbox.base_url}/messages (Ctrl+C to stop)")
    sandbox.serve_until_interrupted()


if __name__ == "__main__":
    main()
