"""Writes to the outbox: queue a message, re-send a dead one, and the worker's claim / outcome steps.

``notification_enqueue`` is meant to be called inside the transaction of the state change that causes the
message: if that transaction rolls back, nothing is queued; if it commits, the message will be delivered.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import Conflict, ValidationFailed

from .channels import redact_secrets
from .message_templates import LIST_KEYS, TEMPLATES, missing_context, render_message
from .models import OutboxMessage
from .wakeup import wake_workers

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status

# Path of the portal's dossier lookup page; a caller may pass its own ``lookup_url`` in the context.
LOOKUP_PATH = "/tra-cuu/"
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VN_MOBILE = re.compile(r"^0[35789]\d{8}$")  # mobile prefixes since the 2018 renumbering


@transaction.atomic
def notification_enqueue(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict,
    reference: str = "",
    idempotency_key: str,
    user=None,
) -> OutboxMessage:
    """Queue one message; a second call with the same ``idempotency_key`` returns the first message."""
    if not idempotency_key:
        raise ValidationFailed(_("Thiếu khóa chống trùng của thông báo."))
    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if channel not in Channel.values:
        raise ValidationFailed(_("Kênh thông báo không hợp lệ: %(channel)s.") % {"channel": channel})
    if template not in TEMPLATES:
        raise ValidationFailed(_("Mẫu thông báo không tồn tại: %(template)s.") % {"template": template})
    missing = missing_context(template, context)
    if missing:
        raise ValidationFailed(
            _("Thiếu dữ liệu cho mẫu thông báo: %(keys)s.") % {"keys": ", ".join(missing)},
            extra={"missing": missing},
        )
    recipient = normalise_recipient(channel=channel, recipient=recipient, user=user)
    context = _complete_context(context)
    subject, body = render_message(template=template, channel=channel, context=context)
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                channel=channel,
                recipient=recipient,
                user=user,
                template=template,
                context=context,
                subject=subject[:255],
                body=body,
                reference=reference,
                idempotency_key=idempotency_key,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        # Another transaction queued the same key between our check and our insert.
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    transaction.on_commit(wake_workers)
    return message


def normalise_recipient(*, channel: str, recipient: str, user=None) -> str:
    """Return the recipient in the form the channel sends to, or raise ``ValidationFailed``."""
    recipient = (recipient or "").strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise ValidationFailed(
                _("Địa chỉ thư điện tử không hợp lệ: %(value)s.") % {"value": recipient}
            ) from None
        return recipient
    if channel == Channel.SMS:
        phone = normalise_phone(recipient)
        if phone is None:
            raise ValidationFailed(_("Số điện thoại di động không hợp lệ: %(value)s.") % {"value": recipient})
        return phone
    if user is None:
        raise ValidationFailed(_("Thông báo trên Cổng cần tài khoản người nhận."))
    return recipient or user.get_username()


def normalise_phone(value: str) -> str | None:
    """Vietnamese mobile number in national form: "+84 912.345.678" -> "0912345678"; None if not one."""
    digits = _PHONE_SEPARATORS.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _VN_MOBILE.match(digits) else None


def lookup_url(dossier_code: str) -> str:
    return f"{settings.SITE_URL}{LOOKUP_PATH}?ma={quote(dossier_code)}"


def _complete_context(context: dict) -> dict:
    context = dict(context)
    for key in LIST_KEYS:
        value = context.get(key)
        if isinstance(value, str):
            context[key] = [value]
        elif value is not None:
            context[key] = [str(item) for item in value]
    if context.get("dossier_code") and not context.get("lookup_url"):
        context["lookup_url"] = lookup_url(context["dossier_code"])
    context.setdefault("province_name", settings.MOTCUA_PROVINCE_NAME)
    return context


@transaction.atomic
def notification_resend(*, message: OutboxMessage) -> OutboxMessage:
    """Put a dead-letter message back in the queue with a fresh set of attempts."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != Status.FAILED:
        raise Conflict(_("Chỉ gửi lại được thông báo đã gửi thất bại."))
    message.status = Status.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.claim_token = ""
    message.claimed_at = None
    message.save(
        update_fields=["status", "attempts", "next_attempt_at", "claim_token", "claimed_at", "updated_at"]
    )
    transaction.on_commit(wake_workers)
    return message


@transaction.atomic
def portal_message_mark_read(*, message: OutboxMessage, user) -> OutboxMessage:
    if message.channel != Channel.PORTAL or message.user_id != user.pk:
        raise ValidationFailed(_("Không tìm thấy thông báo."))
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at", "updated_at"])
    return message


def portal_messages_mark_all_read(*, user) -> int:
    """Mark every published portal message of ``user`` as read (e.g. an officer's back-office messages);
    returns how many were unread."""
    now = timezone.now()
    return OutboxMessage.objects.filter(
        user=user, channel=Channel.PORTAL, status=Status.SENT, read_at__isnull=True
    ).update(read_at=now, updated_at=now)


# --- Worker steps -------------------------------------------------------------------------------------


def outbox_claim_due(*, limit: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages as being sent by this caller and return them.

    PostgreSQL: rows are picked with ``FOR UPDATE SKIP LOCKED``, so concurrent workers never wait for or
    share a row. SQLite: one guarded ``UPDATE`` (writes are serialised, and a row is only taken while it is
    still pending).
    """
    now = now or timezone.now()
    token = uuid.uuid4().hex
    due = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    claim = {
        "status": Status.SENDING,
        "claim_token": token,
        "claimed_at": now,
        "attempts": F("attempts") + 1,
        "updated_at": now,
    }
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if not ids:
                return []
            OutboxMessage.objects.filter(pk__in=ids, status=Status.PENDING).update(**claim)
    else:
        taken = OutboxMessage.objects.filter(pk__in=due.values("pk")[:limit], status=Status.PENDING).update(
            **claim
        )
        if not taken:
            return []
    return list(
        OutboxMessage.objects.filter(status=Status.SENDING, claim_token=token).order_by(
            "next_attempt_at", "pk"
        )
    )


def outbox_record_sent(*, message: OutboxMessage, external_id: str = "") -> bool:
    """Record a delivery; False if the claim was lost meanwhile (the message was released as stale)."""
    now = timezone.now()
    updated = _claimed(message).update(
        status=Status.SENT, sent_at=now, external_id=external_id[:200], last_error="", updated_at=now
    )
    if updated:
        message.status, message.sent_at, message.external_id = Status.SENT, now, external_id
    return bool(updated)


def outbox_record_failure(*, message: OutboxMessage, error: str, permanent: bool = False) -> bool:
    """Schedule a retry with backoff, or move the message to the dead letters after its last attempt."""
    now = timezone.now()
    error = redact_secrets(error)[:2000]
    if permanent or message.attempts >= settings.MOTCUA_WORKER_MAX_ATTEMPTS:
        changes = {"status": Status.FAILED}
    else:
        changes = {"status": Status.PENDING, "next_attempt_at": now + backoff_delay(message.attempts)}
    updated = _claimed(message).update(last_error=error, updated_at=now, **changes)
    if updated:
        message.last_error = error
        for field, value in changes.items():
            setattr(message, field, value)
    return bool(updated)


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with ±20 % jitter: base, 2×base, 4×base … capped at the maximum."""
    base = settings.MOTCUA_WORKER_BACKOFF_SECONDS
    cap = settings.MOTCUA_WORKER_BACKOFF_MAX_SECONDS
    delay = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def outbox_release_stale(*, now: datetime | None = None) -> int:
    """Give back messages whose worker died mid-send (claimed longer ago than the claim timeout)."""
    now = now or timezone.now()
    stale = OutboxMessage.objects.filter(
        status=Status.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.MOTCUA_WORKER_CLAIM_TIMEOUT_SECONDS),
    )
    error = _("Tiến trình gửi dừng giữa chừng; thông báo được trả lại hàng đợi sau thời gian chờ.")
    dead = stale.filter(attempts__gte=settings.MOTCUA_WORKER_MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error=error, updated_at=now
    )
    retried = stale.update(status=Status.PENDING, next_attempt_at=now, last_error=error, updated_at=now)
    return dead + retried


def _claimed(message: OutboxMessage):
    return OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING, claim_token=message.claim_token)
