"""Message templates: which exist, what context each needs, and how a message is rendered per channel.

Files live in ``templates/notifications/<key>/``: ``subject.txt`` (one line), ``sms.txt`` (short, one line)
and ``email.txt`` (the longer text, also used for portal messages). Messages are rendered in the site's
language and time zone whatever the caller's, so a citizen always reads dd/mm/yyyy HH:MM in Vietnam time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from motcua.core.text import normalize_spaces


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    label: str
    required: tuple[str, ...]


TEMPLATES: dict[str, MessageTemplate] = {
    t.key: t
    for t in (
        MessageTemplate("received", _("Tiếp nhận hồ sơ, hẹn trả kết quả"), ("dossier_code",)),
        MessageTemplate(
            "supplement_request", _("Yêu cầu bổ sung hồ sơ"), ("dossier_code", "missing_documents")
        ),
        MessageTemplate("refusal", _("Từ chối hồ sơ"), ("dossier_code", "reasons")),
        MessageTemplate("apology", _("Xin lỗi, hẹn lại ngày trả"), ("dossier_code", "new_appointment_at")),
        MessageTemplate("result_ready", _("Đã có kết quả"), ("dossier_code",)),
        MessageTemplate("early_return", _("Trả kết quả trước hẹn"), ("dossier_code", "appointment_at")),
        MessageTemplate("withdrawn", _("Xác nhận rút hồ sơ"), ("dossier_code",)),
        MessageTemplate("stopped", _("Dừng xử lý hồ sơ"), ("dossier_code", "reasons")),
        # From the payments app's "record_payment" dossier event when a payment request is paid.
        MessageTemplate("payment_received", _("Đã nhận phí, lệ phí"), ("dossier_code", "amount")),
        # From the postal app's "record_delivery_failure" dossier event (the result could not be delivered).
        MessageTemplate("postal_delivery_failed", _("Bưu điện chưa phát được kết quả"), ("dossier_code",)),
        # Sent by petitions.py when the feedback app records an answer to a petition (phản ánh, kiến nghị).
        MessageTemplate(
            "petition_answered", _("Trả lời phản ánh, kiến nghị"), ("tracking_code", "track_url")
        ),
        # Sent by account_codes.py for the accounts app; "purpose" is a VerificationCode.Purpose value.
        MessageTemplate("account_code", _("Mã xác minh tài khoản"), ("code", "purpose", "minutes")),
        # To staff (notifications.watch): the overdue watch's warnings to the assignee and the leaders.
        MessageTemplate(
            "staff_due_soon", _("Cán bộ: hồ sơ sắp đến hạn trả kết quả"), ("dossier_code", "appointment_at")
        ),
        MessageTemplate(
            "staff_overdue", _("Cán bộ: hồ sơ quá hạn trả kết quả"), ("dossier_code", "appointment_at")
        ),
        # To the receiving agency's reception officers (notifications.events): a postal delivery failed.
        MessageTemplate(
            "staff_postal_delivery_failed",
            _("Cán bộ: phát kết quả qua bưu chính không thành công"),
            ("dossier_code",),
        ),
    )
}

# Context keys that hold a list of lines (a single string is accepted and wrapped).
LIST_KEYS = ("missing_documents", "reasons")

_BLANK_LINES = re.compile(r"\n{3,}")


def template_choices() -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in TEMPLATES.values()]


def missing_context(template: str, context: dict) -> list[str]:
    """The required context keys of ``template`` that ``context`` leaves empty."""
    return [key for key in TEMPLATES[template].required if not context.get(key)]


def render_message(*, template: str, channel: str, context: dict) -> tuple[str, str]:
    """Return ``(subject, body)`` of ``template`` for ``channel`` ("sms" gets the short text)."""
    context = {**context, "channel": channel}
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        subject = normalize_spaces(render_to_string(f"notifications/{template}/subject.txt", context))
        if channel == "sms":
            body = normalize_spaces(render_to_string(f"notifications/{template}/sms.txt", context))
        else:
            body = _tidy(render_to_string(f"notifications/{template}/email.txt", context))
    return subject, body


def _tidy(text: str) -> str:
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines)
