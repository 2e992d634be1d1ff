"""Admin for the procedure catalog.

Published and retired versions are read-only here: dossiers received under them must keep seeing exactly
what they saw. To change a procedure, officers copy a version to a draft, edit the draft and publish it with
the "Công bố phiên bản" action, which goes through ``procedure_version_publish``.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ApplicationError
from motcua.core.text import search_terms

from .models import (
    CaseComponent,
    Fee,
    Field,
    LegalBasis,
    Procedure,
    ProcedureAgency,
    ProcedureCase,
    ProcedureResult,
    ProcedureVersion,
    SequenceStep,
)
from .services import procedure_retire, procedure_version_copy_to_draft, procedure_version_publish


def _is_draft(version: ProcedureVersion | None) -> bool:
    return version is None or version.status == ProcedureVersion.Status.DRAFT


def _search_folded(queryset, search_term: str, path: str):
    """Rows whose folded search text (see core.text.fold) holds every term, with or without diacritics."""
    terms = search_terms(search_term)
    if not terms:
        return queryset.none()
    condition = Q()
    for term in terms:
        condition &= Q(**{f"{path}__contains": term})
    return queryset.filter(condition)


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


# Links typed without a scheme are taken as https (Django 6 behaviour).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class VersionChildInline(admin.TabularInline):
    """Children of a version: editable only while the version is a draft."""

    extra = 0
    formfield_overrides = URL_FIELDS_HTTPS

    def _editable(self, obj) -> bool:
        return _is_draft(obj)

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ProcedureCaseInline(VersionChildInline):
    model = ProcedureCase
    fields = (
        "order",
        "name",
        "processing_time",
        "time_unit",
        "online_processing_time",
        "no_appointment",
        "supplement_rule",
        "accepted_online",
    )
    show_change_link = True


class SequenceStepInline(VersionChildInline):
    model = SequenceStep
    fields = ("order", "case_name", "text")


class FeeInline(VersionChildInline):
    model = Fee
    fields = ("case", "channel", "kind", "code", "amount", "timing", "description", "exemptions")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        case_field = formset.form.base_fields.get("case")
        if case_field is not None:
            # Only the cases of this version can carry its fees.
            case_field.queryset = (
                ProcedureCase.objects.filter(version=obj) if obj else ProcedureCase.objects.none()
            )
        return formset


class ProcedureResultInline(VersionChildInline):
    model = ProcedureResult
    fields = ("code", "name", "template_name", "template_url")


class LegalBasisInline(VersionChildInline):
    model = LegalBasis
    fields = ("number", "title", "issuer", "issued_on", "effective_on", "url")


class ProcedureAgencyInline(VersionChildInline):
    model = ProcedureAgency
    fields = ("role", "agency", "external_code", "external_name")
    autocomplete_fields = ("agency",)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = (
        "procedure_code",
        "number",
        "name",
        "status",
        "effective_from",
        "effective_to",
        "field",
        "online_service_level",
    )
    list_display_links = ("procedure_code", "number", "name")
    list_filter = (
        "status",
        "online_service_level",
        ("field", admin.RelatedOnlyFieldListFilter),
        "at_province",
        "at_district",
        "at_commune",
        "postal_submission_allowed",
        "online_payment_offered",
        "is_interconnected",
    )
    search_fields = ("procedure__national_code", "procedure__local_code", "procedure__idqg")
    search_help_text = _("Tìm theo mã TTHC, mã địa phương hoặc tên (có dấu hoặc không dấu).")
    list_select_related = ("procedure", "field")
    autocomplete_fields = ("procedure", "field")
    date_hierarchy = "effective_from"
    actions = ("publish_versions", "copy_to_draft")
    inlines = (
        ProcedureCaseInline,
        SequenceStepInline,
        FeeInline,
        ProcedureResultInline,
        LegalBasisInline,
        ProcedureAgencyInline,
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "procedure",
                    "number",
                    "status",
                    "effective_from",
                    "effective_to",
                    "publication_decision",
                )
            },
        ),
        (
            _("Nội dung thủ tục"),
            {
                "fields": (
                    "name",
                    "procedure_type",
                    "field",
                    "description",
                    "keywords",
                    "subjects",
                    "requirements",
                    "sequence",
                    "method",
                    "result_description",
                    "reception_address",
                    "fee_description",
                )
            },
        ),
        (
            _("Cấp thực hiện và dịch vụ công trực tuyến"),
            {
                "fields": (
                    ("at_province", "at_district", "at_commune"),
                    "online_service_level",
                    ("postal_submission_allowed", "postal_return_allowed"),
                    "online_payment_offered",
                    "is_interconnected",
                    "cross_boundary_allowed",
                )
            },
        ),
        (_("Thành phần hồ sơ theo trường hợp"), {"fields": ("components_by_case",)}),
        (
            _("Gói tin CSDL quốc gia"),
            {"fields": ("package_hash", "raw_package_json"), "classes": ("collapse",)},
        ),
    )
    always_readonly = (
        "number",
        "status",
        "effective_from",
        "effective_to",
        "components_by_case",
        "package_hash",
        "raw_package_json",
    )

    @admin.display(description=_("mã TTHC"), ordering="procedure__national_code")
    def procedure_code(self, obj: ProcedureVersion) -> str:
        return obj.procedure.national_code

    @admin.display(description=_("thành phần hồ sơ"))
    def components_by_case(self, obj: ProcedureVersion) -> str:
        if obj.pk is None:
            return "-"
        cases = obj.cases.prefetch_related("components")
        return format_html_join(
            "",
            "<p><strong>{}</strong></p><ol>{}</ol>",
            (
                (
                    case.name,
                    format_html_join(
                        "",
                        "<li>{} <small>({})</small></li>",
                        (
                            (
                                component.name,
                                gettext("%(originals)d bản chính, %(copies)d bản sao")
                                % {"originals": component.originals, "copies": component.copies},
                            )
                            for component in case.components.all()
                        ),
                    ),
                )
                for case in cases
            ),
        ) or gettext("Chưa có trường hợp nào.")

    @admin.display(description=_("gói tin CSDL quốc gia"))
    def raw_package_json(self, obj: ProcedureVersion) -> str:
        if not obj.raw_package:
            return "-"
        return format_html(
            '<pre style="white-space: pre-wrap; max-height: 40em; overflow: auto">{}</pre>',
            json.dumps(obj.raw_package, ensure_ascii=False, indent=2),
        )

    readonly_fields = always_readonly

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return results | _search_folded(queryset, search_term, "search_text"), may_have_duplicates

    def has_change_permission(self, request, obj=None):
        # A published or retired version opens as a read-only view page, its inlines included.
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Only a draft can go: published versions may be what a dossier was received under.
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            last = obj.procedure.versions.order_by("-number").values_list("number", flat=True).first()
            obj.number = (last or 0) + 1
        super().save_model(request, obj, form, change)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting goes one draft at a time, from its page
        return actions

    @admin.action(description=_("Công bố phiên bản"), permissions=["change"])
    def publish_versions(self, request, queryset):
        published = 0
        for version in queryset.select_related("procedure").order_by("procedure", "number"):
            try:
                result = procedure_version_publish(version=version)
            except ApplicationError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                published += 1
                # What other apps did on publication, e.g. process templates carried over (dossiers).
                for note in result.publish_notes:
                    self.message_user(request, f"{result}: {note}", messages.INFO)
        if published:
            self.message_user(
                request,
                ngettext("Đã công bố %(count)d phiên bản.", "Đã công bố %(count)d phiên bản.", published)
                % {"count": published},
                messages.SUCCESS,
            )

    @admin.action(description=_("Tạo bản nháp từ phiên bản đã chọn"), permissions=["add"])
    def copy_to_draft(self, request, queryset):
        for version in queryset.select_related("procedure"):
            draft = procedure_version_copy_to_draft(version=version)
            self.message_user(
                request,
                gettext("Đã tạo bản nháp %(draft)s.") % {"draft": draft},
                messages.SUCCESS,
            )


class ProcedureVersionListInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ("number", "name", "status", "effective_from", "effective_to")
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = (
        "national_code",
        "current_name",
        "local_code",
        "current_number",
        "current_field",
        "is_active",
    )
    list_display_links = ("national_code", "current_name")
    list_filter = (
        "is_active",
        ("current_version__field", admin.RelatedOnlyFieldListFilter),
        "current_version__online_service_level",
        "current_version__at_province",
        "current_version__at_district",
        "current_version__at_commune",
    )
    search_fields = ("national_code", "local_code", "idqg")
    search_help_text = _("Tìm theo mã TTHC, mã địa phương hoặc tên (có dấu hoặc không dấu).")
    list_select_related = ("current_version", "current_version__field")
    fields = ("national_code", "local_code", "idqg", "is_active", "current_version")
    inlines = (ProcedureVersionListInline,)
    actions = ("retire_procedures",)

    @admin.display(description=_("tên thủ tục"), ordering="current_version__name")
    def current_name(self, obj: Procedure) -> str:
        return obj.current_version.name if obj.current_version_id else "-"

    @admin.display(description=_("phiên bản"), ordering="current_version__number")
    def current_number(self, obj: Procedure):
        return obj.current_version.number if obj.current_version_id else "-"

    @admin.display(description=_("lĩnh vực"))
    def current_field(self, obj: Procedure) -> str:
        version = obj.current_version
        return version.field.name if version is not None and version.field_id else "-"

    def get_readonly_fields(self, request, obj=None):
        # The national code is the procedure's identity: set once, when the procedure is created.
        return ("current_version",) if obj is None else ("national_code", "current_version")

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        folded = _search_folded(queryset, search_term, "versions__search_text")
        return results | folded, duplicates or bool(search_terms(search_term))

    @admin.action(description=_("Bãi bỏ thủ tục (từ bây giờ)"), permissions=["change"])
    def retire_procedures(self, request, queryset):
        for procedure in queryset:
            try:
                procedure_retire(procedure=procedure)
            except ApplicationError as exc:
                self.message_user(request, f"{procedure.national_code}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Đã bãi bỏ thủ tục %(code)s.") % {"code": procedure.national_code},
                    messages.SUCCESS,
                )


class CaseComponentInline(admin.TabularInline):
    model = CaseComponent
    extra = 0
    formfield_overrides = URL_FIELDS_HTTPS
    fields = (
        "order",
        "code",
        "name",
        "originals",
        "copies",
        "is_required",
        "form_name",
        "form_file",
        "form_url",
        "replaceable_by_result_code",
        "accepted_types",
        "max_size_mb",
    )

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj.version if obj else None) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj.version if obj else None) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj.version if obj else None) and super().has_delete_permission(request, obj)


@admin.register(ProcedureCase)
class ProcedureCaseAdmin(admin.ModelAdmin):
    """A case with its dossier components (Django admin cannot nest them inside the version page)."""

    list_display = ("name", "procedure_version", "processing_time", "time_unit", "accepted_online")
    list_filter = ("time_unit", "supplement_rule", "accepted_online", "version__status")
    search_fields = ("name", "version__procedure__national_code")
    list_select_related = ("version", "version__procedure")
    inlines = (CaseComponentInline,)
    fields = (
        "version",
        "order",
        "name",
        ("processing_time", "time_unit"),
        "online_processing_time",
        "no_appointment",
        "supplement_rule",
        "accepted_online",
        "description",
    )

    @admin.display(description=_("phiên bản thủ tục"), ordering="version__procedure__national_code")
    def procedure_version(self, obj: ProcedureCase) -> str:
        return str(obj.version)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj.version if obj else None) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj.version if obj else None) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = ProcedureVersion.objects.filter(status=ProcedureVersion.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
