"""Template filters for Vietnamese display: money in VND with grouped thousands."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()


def format_vnd(amount) -> str:
    try:
        value = int(Decimal(str(amount)))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    sep = "," if (get_language() or "vi").startswith("en") else "."
    grouped = f"{abs(value):,}".replace(",", sep)
    return f"{'-' if value < 0 else ''}{grouped} đ"


@register.filter
def vnd(amount) -> str:
    """12000 -> "12.000 đ" (Vietnamese) or "12,000 đ" (English)."""
    return format_vnd(amount)
