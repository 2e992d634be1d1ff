"""E-mail through Django's configured e-mail backend (SMTP in production, console in the embedded default)."""

from __future__ import annotations

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from . import DeliveryError


def deliver(message) -> str:
    message_id = _message_id(message)
    # A stable Message-ID lets mail systems drop a copy re-sent after a lost acknowledgement.
    headers = {"Message-ID": message_id}
    if message.reference:
        headers["X-Motcua-Reference"] = message.reference
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers=headers,
        connection=get_connection(
            fail_silently=False,
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or settings.MOTCUA_WORKER_SEND_TIMEOUT_SECONDS,
        ),
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            _("Máy chủ thư từ chối người nhận: %(detail)s") % {"detail": _smtp_detail(exc.recipients)},
            permanent=True,
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        # Wrong credentials are fixed in the configuration; keep the message until then.
        raise DeliveryError(
            _("Máy chủ thư từ chối đăng nhập (mã %(code)s).") % {"code": exc.smtp_code}
        ) from exc
    except smtplib.SMTPResponseException as exc:
        # 5xx answers are final (bad address, policy); 4xx are temporary.
        raise DeliveryError(
            _("Máy chủ thư trả lời %(code)s: %(detail)s")
            % {"code": exc.smtp_code, "detail": _text(exc.smtp_error)},
            permanent=500 <= exc.smtp_code < 600,
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            _("Không kết nối được máy chủ thư: %(reason)s") % {"reason": f"{type(exc).__name__}: {exc}"}
        ) from exc
    return message_id


def _message_id(message) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{message.pk}@{domain}>"


def _smtp_detail(refused: dict) -> str:
    return "; ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in refused.items())


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
