"""Admin for the working-day calendar overrides (days off and swapped working days per year)."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.calendar import weekday_name
from motcua.core.models import CalendarOverride


class YearFilter(admin.SimpleListFilter):
    title = _("năm")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = {day.year for day in CalendarOverride.objects.dates("date", "year")}
        years.add(timezone.localdate().year)
        return [(str(year), str(year)) for year in sorted(years, reverse=True)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("day", "weekday", "kind", "name", "legal_basis")
    list_display_links = ("day",)
    list_filter = (YearFilter, "kind")
    search_fields = ("name", "legal_basis", "note")
    date_hierarchy = "date"
    ordering = ("-date",)
    fieldsets = (
        (None, {"fields": ("date", "kind", "name")}),
        (_("Căn cứ"), {"fields": ("legal_basis", "note")}),
    )

    @admin.display(description=_("ngày"), ordering="date")
    def day(self, obj: CalendarOverride) -> str:
        return f"{obj.date:%d/%m/%Y}"

    @admin.display(description=_("thứ"))
    def weekday(self, obj: CalendarOverride) -> str:
        return weekday_name(obj.date)
