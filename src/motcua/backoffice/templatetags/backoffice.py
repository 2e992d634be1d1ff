"""Display helpers of the back-office pages: working hours, deadlines, statuses, people, paging."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def working_hours(value) -> str:
    """Decimal("2.50") -> "2,5 giờ"; empty for None."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    amount = amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    return _("%(n)s giờ") % {"n": formats.number_format(amount)}


@register.filter
def person(user) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or user.get_full_name() or user.get_username()


@register.filter
def status_text(dossier) -> str:
    """ "Đang xử lý · Chờ lãnh đạo phê duyệt": the national status and, when set, the sub-state."""
    text = dossier.get_status_display()
    if dossier.substate:
        text += " · " + dossier.get_substate_display()
    return text


@register.simple_tag
def due_state(dossier, bound) -> str:
    """ "overdue", "due-soon" or "" for a dossier whose clock runs (``bound``: two working days from now)."""
    if dossier.is_overdue:
        return "overdue"
    from motcua.dossiers.workflow import CLOCK_RUNNING_STATUSES

    if (
        dossier.status in CLOCK_RUNNING_STATUSES
        and dossier.appointment_at
        and dossier.appointment_at <= bound
    ):
        return "due-soon"
    return ""


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current query string with ``page`` set to ``number`` (filters kept)."""
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def filters_query(context) -> str:
    """The current filters as a query string without the page, for links to other worklists."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return "?" + encoded if encoded else ""


@register.filter
def file_size(size) -> str:
    if size in (None, ""):
        return ""
    size = int(size)
    if size < 1024 * 1024:
        return _("%(n)s KB") % {"n": formats.number_format(max(round(size / 1024), 1))}
    return _("%(n)s MB") % {"n": formats.number_format(round(size / 1024 / 1024, 1), 1)}
