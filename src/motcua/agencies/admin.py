"""Admin for administrative units, agencies, one-stop units and staff memberships.

Staff memberships have their own list rather than an inline on the user page: ``agencies`` and ``accounts``
sit in the same layer and may not import each other (tests/test_architecture.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import Case, CharField, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import AdministrativeUnit, Agency, OneStopUnit, StaffMembership

# Depth in the agency tree and the path of names from its root, up to five ancestors (real trees are shallower).
TREE_MAX_DEPTH = 5


def _ancestor(up: int) -> str:
    return "__".join(["parent"] * up)


TREE_DEPTH = Case(
    *(When(**{f"{_ancestor(n + 1)}__isnull": True}, then=Value(n)) for n in range(TREE_MAX_DEPTH)),
    default=Value(TREE_MAX_DEPTH),
    output_field=IntegerField(),
)


def _tree_path(depth: int):
    parts = []
    for up in range(depth, 0, -1):
        parts += [F(f"{_ancestor(up)}__name"), Value(" › ")]
    return Concat(*parts, F("name"), output_field=CharField()) if parts else F("name")


TREE_PATH = Case(
    *(When(depth=n, then=_tree_path(n)) for n in range(TREE_MAX_DEPTH)),
    default=_tree_path(TREE_MAX_DEPTH),
    output_field=CharField(),
)


class InForceListFilter(admin.SimpleListFilter):
    title = _("tình trạng")
    parameter_name = "tinh_trang"

    def lookups(self, request, model_admin):
        return (("current", _("Đang hiệu lực")), ("ended", _("Đã sáp nhập, giải thể hoặc ngừng")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        current = Q(valid_to__isnull=True) | Q(valid_to__gt=today)
        if self.value() == "current":
            return queryset.filter(current)
        if self.value() == "ended":
            return queryset.exclude(current)
        return queryset


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "division_type",
        "level",
        "parent",
        "valid_from",
        "valid_to",
        "replaced_by",
    )
    list_display_links = ("code", "name")
    list_filter = ("level", "division_type", InForceListFilter)
    search_fields = ("code", "name")
    list_select_related = ("parent", "replaced_by")
    autocomplete_fields = ("parent", "replaced_by")
    fields = ("code", "name", "division_type", "level", "parent", ("valid_from", "valid_to"), "replaced_by")


class AgencyAdminForm(forms.ModelForm):
    """Codes are stored upper-case, and no code may name two agencies in either identifier style."""

    class Meta:
        model = Agency
        fields = (
            "name",
            "short_name",
            "kind",
            "level",
            "parent",
            "administrative_unit",
            "code",
            "code_qd20",
            "address",
            "phone",
            "email",
            "is_active",
            "valid_from",
            "valid_to",
        )

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean_code_qd20(self) -> str:
        return (self.cleaned_data.get("code_qd20") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        others = Agency.objects.exclude(pk=self.instance.pk) if self.instance.pk else Agency.objects.all()
        for name in ("code", "code_qd20"):
            value = cleaned.get(name)
            if not value:
                continue
            clash = others.filter(Q(code=value) | Q(code_qd20=value)).first()
            if clash is not None:
                self.add_error(
                    name,
                    gettext("Mã “%(code)s” đã được dùng cho cơ quan “%(agency)s”.")
                    % {"code": value, "agency": clash},
                )
        if cleaned.get("code") and cleaned.get("code") == cleaned.get("code_qd20"):
            self.add_error("code_qd20", gettext("Mã theo QĐ 20/2020 phải khác mã theo QCVN 102:2016."))
        return cleaned


class AgencyChangeList(ChangeList):
    """Lists agencies as a tree (each after its parent) unless a column header asks for another order."""

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        # Each agency right after its parent, siblings by name.
        return ["tree_path", "pk"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = (
        "tree_name",
        "code",
        "code_qd20",
        "level",
        "kind",
        "parent",
        "children_count",
        "is_active",
    )
    list_filter = ("level", "kind", "is_active", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "short_name", "code", "code_qd20")
    search_help_text = _("Tìm theo tên, tên viết tắt, mã QCVN 102:2016 hoặc mã QĐ 20/2020.")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent", "administrative_unit")
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("name", "short_name", "kind", "level", "parent", "administrative_unit")}),
        (_("Mã định danh"), {"fields": ("code", "code_qd20")}),
        (_("Liên hệ"), {"fields": ("address", "phone", "email")}),
        (_("Hoạt động"), {"fields": ("is_active", ("valid_from", "valid_to"))}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(depth=TREE_DEPTH, children_total=Count("children", distinct=True))
            .annotate(tree_path=TREE_PATH)
        )

    def get_changelist(self, request, **kwargs):
        return AgencyChangeList

    @admin.display(description=_("tên cơ quan"), ordering="name")
    def tree_name(self, obj: Agency) -> str:
        return f"{'— ' * obj.depth}{obj.name}"

    @admin.display(description=_("số đơn vị trực thuộc"), ordering="children_total")
    def children_count(self, obj: Agency) -> int:
        return obj.children_total


class OneStopUnitAdminForm(forms.ModelForm):
    class Meta:
        model = OneStopUnit
        fields = (
            "agency",
            "morning_start",
            "morning_end",
            "afternoon_start",
            "afternoon_end",
            "paper_cutoff",
            "saturday_morning_open",
            "served_agencies",
        )

    def clean(self):
        cleaned = super().clean()
        cutoff, start, end = (
            cleaned.get("paper_cutoff"),
            cleaned.get("morning_start"),
            cleaned.get("afternoon_end"),
        )
        if cutoff and start and end and not (start <= cutoff <= end):
            self.add_error("paper_cutoff", gettext("Giờ chuyển hồ sơ giấy phải nằm trong giờ làm việc."))
        return cleaned


@admin.register(OneStopUnit)
class OneStopUnitAdmin(admin.ModelAdmin):
    form = OneStopUnitAdminForm
    list_display = ("agency", "agency_code", "morning", "afternoon", "paper_cutoff", "saturday_morning_open")
    list_filter = ("agency__level", "agency__kind", "saturday_morning_open")
    search_fields = ("agency__name", "agency__code", "agency__code_qd20")
    list_select_related = ("agency",)
    autocomplete_fields = ("agency",)
    filter_horizontal = ("served_agencies",)
    fieldsets = (
        (None, {"fields": ("agency",)}),
        (
            _("Giờ làm việc"),
            {
                "fields": (
                    ("morning_start", "morning_end"),
                    ("afternoon_start", "afternoon_end"),
                    "paper_cutoff",
                    "saturday_morning_open",
                )
            },
        ),
        (_("Tiếp nhận hồ sơ của các cơ quan"), {"fields": ("served_agencies",)}),
    )

    @admin.display(description=_("mã định danh"), ordering="agency__code")
    def agency_code(self, obj: OneStopUnit) -> str:
        return obj.agency.code

    @admin.display(description=_("buổi sáng"))
    def morning(self, obj: OneStopUnit) -> str:
        return f"{obj.morning_start:%H:%M}–{obj.morning_end:%H:%M}"

    @admin.display(description=_("buổi chiều"))
    def afternoon(self, obj: OneStopUnit) -> str:
        return f"{obj.afternoon_start:%H:%M}–{obj.afternoon_end:%H:%M}"


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "title", "is_active")
    list_filter = ("role", "is_active", "agency__level", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__full_name", "user__email", "agency__name", "agency__code")
    list_select_related = ("user", "agency")
    autocomplete_fields = ("user", "agency")
