"""SMS through a provider chosen by ``MOTCUA_SMS_PROVIDER``.

- ``log`` (embedded default): writes one log line with the phone number masked; nothing leaves the machine.
- ``http``: posts JSON to ``MOTCUA_SMS_URL`` with the API key in the ``MOTCUA_SMS_API_KEY_HEADER`` header.
- a dotted path to a class implementing ``SmsProvider`` for an operator with its own protocol.

The HTTP protocol (spoken by ``motcua.sandbox.sms``)::

    POST <MOTCUA_SMS_URL>
    X-API-Key: <key>            Idempotency-Key: <outbox idempotency key>
    {"to": "0912345678", "text": "...", "sender": "MOTCUA", "reference": "<idempotency key>"}
    -> 2xx {"id": "<gateway message id>"}

2xx is delivered; 400/404/413/422 are final (the number or the text is refused); anything else, a timeout or
a refused connection is temporary and retried. The gateway should treat a repeated Idempotency-Key as the
same message, so a retry after a lost answer never sends twice.
"""

from __future__ import annotations

import json
import logging
import unicodedata
import urllib.error
import urllib.request
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import DeliveryError, mask_phone

logger = logging.getLogger("motcua.notifications.sms")

FINAL_HTTP_STATUSES = frozenset({400, 404, 413, 422})


class SmsProvider(Protocol):
    def send(self, *, phone: str, text: str, reference: str) -> str:
        """Send ``text`` to ``phone``; return the provider's message id; raise ``DeliveryError``."""


class LogSmsProvider:
    def send(self, *, phone: str, text: str, reference: str) -> str:
        logger.info("SMS to %s (%d chars, ref %s): %s", mask_phone(phone), len(text), reference, text)
        return ""


class HttpSmsProvider:
    def __init__(self, *, url: str, api_key: str, api_key_header: str, sender: str, timeout: float):
        if not url:
            raise DeliveryError(_("Chưa cấu hình địa chỉ cổng SMS (MOTCUA_SMS_URL)."))
        self.url, self.api_key, self.api_key_header = url, api_key, api_key_header
        self.sender, self.timeout = sender, timeout

    def send(self, *, phone: str, text: str, reference: str) -> str:
        payload = {"to": phone, "text": text, "sender": self.sender, "reference": reference}
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Idempotency-Key": reference,
                **({self.api_key_header: self.api_key} if self.api_key else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            raise DeliveryError(
                _("Cổng SMS trả lời HTTP %(status)s: %(detail)s") % {"status": exc.code, "detail": detail},
                permanent=exc.code in FINAL_HTTP_STATUSES,
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(
                _("Không kết nối được cổng SMS: %(reason)s") % {"reason": f"{type(exc).__name__}: {reason}"}
            ) from exc
        try:
            return str(json.loads(answer or b"{}").get("id", ""))
        except (ValueError, AttributeError):
            return ""


@cache
def _provider_class(name: str):
    return {"log": LogSmsProvider, "http": HttpSmsProvider}.get(name) or import_string(name)


def get_provider() -> SmsProvider:
    cls = _provider_class(settings.MOTCUA_SMS_PROVIDER)
    if cls is HttpSmsProvider:
        return HttpSmsProvider(
            url=settings.MOTCUA_SMS_URL,
            api_key=settings.MOTCUA_SMS_API_KEY,
            api_key_header=settings.MOTCUA_SMS_API_KEY_HEADER,
            sender=settings.MOTCUA_SMS_SENDER,
            timeout=settings.MOTCUA_WORKER_SEND_TIMEOUT_SECONDS,
        )
    return cls()


def deliver(message) -> str:
    text = ascii_text(message.body) if settings.MOTCUA_SMS_ASCII else message.body
    return get_provider().send(phone=message.recipient, text=text, reference=message.idempotency_key)


def ascii_text(text: str) -> str:
    """Drop Vietnamese diacritics, keeping case: "Hồ sơ Đã" -> "Ho so Da" (one SMS part holds 160, not 70)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii())
