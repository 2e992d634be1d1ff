"""The outbox in the admin: read-only messages, filters by status and channel, and "Gửi lại" for dead letters."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ApplicationError

from .models import FailedOutboxMessage, OutboxMessage
from .services import notification_resend


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "template",
        "reference",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "template")
    search_fields = ("reference", "recipient", "subject")
    date_hierarchy = "created_at"
    actions = ["resend"]
    fieldsets = (
        (None, {"fields": ("channel", "recipient", "user", "reference", "template", "subject", "body")}),
        (
            _("Gửi"),
            {"fields": ("status", "attempts", "next_attempt_at", "sent_at", "external_id", "last_error")},
        ),
        (_("Kỹ thuật"), {"classes": ("collapse",), "fields": ("idempotency_key", "context", "created_at")}),
    )
    readonly_fields = (
        "channel",
        "recipient",
        "user",
        "reference",
        "template",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "external_id",
        "last_error",
        "idempotency_key",
        "context",
        "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Gửi lại"), permissions=["change"])
    def resend(self, request, queryset):
        resent = skipped = 0
        for message in queryset:
            try:
                notification_resend(message=message)
            except ApplicationError:
                skipped += 1
            else:
                resent += 1
        if resent:
            self.message_user(
                request,
                gettext("Đã đưa %(count)d thông báo vào hàng đợi gửi lại.") % {"count": resent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                gettext("Bỏ qua %(count)d thông báo không ở trạng thái gửi thất bại.") % {"count": skipped},
                messages.WARNING,
            )


@admin.register(FailedOutboxMessage)
class FailedOutboxMessageAdmin(OutboxMessageAdmin):
    """Dead letters only, most recently failed first."""

    list_display = ("updated_at", "channel", "recipient", "template", "reference", "attempts", "last_error")
    ordering = ("-updated_at", "-id")
    list_filter = ("channel", "template")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=OutboxMessage.Status.FAILED)
