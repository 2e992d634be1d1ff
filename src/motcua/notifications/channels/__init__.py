"""Channel backends: each turns one outbox message into an external effect.

``deliver(message)`` returns the provider's message id (or "") on success and raises ``DeliveryError`` on
failure; ``permanent=True`` means retrying cannot help (a refused address), so the message goes straight to
the dead letters.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from motcua.core.logging import redact


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def deliver(message) -> str:
    from . import email, portal, sms

    backends = {"email": email.deliver, "sms": sms.deliver, "portal": portal.deliver}
    try:
        backend = backends[message.channel]
    except KeyError:
        raise DeliveryError(
            _("Kênh thông báo không hợp lệ: %(channel)s.") % {"channel": message.channel}, permanent=True
        ) from None
    return backend(message)


def redact_secrets(text: str) -> str:
    """Remove configured credentials and anything shaped like ``key=value`` secrets from ``text``."""
    for secret in (settings.MOTCUA_SMS_API_KEY, settings.EMAIL_HOST_PASSWORD):
        if secret:
            text = text.replace(secret, "***")
    return redact(text)


def mask_phone(phone: str) -> str:
    """0912345678 -> 091*****78: enough to tell messages apart in a log, not enough to call."""
    if len(phone) <= 5:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]


def mask_email(address: str) -> str:
    """nguyen.van.a@example.vn -> n***@example.vn"""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_phone(address)
