from __future__ import annotations

import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from motcua.sandbox.sms import SmsSandbox

SANDBOX_API_KEY = "sandbox-key-7f3a9c2e51d4"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 with Django's SMTP backend pointed at it."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Một cửa tỉnh <motcua@tinh.example.vn>"
    yield handler
    controller.stop()


@pytest.fixture
def sms_sandbox(settings):
    """The sandbox SMS gateway on a free port, with the HTTP provider configured to use it."""
    sandbox = SmsSandbox(api_key=SANDBOX_API_KEY).start()
    settings.MOTCUA_SMS_PROVIDER = "http"
    settings.MOTCUA_SMS_URL = sandbox.send_url
    settings.MOTCUA_SMS_API_KEY = SANDBOX_API_KEY
    settings.MOTCUA_SMS_API_KEY_HEADER = "X-API-Key"
    settings.MOTCUA_WORKER_SEND_TIMEOUT_SECONDS = 3
    yield sandbox
    sandbox.stop()
