"""Admin for the report targets (chỉ tiêu): configurable per rate, level and effective dates.

The aggregates are derived data and have no admin page: ``motcua report rebuild-aggregates`` recomputes them.
"""

from __future__ import annotations

from django.contrib import admin

from .models import Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("rate", "level", "minimum", "effective_from", "effective_to", "confidence")
    list_filter = ("rate", "level", "confidence")
    search_fields = ("source", "note")
    ordering = ("rate", "level", "-effective_from")
    fields = ("rate", "level", "minimum", "effective_from", "effective_to", "source", "confidence", "note")
