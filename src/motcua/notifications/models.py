"""The notifications outbox: one row per message to one recipient on one channel.

A row is written in the same transaction as the state change that causes it (ARCHITECTURE rule 3) and is
delivered later by the worker (``worker.py``), with retries and backoff. Subject and body are rendered when
the row is written, so what staff read in the admin is exactly what was (or will be) sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.models import TimeStampedModel

from .message_templates import template_choices


class OutboxMessage(TimeStampedModel):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        SMS = "sms", _("Tin nhắn SMS")
        PORTAL = "portal", _("Thông báo trên Cổng")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi thất bại")

    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(
        _("người nhận"), max_length=254, help_text=_("Địa chỉ thư, số điện thoại hoặc tài khoản trên Cổng.")
    )
    # Set for portal messages (the citizen's inbox) and, when known, for the other channels too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    template = models.CharField(_("mẫu thông báo"), max_length=64, choices=template_choices())
    context = models.JSONField(_("dữ liệu mẫu"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    reference = models.CharField(
        _("đối tượng liên quan"), max_length=100, blank=True, db_index=True, help_text=_("Ví dụ: mã hồ sơ.")
    )
    idempotency_key = models.CharField(_("khóa chống trùng"), max_length=200, unique=True)

    status = models.CharField(_("trạng thái"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("lần gửi tiếp theo"))
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    sent_at = models.DateTimeField(_("thời điểm gửi xong"), null=True, blank=True)
    external_id = models.CharField(_("mã của nhà cung cấp"), max_length=200, blank=True)
    # Which worker batch holds a message while it is being sent, and since when (to recover from crashes).
    claim_token = models.CharField(max_length=64, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    read_at = models.DateTimeField(_("thời điểm đã đọc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo gửi đi")
        verbose_name_plural = _("hộp thư gửi đi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["user", "channel", "-created_at"], name="outbox_user_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.subject or self.template}"


class FailedOutboxMessage(OutboxMessage):
    """The dead-letter view: messages the worker gave up on, for staff to inspect and re-send."""

    class Meta:
        proxy = True
        verbose_name = _("thông báo gửi thất bại")
        verbose_name_plural = _("thông báo gửi thất bại")
