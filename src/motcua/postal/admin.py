"""The postal app in the admin: read only (changes go through ``postal.services``), with "Gửi lại" for
orders the operator refused."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ApplicationError

from .models import HandoverItem, HandoverRecord, PostalArrangement, PostalEvent, PostalOrder, TrackingEvent
from .services import postal_order_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TrackingInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    can_delete = False
    fields = ("sequence", "status", "occurred_at", "location", "note", "source", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PostalOrder)
class PostalOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "slip_number",
        "direction",
        "dossier",
        "agency",
        "status",
        "sync_action",
        "sync_state",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("direction", "status", "sync_state", "provider")
    search_fields = ("reference", "slip_number", "dossier__code", "recipient_name", "sender_name")
    date_hierarchy = "created_at"
    list_select_related = ("dossier", "agency")
    inlines = [TrackingInline]
    actions = ["retry"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser  # to see the page; every field is read only

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.action(description=_("Gửi lại yêu cầu bị từ chối"))
    def retry(self, request, queryset):
        done = 0
        for order in queryset:
            try:
                postal_order_retry(order=order, actor=request.user)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{order.reference}: {error.message}", messages.WARNING)
        if done:
            self.message_user(
                request, gettext("Đã đưa %(count)s đơn vào hàng đợi gửi lại.") % {"count": done}
            )


@admin.register(PostalArrangement)
class PostalArrangementAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "option",
        "dossier",
        "owner",
        "receiving_agency",
        "pickup_method",
        "created_at",
    )
    list_filter = ("option", "pickup_method")
    search_fields = ("dossier__code", "recipient_name", "return_address", "pickup_address")
    list_select_related = ("dossier", "owner", "receiving_agency")


class HandoverItemInline(admin.TabularInline):
    model = HandoverItem
    extra = 0
    can_delete = False
    fields = ("slip_number", "kind", "dossier", "complete", "missing_items", "fee_amount", "fee_account")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HandoverRecord)
class HandoverRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "kind",
        "agency",
        "status",
        "signed_at",
        "receiving_officer",
        "postal_staff_name",
    )
    list_filter = ("kind", "status")
    search_fields = ("number", "postal_staff_name", "items__slip_number")
    inlines = [HandoverItemInline]


@admin.register(PostalEvent)
class PostalEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "action", "actor_name", "order", "arrangement", "handover", "dossier")
    list_filter = ("action",)
    search_fields = ("order__reference", "dossier__code", "handover__number")
    date_hierarchy = "occurred_at"
