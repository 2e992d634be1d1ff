"""Template filters of the report screens: ``{{ rate.percent|percent }}`` → "66,7%", ``{{ count|figure }}`` →
"12.345", both in the current language's number format; a missing value shows "—"."""

from __future__ import annotations

from django import template
from django.utils import formats

register = template.Library()

MISSING = "—"


@register.filter
def percent(value) -> str:
    if value is None or value == "":
        return MISSING
    return f"{formats.number_format(value, 1)}%"


@register.filter
def figure(value) -> str:
    if value is None or value == "":
        return MISSING
    return formats.number_format(value, force_grouping=True)


@register.filter
def score(value, digits: int = 1) -> str:
    if value is None or value == "":
        return MISSING
    return formats.number_format(value, int(digits))


@register.filter
def met_state(value) -> str:
    """CSS modifier of a target's outcome: yes, no or none."""
    return "none" if value is None else ("yes" if value else "no")
