"""Display helpers for the public catalog pages: processing times, levels, online service badges, paging."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from motcua.agencies.models import Level
from motcua.catalog.models import Channel, OnlineServiceLevel, TimeUnit

register = template.Library()


def _number(value: Decimal) -> str:
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value)


def format_duration(amount, unit: str) -> str:
    """Decimal("5.00"), "working_days" -> "5 ngày làm việc"; "0.5" stays "0,5" in Vietnamese."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    count = 1 if amount == 1 else 2
    number = _number(amount)
    if unit == TimeUnit.WORKING_HOURS:
        return ngettext("%(n)s giờ làm việc", "%(n)s giờ làm việc", count) % {"n": number}
    if unit == TimeUnit.CALENDAR_DAYS:
        return ngettext("%(n)s ngày", "%(n)s ngày", count) % {"n": number}
    return ngettext("%(n)s ngày làm việc", "%(n)s ngày làm việc", count) % {"n": number}


@register.simple_tag
def processing_time(case, online: bool = False) -> str:
    """A case's time limit with its unit; ``online=True`` uses the online time limit when one is set."""
    amount = case.online_processing_time if online else case.processing_time
    if case.no_appointment and not online:
        return _("Giải quyết ngay trong ngày, không hẹn ngày trả")
    if not amount:
        return "" if online else _("Chưa công bố")
    return format_duration(amount, case.time_unit)


@register.simple_tag
def processing_time_summary(cases) -> str:
    """One line for a result row: a single time, a range when cases differ, or nothing."""
    cases = [case for case in cases if case.processing_time]
    if not cases:
        return ""
    units = {case.time_unit for case in cases}
    amounts = sorted({Decimal(case.processing_time) for case in cases})
    if len(units) > 1 or len(amounts) == 1:
        return format_duration(cases[0].processing_time, cases[0].time_unit)
    unit = units.pop()
    return _("%(low)s đến %(high)s") % {
        "low": _number(amounts[0]),
        "high": format_duration(amounts[-1], unit),
    }


@register.filter
def level_names(version) -> str:
    labels = dict(Level.choices)
    return ", ".join(str(labels[level]) for level in version.levels)


@register.filter
def implementing_agency_names(version) -> str:
    roles = getattr(version, "implementing_roles", None)
    if roles is None:
        roles = [r for r in version.agency_roles.all() if r.role == "implementing"]
    return "; ".join(role.display_name for role in roles)


@register.inclusion_tag("portal/_online_badge.html")
def online_badge(level: int):
    return {"level": level, "label": ONLINE_BADGES.get(level, "")}


ONLINE_BADGES = {
    OnlineServiceLevel.FULL: "full",
    OnlineServiceLevel.PARTIAL: "partial",
    OnlineServiceLevel.FORMS: "forms",
    OnlineServiceLevel.INFORMATION: "info",
}


@register.simple_tag
def online_level_explanation(level: int) -> str:
    """What the online service level means for the citizen, in plain words."""
    if level == OnlineServiceLevel.FULL:
        return _(
            "Bạn có thể làm trọn thủ tục trên mạng: nộp hồ sơ, theo dõi, nộp phí và nhận kết quả trực "
            "tuyến hoặc qua bưu điện, không phải đến cơ quan."
        )
    if level == OnlineServiceLevel.PARTIAL:
        return _(
            "Bạn nộp hồ sơ và theo dõi trực tuyến, nhưng vẫn phải đến cơ quan ít nhất một lần (ví dụ để "
            "xuất trình bản chính, nộp phí hoặc nhận kết quả)."
        )
    if level == OnlineServiceLevel.FORMS:
        return _(
            "Bạn tải biểu mẫu tại đây, điền sẵn ở nhà, rồi nộp hồ sơ tại bộ phận một cửa hoặc qua bưu "
            "chính công ích."
        )
    return _("Trang này chỉ cung cấp thông tin; bạn nộp hồ sơ tại bộ phận một cửa.")


@register.filter
def channel_name(channel: str) -> str:
    """A fee's channel, or "every channel" when blank."""
    return str(dict(Channel.choices).get(channel, _("Mọi hình thức nộp")))


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current query string with ``page`` set to ``number`` (other filters kept)."""
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()


@register.filter
def file_size_mb(value: int) -> str:
    return _("%(n)s MB") % {"n": value}


@register.filter
def extensions(component) -> str:
    return ", ".join(ext.upper() for ext in component.accepted_extensions)
