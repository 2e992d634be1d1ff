"""Admin: rating criteria and petition deadlines are data edited here; ratings are read-only (their evaluator is
confidential and not shown); petitions are read here and handled in the back office (services keep the trail).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Petition,
    PetitionAnswer,
    PetitionDeadline,
    PetitionEvent,
    Rating,
    RatingAnswer,
    SatisfactionCriterion,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InForceFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("Đang áp dụng")), ("no", _("Đã hết áp dụng"))]

    def queryset(self, request, queryset):
        from .selectors import criteria_in_force

        current = criteria_in_force().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=current)
        if self.value() == "no":
            return queryset.exclude(pk__in=current)
        return queryset


@admin.register(SatisfactionCriterion)
class SatisfactionCriterionAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "code", "online_only", "effective_from", "effective_to")
    list_display_links = ("name",)
    list_filter = (InForceFilter, "online_only")
    search_fields = ("name", "code", "legal_basis")
    fields = (
        "code",
        "name",
        "help_text",
        "legal_basis",
        "order",
        "online_only",
        "effective_from",
        "effective_to",
    )

    def get_readonly_fields(self, request, obj=None):
        # Answered criteria keep their wording: close them (hết áp dụng) and add a new one instead.
        if obj is not None and obj.answers.exists():
            return ("code", "name", "online_only", "effective_from")
        return ()

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.answers.exists()


class RatingAnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RatingAnswer
    extra = 0
    fields = ("criterion", "level")
    readonly_fields = fields


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("dossier", "overall", "channel", "proof", "rated_at")
    list_filter = ("overall", "channel", "proof", "rated_at")
    search_fields = ("dossier__code",)
    date_hierarchy = "rated_at"
    # rated_by is left out: evaluators' identities are confidential (ND 61/2018 Art. 27).
    fields = ("dossier", "overall", "comment", "channel", "proof", "rated_at")
    readonly_fields = fields
    inlines = [RatingAnswerInline]
    list_select_related = ("dossier",)


@admin.register(PetitionDeadline)
class PetitionDeadlineAdmin(admin.ModelAdmin):
    list_display = ("__str__", "working_days", "legal_basis", "updated_at")
    autocomplete_fields = ("agency",)
    fields = ("agency", "working_days", "legal_basis")


class PetitionAnswerInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = PetitionAnswer
    extra = 0
    fields = ("content", "answered_by", "answered_at")
    readonly_fields = fields


class PetitionEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PetitionEvent
    extra = 0
    fields = ("occurred_at", "action", "from_state", "to_state", "actor_name", "note", "origin")
    readonly_fields = fields


@admin.register(Petition)
class PetitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("tracking_code", "subject", "agency", "state", "received_at", "due_at", "answered_at")
    list_filter = ("state", "received_at")
    search_fields = ("tracking_code", "subject", "dossier_code", "agency__name")
    date_hierarchy = "received_at"
    list_select_related = ("agency",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "tracking_code",
                    "agency",
                    "state",
                    "subject",
                    "content",
                    "dossier_code",
                    "attachment",
                )
            },
        ),
        (
            _("Người gửi"),
            {"fields": ("sender_name", "sender_phone", "sender_email", "sender_address", "sender_account")},
        ),
        (
            _("Thời hạn và xử lý"),
            {
                "fields": (
                    "received_at",
                    "working_days",
                    "due_at",
                    "answered_at",
                    "declined_at",
                    "decline_reason",
                    "published_at",
                    "public_content",
                    "handling_rating",
                    "handling_rated_at",
                )
            },
        ),
    )
    inlines = [PetitionAnswerInline, PetitionEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [name for fieldset in self.fieldsets for name in fieldset[1]["fields"]]
