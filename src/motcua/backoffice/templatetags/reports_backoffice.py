"""``{% may_monitor as show %}``: whether the signed-in officer may open the report screens (a monitoring role
or a superuser), from the memberships already loaded for the page (no query)."""

from __future__ import annotations

from django import template

from motcua.agencies.selectors import MONITORING_ROLES

register = template.Library()


@register.simple_tag(takes_context=True)
def may_monitor(context) -> bool:
    request = context.get("request")
    desk = getattr(request, "desk", None)
    if request is None or desk is None:
        return False
    return bool(request.user.is_superuser or any(m.role in MONITORING_ROLES for m in desk.memberships))
