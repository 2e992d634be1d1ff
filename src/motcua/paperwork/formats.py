"""How the forms write dates, times, durations and money.

Dates in running text follow ND 30/2020/NĐ-CP (Phụ lục I): "ngày 05 tháng 02 năm 2026", "ngày 15 tháng 3
năm 2026": a leading zero for days below 10 and for January and February only. Times: "09 giờ 05 phút".
Tables use the short form dd/mm/yyyy. Every moment is shown in the local time zone (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motcua.core.templatetags.motcua import format_vnd

# Official documents are written in Vietnamese whatever language the person printing them reads.
OFFICIAL_LANGUAGE = "vi"


def _moment(value) -> datetime | date | None:
    """A datetime (made local), a date, or None; ISO strings (from a stored context) are parsed."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return date.fromisoformat(value)
        value = parsed
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def long_date(value) -> str:
    """ "ngày 02 tháng 3 năm 2026" (ND 30/2020); "" for no date."""
    moment = _moment(value)
    if moment is None:
        return ""
    # Vietnamese pads only January and February (ND 30/2020); other languages print dd/mm/yyyy.
    vietnamese = (get_language() or "vi").startswith("vi")
    month = f"{moment.month:02d}" if moment.month < 3 or not vietnamese else str(moment.month)
    return _("ngày %(day)s tháng %(month)s năm %(year)s") % {
        "day": f"{moment.day:02d}",
        "month": month,
        "year": moment.year,
    }


def clock_time(value) -> str:
    """ "09 giờ 05 phút"."""
    moment = _moment(value)
    if moment is None or not isinstance(moment, datetime):
        return ""
    return _("%(hour)s giờ %(minute)s phút") % {
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
    }


def long_moment(value) -> str:
    """ "09 giờ 05 phút, ngày 02 tháng 3 năm 2026"."""
    moment = _moment(value)
    if moment is None:
        return ""
    return _("%(time)s, %(date)s") % {"time": clock_time(moment), "date": long_date(moment)}


def short_date(value) -> str:
    """ "02/03/2026"."""
    moment = _moment(value)
    return "" if moment is None else f"{moment:%d/%m/%Y}"


def short_moment(value) -> str:
    """ "09 giờ 05 phút, 02/03/2026" (for table cells)."""
    moment = _moment(value)
    if moment is None:
        return ""
    return _("%(time)s, %(date)s") % {"time": clock_time(moment), "date": short_date(moment)}


def number(value) -> str:
    """5 -> "5", Decimal("0.50") -> "0,5" (Vietnamese decimal comma)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    text = f"{amount.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def two_digits(value) -> str:
    """1 -> "01" (counts on the forms: "01 bộ")."""
    try:
        return f"{int(value):02d}"
    except (TypeError, ValueError):
        return ""


def vnd(value) -> str:
    """12000 -> "12.000 đ"."""
    return format_vnd(value)
