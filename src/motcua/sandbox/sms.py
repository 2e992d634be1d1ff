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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_MOBILE = re.compile(r"^(0|\+84)\d{9}$")
MAX_BODY = 64 * 1024


class SmsSandbox:
    """The gateway: ``start()`` serves in a background thread, ``stop()`` closes the port."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, api_key: str = "", api_key_header="X-API-Key"
    ):
        self.host, self.port = host, port
        self.api_key, self.api_key_header = api_key, api_key_header
        self._messages: list[dict] = []
        self._by_idempotency_key: dict[str, str] = {}
        self._failures: list[int] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> SmsSandbox:
        sandbox = self

        class Handler(_Handler):
            pass

        Handler.sandbox = sandbox
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]  # keep it: a restart comes back on the same port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sms-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> SmsSandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

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


class _Handler(BaseHTTPRequestHandler):
    sandbox: SmsSandbox
    server_version = "motcua-sms-sandbox/1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        if self.path == "/health":
            return self._answer(HTTPStatus.OK, {"status": "ok"})
        if self.path == "/messages":
            return self._answer(HTTPStatus.OK, {"messages": self.sandbox.messages})
        return self._answer(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_DELETE(self):
        if self.path != "/messages":
            return self._answer(HTTPStatus.NOT_FOUND, {"error": "not found"})
        self.sandbox.clear()
        return self._answer(HTTPStatus.NO_CONTENT, None)

    def do_POST(self):
        if self.path != "/sms":
            return self._answer(HTTPStatus.NOT_FOUND, {"error": "not found"})
        sandbox = self.sandbox
        given_key = self.headers.get(sandbox.api_key_header, "")
        if sandbox.api_key and given_key != sandbox.api_key:
            # Like some real gateways, it echoes the key it got: the client must keep that out of its logs.
            return self._answer(HTTPStatus.UNAUTHORIZED, {"error": f"invalid api key '{given_key}'"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "body is not JSON"})
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str) or not payload["text"]:
            return self._answer(HTTPStatus.BAD_REQUEST, {"error": "'to' and 'text' are required"})
        if not _MOBILE.match(str(payload.get("to", ""))):
            return self._answer(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "not a mobile number"})
        status, answer = sandbox._accept(payload, self.headers.get("Idempotency-Key", ""))
        return self._answer(status, answer)

    def _answer(self, status: int, payload: dict | None) -> None:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox SMS gateway for motcua (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--api-key", default="")
    args = parser.parse_args(argv)
    sandbox = SmsSandbox(port=args.port, api_key=args.api_key).start()
    print(f"SMS sandbox at {sandbox.send_url}; messages at {sandbox.base_url}/messages (Ctrl+C to stop)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
