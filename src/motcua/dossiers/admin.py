"""Admin: process templates are edited here without code; dossiers are read-only (they change by services)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import Dossier, DossierEvent, DossierStep, ProcessStep, ProcessTemplate
from .process import allotment_error, total_allotment


class ProcessStepFormSet(BaseInlineFormSet):
    """Refuses a template whose allotments exceed the case's time limit (validation of the whole set)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = []
        lead_count = 0
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append((data.get("parallel_group") or 1, data.get("hours") or 0, data.get("role")))
            lead_count += bool(data.get("is_lead"))
        template = self.instance
        if template.case_id is None:
            return
        message = allotment_error(
            case=template.case,
            for_online=template.for_online,
            total=total_allotment((group, hours) for group, hours, _role in rows),
            roles=[role for _group, _hours, role in rows],
            lead_count=lead_count,
        )
        if message:
            raise ValidationError(message)


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    formset = ProcessStepFormSet
    extra = 1
    fields = (
        "parallel_group",
        "order",
        "name",
        "agency",
        "uses_competent_agency",
        "role",
        "hours",
        "is_lead",
    )
    ordering = ("parallel_group", "order")


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "case", "for_online", "is_active", "updated_at")
    list_filter = ("for_online", "is_active")
    search_fields = ("name", "case__name", "case__version__name", "case__version__procedure__national_code")
    raw_id_fields = ("case",)
    inlines = [ProcessStepInline]
    fieldsets = (
        (None, {"fields": ("case", "for_online", "name", "approval_decision", "is_active", "note")}),
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DossierStepInline(ReadOnlyInline):
    model = DossierStep
    fields = (
        "stage",
        "name",
        "agency",
        "role",
        "assignee",
        "started_at",
        "due_at",
        "finished_at",
        "timeliness",
    )
    readonly_fields = fields
    verbose_name_plural = _("quá trình xử lý (Mẫu 05)")


class DossierEventInline(ReadOnlyInline):
    model = DossierEvent
    fields = (
        "sequence",
        "occurred_at",
        "actor_name",
        "origin",
        "action",
        "from_status",
        "to_status",
        "reason",
    )
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only view for operators; every change goes through the back office and its services."""

    list_display = (
        "code",
        "applicant_name",
        "status",
        "substate",
        "channel",
        "received_at",
        "appointment_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("code", "applicant_name", "applicant_identity_number")
    list_select_related = ("receiving_agency", "competent_agency")
    inlines = [DossierStepInline, DossierEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
