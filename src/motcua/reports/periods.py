"""Report periods: a year ``2020``, a quarter ``2020-Q2``, a month ``2020-05`` or a date range
``2020-05-01..2020-06-15`` (both days included).

A period is the half-open range of local days [start, end): ``end`` is the day after the last day, so a
period's pending dossiers are those pending at 00:00 of ``end`` and its carried-over dossiers those pending
at 00:00 of ``start``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed

MIN_YEAR = 2000
MAX_YEAR = 2100
# A date range longer than this is refused (reports are by month, quarter or year; ten years is plenty).
MAX_RANGE_DAYS = 3700

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    code: str  # as written canonically: 2020, 2020-Q2, 2020-05, 2020-05-01..2020-06-15
    kind: str  # year, quarter, month, range
    start: date  # first day
    end: date  # the day after the last day

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("Năm %(year)s") % {"year": self.start.year}
        if self.kind == "quarter":
            return _("Quý %(quarter)s năm %(year)s") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        if self.kind == "month":
            return _("Tháng %(month)02d/%(year)s") % {"month": self.start.month, "year": self.start.year}
        return _("Từ ngày %(start)s đến ngày %(end)s") % {
            "start": self.start.strftime("%d/%m/%Y"),
            "end": self.last_day.strftime("%d/%m/%Y"),
        }

    def months(self) -> list[Period]:
        """The calendar months this period touches, each cut to the period (for a report by month)."""
        parts = []
        cursor = self.start
        while cursor < self.end:
            following = next_month(month_start(cursor))
            part_end = min(following, self.end)
            if cursor == month_start(cursor) and part_end == following:
                parts.append(month_period(cursor.year, cursor.month))
            else:
                parts.append(range_period(cursor, part_end - timedelta(days=1)))
            cursor = part_end
        return parts


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s month."""
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(f"{year}-{month:02d}", "month", start, next_month(start))


def range_period(first: date, last: date) -> Period:
    return Period(f"{first.isoformat()}..{last.isoformat()}", "range", first, last + timedelta(days=1))


def _invalid(value: str) -> ValidationFailed:
    return ValidationFailed(
        _(
            "Kỳ báo cáo “%(value)s” không hợp lệ. Hãy ghi năm (2020), quý (2020-Q2), tháng (2020-05) hoặc "
            "khoảng ngày (2020-05-01..2020-06-15)."
        )
        % {"value": value},
        code="invalid_period",
    )


def _check_year(year: int, value: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            _("Năm của kỳ báo cáo “%(value)s” phải từ %(min)s đến %(max)s.")
            % {"value": value, "min": MIN_YEAR, "max": MAX_YEAR},
            code="invalid_period",
        )


def _day(text: str, value: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise ValidationFailed(
            _("Ngày “%(day)s” trong kỳ báo cáo “%(value)s” không tồn tại.") % {"day": text, "value": value},
            code="invalid_period",
        ) from error
    _check_year(day.year, value)
    return day


def parse_period(value: str) -> Period:
    """The period written as ``value``; ValidationFailed with a Vietnamese message when it is malformed."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(_("Vui lòng chọn kỳ báo cáo, ví dụ 2020-Q2."), code="invalid_period")
    if match := _YEAR.match(text):
        year = int(match[1])
        _check_year(year, text)
        return Period(str(year), "year", date(year, 1, 1), date(year + 1, 1, 1))
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        _check_year(year, text)
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return Period(f"{year}-Q{quarter}", "quarter", start, end)
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        _check_year(year, text)
        if not 1 <= month <= 12:
            raise ValidationFailed(
                _("Tháng của kỳ báo cáo “%(value)s” phải từ 1 đến 12.") % {"value": text},
                code="invalid_period",
            )
        return month_period(year, month)
    if match := _RANGE.match(text):
        first, last = _day(match[1], text), _day(match[2], text)
        if last < first:
            raise ValidationFailed(
                _("Kỳ báo cáo “%(value)s”: ngày kết thúc phải sau hoặc trùng ngày bắt đầu.")
                % {"value": text},
                code="invalid_period",
            )
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ValidationFailed(
                _("Kỳ báo cáo “%(value)s” dài quá %(days)s ngày.") % {"value": text, "days": MAX_RANGE_DAYS},
                code="invalid_period",
            )
        return range_period(first, last)
    raise _invalid(text)


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(f"{year}-Q{quarter}", "quarter", start, end)


def year_period(year: int) -> Period:
    return Period(str(year), "year", date(year, 1, 1), date(year + 1, 1, 1))


def previous_period(period: Period) -> Period:
    """The period of the same kind just before ``period`` (a range: as many days, ending the day before)."""
    if period.kind == "year":
        return year_period(period.start.year - 1)
    if period.kind == "quarter":
        quarter = (period.start.month - 1) // 3 + 1
        return (
            quarter_period(period.start.year - 1, 4)
            if quarter == 1
            else quarter_period(period.start.year, quarter - 1)
        )
    if period.kind == "month":
        before = period.start - timedelta(days=1)
        return month_period(before.year, before.month)
    length = period.end - period.start
    return range_period(period.start - length, period.start - timedelta(days=1))


def current_period(kind: str, today: date) -> Period:
    """The month, quarter or year that contains ``today``."""
    if kind == "year":
        return year_period(today.year)
    if kind == "quarter":
        return quarter_period(today.year, (today.month - 1) // 3 + 1)
    return month_period(today.year, today.month)
