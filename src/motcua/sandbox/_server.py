"""What every sandbox shares: a standard-library HTTP server on 127.0.0.1 run in background threads, and a
request handler with the helpers the sandboxes answer with.

``SandboxServer`` is the lifecycle: ``start()`` serves in a daemon thread (and keeps the port it got, so a
restart comes back on the same port), ``stop()`` closes the port; ``running``, ``base_url`` and ``with``.
A sandbox that runs threads of its own besides the server (a webhook or notification sender) starts them in
``_start_workers()`` with ``_spawn()`` and tells them to finish in ``_stop_workers()``; ``stop()`` joins them
after the port is closed.

``SandboxHandler`` is the handler every sandbox subclasses: ``start()`` binds a subclass of it to the sandbox
(``self.sandbox``). It keeps quiet (no request log) and answers with ``_send`` / ``_json`` / ``_html``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class SandboxHandler(BaseHTTPRequestHandler):
    sandbox: Any  # the sandbox this server belongs to: set on the subclass start() makes
    max_body = 64 * 1024  # the largest request body read, in bytes

    def log_message(self, format, *args):  # keep test output quiet (and codes and keys out of logs)
        pass

    def _send(
        self, status: int, body: bytes = b"", content_type: str | None = None, headers: dict | None = None
    ) -> None:
        """Answer ``status`` with ``body`` (no body for HEAD); no Content-Type header when it is None."""
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload, headers: dict | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _html(self, status: int, page: str) -> None:
        self._send(status, page.encode("utf-8"), "text/html; charset=utf-8")

    def _read_body(self) -> bytes | None:
        """The request body; None (and nothing read) when it is longer than ``max_body``."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body:
            return None
        return self.rfile.read(length) if length else b""

    def _read_json(self) -> dict | None:
        """The request body as a JSON object; None when it is too long, not JSON or not an object."""
        raw = self._read_body()
        if raw is None:
            return None
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None


class SandboxServer:
    """The lifecycle of a sandbox: ``start()`` serves in a background thread, ``stop()`` closes the port."""

    handler_class: type[SandboxHandler] = SandboxHandler
    thread_name = "sandbox"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._workers: list[threading.Thread] = []

    def start(self) -> Self:
        handler = type(self.handler_class.__name__, (self.handler_class,), {"sandbox": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]  # keep it: a restart comes back on the same port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self.thread_name, daemon=True
        )
        self._thread.start()
        self._start_workers()
        return self

    def stop(self) -> None:
        self._stop_workers()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        for thread in self._workers:
            thread.join(10)
        self._workers = []

    def _start_workers(self) -> None:
        """Hook: start the threads the sandbox runs besides the server, with ``_spawn()``."""

    def _stop_workers(self) -> None:
        """Hook: tell those threads to finish (before the port closes; ``stop()`` joins them after)."""

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._workers.append(thread)
        thread.start()

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def serve_until_interrupted(self) -> None:
        """For ``python -m``: block until Ctrl+C, then stop."""
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"
