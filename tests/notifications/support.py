"""Shared test data for the notifications tests."""

from __future__ import annotations

from datetime import UTC, datetime

from motcua.notifications.services import notification_enqueue

APPOINTMENT = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # 15:00 in Hà Nội


def received_context(**extra) -> dict:
    return {
        "dossier_code": "000.00.12.H56-260313-0007",
        "appointment_at": APPOINTMENT,
        "applicant_name": "Nguyễn Văn An",
        "procedure_name": "Đăng ký khai sinh",
        **extra,
    }


def enqueue(channel="sms", recipient="0912345678", template="received", key="k-1", context=None, **extra):
    return notification_enqueue(
        channel=channel,
        recipient=recipient,
        template=template,
        context=received_context() if context is None else context,
        reference="000.00.12.H56-260313-0007",
        idempotency_key=key,
        **extra,
    )
