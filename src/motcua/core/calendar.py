"""The working-day calendar: office hours, the paper cut-off, public holidays and swapped working days.

This module knows nothing about dossiers or procedures. It answers three questions for a schedule:

* when does counting start for something received at a moment (``effective_start``),
* when is something due after N working days, N working hours or N calendar days (``due`` and ``add_*``),
* how much working time lies between two moments (``working_time_between``).

Days off come from the ``holidays`` package (Vietnam, Vietnamese names) and the ``CalendarOverride`` table,
merged per year and cached per process (see ``calendar_year``). The conventions are documented in
docs/calendar.md.

Internally a moment is a pair (day ordinal, microseconds since local midnight) in Asia/Ho_Chi_Minh, which has
had no daylight-saving time since 1975, so local wall-clock arithmetic is exact.
"""

from __future__ import annotations

import logging
import re
import threading
import time as _time
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import ValidationFailed

logger = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS_PER_WORKING_DAY = 8
# Years the calendar accepts. The holidays package's lunar tables cover them; outside is a data error.
MIN_YEAR, MAX_YEAR = 2000, 2099
# Largest amounts accepted per unit: well above any statutory time limit, low enough to catch typos.
MAX_AMOUNT = {"working_days": 1000, "working_hours": 8000, "calendar_days": 1500}

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
_US_PER_DAY = 24 * _US_PER_HOUR
# Day kinds inside a year plan.
_OFF, _MORNING, _FULL = 0, 1, 2


class TimeUnit(models.TextChoices):
    """Units of a time limit (same codes as ``catalog.TimeUnit``)."""

    WORKING_DAYS = "working_days", gettext_lazy("ngày làm việc")
    WORKING_HOURS = "working_hours", gettext_lazy("giờ làm việc")
    CALENDAR_DAYS = "calendar_days", gettext_lazy("ngày")


class DaySource(models.TextChoices):
    GENERATED = "generated", gettext_lazy("tự sinh")
    OVERRIDE = "override", gettext_lazy("điều chỉnh")


WEEKDAY_NAMES = (
    gettext_lazy("Thứ Hai"),
    gettext_lazy("Thứ Ba"),
    gettext_lazy("Thứ Tư"),
    gettext_lazy("Thứ Năm"),
    gettext_lazy("Thứ Sáu"),
    gettext_lazy("Thứ Bảy"),
    gettext_lazy("Chủ nhật"),
)


def weekday_name(day: date) -> str:
    return str(WEEKDAY_NAMES[day.weekday()])


# --- Schedule ---------------------------------------------------------------------------------------------


def _us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _US_PER_SECOND + value.microsecond


@dataclass(frozen=True, slots=True)
class WorkingSchedule:
    """Office hours of a one-stop unit. Immutable and hashable: calendars are cached per schedule."""

    morning_start: time = time(7, 0)
    morning_end: time = time(11, 30)
    afternoon_start: time = time(13, 30)
    afternoon_end: time = time(17, 0)
    paper_cutoff: time = time(15, 0)
    saturday_morning: bool = False

    def __post_init__(self) -> None:
        times = (self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end)
        if any(t.tzinfo is not None for t in (*times, self.paper_cutoff)):
            raise ValidationFailed(_("Giờ làm việc phải là giờ địa phương, không kèm múi giờ."))
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValidationFailed(
                _("Giờ làm việc không hợp lệ: sáng phải kết thúc trước khi chiều bắt đầu."),
                code="invalid_schedule",
            )

    @property
    def hours_per_day(self) -> Decimal:
        """Working hours of a full day (8 with the default hours)."""
        total = (
            _us(self.morning_end)
            - _us(self.morning_start)
            + _us(self.afternoon_end)
            - _us(self.afternoon_start)
        )
        return Decimal(total) / _US_PER_HOUR


DEFAULT_SCHEDULE = WorkingSchedule()


# --- Year data: holidays package + overrides ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarDay:
    date: date
    name: str
    source: str  # DaySource value

    @property
    def weekday(self) -> str:
        return weekday_name(self.date)


@dataclass(frozen=True)
class CalendarYear:
    """The resolved exceptions of one year.

    ``days_off``: named non-working days (public holidays, substitute days, extra days off);
    ``working_days``: weekend days that are working days (làm bù);
    ``cancelled``: generated entries that an override removed (the date follows the ordinary week).
    Dates not listed follow the ordinary week: Monday to Friday are working days.
    """

    year: int
    days_off: Mapping[date, CalendarDay] = field(default_factory=dict)
    working_days: Mapping[date, CalendarDay] = field(default_factory=dict)
    cancelled: Mapping[date, CalendarDay] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OverrideEntry:
    """One row of the override table, as the year builder needs it (kinds as in ``CalendarOverride.Kind``)."""

    date: date
    kind: str  # "holiday" | "working_override" | "cancel_generated"
    name: str = ""


def generated_days(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """Days off and swapped working days of ``year`` according to the ``holidays`` package (names in Vietnamese)."""
    _check_year(year)
    generated = holidays.country_holidays("VN", years=year, language="vi")
    days_off = {day: name for day, name in generated.items() if day.year == year}
    working = {}
    # ``weekend_workdays`` holds the weekend days worked in exchange for a day off ("thay cho ngày dd/mm/yyyy").
    for day in getattr(generated, "weekend_workdays", ()):
        if day.year != year:
            continue
        stamp = day.strftime("%d/%m/%Y")
        swapped = next((d for d, name in sorted(days_off.items()) if stamp in name), None)
        working[day] = (
            _("Làm việc bù cho ngày nghỉ %(date)s") % {"date": swapped.strftime("%d/%m/%Y")}
            if swapped
            else _("Ngày làm việc bù")
        )
    return days_off, working


def build_calendar_year(year: int, overrides: Iterable[OverrideEntry] = ()) -> CalendarYear:
    """Merge the generated days of ``year`` with override rows (an override always wins for its date)."""
    generated_off, generated_working = generated_days(year)
    days_off = {d: CalendarDay(d, name, DaySource.GENERATED) for d, name in generated_off.items()}
    working = {d: CalendarDay(d, name, DaySource.GENERATED) for d, name in generated_working.items()}
    cancelled: dict[date, CalendarDay] = {}
    for entry in overrides:
        day = entry.date
        if day.year != year:
            continue
        if entry.kind == "cancel_generated":
            for table in (days_off, working):
                removed = table.pop(day, None)
                if removed is not None and removed.source == DaySource.GENERATED:
                    cancelled[day] = removed
            continue
        days_off.pop(day, None)
        working.pop(day, None)
        if entry.kind == "holiday":
            days_off[day] = CalendarDay(day, entry.name or _("Ngày nghỉ"), DaySource.OVERRIDE)
        elif entry.kind == "working_override" and day.weekday() >= 5:
            working[day] = CalendarDay(day, entry.name or _("Ngày làm việc bù"), DaySource.OVERRIDE)
        # A working override on a weekday only removes a day off: the ordinary week makes it a working day.
    return CalendarYear(
        year=year,
        days_off=MappingProxyType(dict(sorted(days_off.items()))),
        working_days=MappingProxyType(dict(sorted(working.items()))),
        cancelled=MappingProxyType(dict(sorted(cancelled.items()))),
    )


def _load_overrides(year: int) -> list[OverrideEntry]:
    from motcua.core.models import CalendarOverride

    rows = CalendarOverride.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
    return [OverrideEntry(d, kind, name) for d, kind, name in rows.values_list("date", "kind", "name")]


class _CacheState:
    """Per-process cache of resolved years, and the shared version token other processes publish."""

    # How often a process looks at the shared cache for changes made by another process (seconds).
    shared_check_seconds = 10.0
    shared_key = "motcua:calendar:version"

    def __init__(self) -> None:
        self.years: dict[int, CalendarYear] = {}
        self.generation = 0
        self.lock = threading.Lock()
        self.shared_seen: object = None
        self.shared_checked_at = _time.monotonic()

    def reset(self) -> None:
        with self.lock:
            self.years = {}
            self.generation += 1

    def check_shared(self) -> None:
        now = _time.monotonic()
        if now - self.shared_checked_at < self.shared_check_seconds:
            return
        self.shared_checked_at = now
        try:
            from django.core.cache import cache

            token = cache.get(self.shared_key)
        except Exception:  # a cache outage must not stop deadline computation
            logger.warning("calendar: cannot read the shared version token", exc_info=True)
            return
        if token != self.shared_seen:
            self.shared_seen = token
            self.reset()


_state = _CacheState()


def calendar_year(year: int) -> CalendarYear:
    """The resolved calendar of ``year`` (holidays package + override table), cached per process."""
    _state.check_shared()
    cached = _state.years.get(year)
    if cached is not None:
        return cached
    generation = _state.generation
    # Day names are data shared by every request: build them in the site language, not the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        resolved = build_calendar_year(year, _load_overrides(year))
    with _state.lock:
        if generation == _state.generation:  # not reset while loading
            _state.years[year] = resolved
    return resolved


def reset_calendar_cache() -> None:
    """Forget every cached year in this process (tests call it between cases)."""
    _state.reset()


def notify_calendar_changed() -> None:
    """Called when an override changes: reset here now, and tell other processes once the change is committed."""
    reset_calendar_cache()

    def publish() -> None:
        reset_calendar_cache()
        try:
            from django.core.cache import cache

            token = uuid.uuid4().hex
            cache.set(_state.shared_key, token, timeout=None)
            _state.shared_seen = token
        except Exception:
            logger.warning("calendar: cannot publish the shared version token", exc_info=True)

    transaction.on_commit(publish)


# --- Moments and amounts -------------------------------------------------------------------------------------


def to_local(moment: datetime) -> datetime:
    """``moment`` in Asia/Ho_Chi_Minh; a naive datetime is taken as local time."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(LOCAL_TZ)


def _split(moment: datetime) -> tuple[int, int]:
    local = moment if moment.tzinfo is None or moment.tzinfo is LOCAL_TZ else to_local(moment)
    if not MIN_YEAR <= local.year <= MAX_YEAR:
        _check_year(local.year)
    return local.toordinal(), (
        ((local.hour * 60 + local.minute) * 60 + local.second) * _US_PER_SECOND + local.microsecond
    )


def _join(ordinal: int, us: int) -> datetime:
    seconds, micro = divmod(us, _US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return datetime.combine(date.fromordinal(ordinal), time(hour, minute, second, micro), LOCAL_TZ)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            _("Lịch làm việc chỉ tính được trong các năm %(min)s–%(max)s (nhận được năm %(year)s).")
            % {"min": MIN_YEAR, "max": MAX_YEAR, "year": year},
            code="year_out_of_range",
        )


_MOMENT_VN = re.compile(
    r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


def parse_moment(text: str) -> datetime:
    """Read a moment typed by a person or a client: ISO 8601 ("2026-02-13 16:10", "2026-02-13T09:10:00Z")
    or Vietnamese order ("13/02/2026 16:10"). Without an offset the time is local."""
    value = (text or "").strip()
    moment = None
    if match := _MOMENT_VN.match(value):
        parts = match.groupdict()
        try:
            moment = datetime(
                int(parts["y"]),
                int(parts["m"]),
                int(parts["d"]),
                int(parts["H"] or 0),
                int(parts["M"] or 0),
                int(parts["S"] or 0),
            )
        except ValueError:
            moment = None
    elif value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None:
        raise ValidationFailed(
            _("Thời điểm “%(value)s” không hợp lệ. Hãy nhập dạng 2026-02-13 16:10 hoặc 13/02/2026 16:10.")
            % {"value": value},
            code="invalid_moment",
        )
    moment = to_local(moment)
    _check_year(moment.year)
    return moment


_UNITS = {unit.value: unit for unit in TimeUnit}


def parse_unit(value: str | TimeUnit) -> TimeUnit:
    unit = _UNITS.get(value) if isinstance(value, str) else None
    if unit is None:
        unit = _UNITS.get(str(value).strip())
    if unit is None:
        raise ValidationFailed(
            _("Đơn vị thời gian “%(value)s” không hợp lệ. Dùng một trong: %(choices)s.")
            % {"value": value, "choices": ", ".join(TimeUnit.values)},
            code="invalid_unit",
        )
    return unit


def parse_amount(value: Decimal | int | float | str, unit: str | TimeUnit) -> Decimal:
    """Check an amount of ``unit``: a finite, non-negative number below ``MAX_AMOUNT``; calendar days whole."""
    unit = parse_unit(unit)
    amount: Decimal | None
    if isinstance(value, bool):
        amount = None
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(str(value))
    else:
        try:
            amount = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed(
            _("Số lượng thời gian “%(value)s” không phải là một số.") % {"value": value},
            code="invalid_amount",
        )
    if amount < 0:
        raise ValidationFailed(_("Số lượng thời gian không được âm."), code="invalid_amount")
    limit = MAX_AMOUNT[unit.value]
    if amount > limit:
        raise ValidationFailed(
            _("Số lượng thời gian quá lớn: tối đa %(limit)s %(unit)s.")
            % {"limit": limit, "unit": unit.label},
            code="invalid_amount",
        )
    if unit == TimeUnit.CALENDAR_DAYS and amount != amount.to_integral_value():
        raise ValidationFailed(_("Số ngày theo lịch phải là số nguyên."), code="invalid_amount")
    return amount


def _hours_to_us(hours: Decimal) -> int:
    return int((hours * _US_PER_HOUR).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Due:
    """The result of a due computation; every moment is aware, in Asia/Ho_Chi_Minh."""

    start: datetime
    effective_start: datetime
    amount: Decimal
    unit: TimeUnit
    due: datetime


# --- The calendar ---------------------------------------------------------------------------------------------


class _YearPlan:
    """A year laid out for one schedule: day kinds, cumulative working time and the list of working days."""

    __slots__ = ("year", "first", "end", "kinds", "cum", "working_days", "named_days_off")

    def __init__(
        self, year: int, kinds: bytes, cum: list[int], working_days: list[int], named_days_off: frozenset[int]
    ):
        self.year = year
        self.first = date(year, 1, 1).toordinal()
        self.end = self.first + len(kinds)
        self.kinds = kinds
        self.cum = cum  # cum[i] = working microseconds of the year before day i; cum[-1] = the year's total
        self.working_days = working_days  # ordinals of full working days, ascending
        self.named_days_off = named_days_off  # ordinals of holidays, substitute and extra days off


class WorkingCalendar:
    """Working-time arithmetic for one schedule over the resolved years.

    ``source(year)`` gives the year's exceptions; by default the cached loader ``calendar_year`` (holidays
    package + override table). Pass another source, e.g. ``StaticYears``, to compute without a database.
    Instances are cheap once warm: no database query after a year has been loaded.
    """

    def __init__(
        self,
        schedule: WorkingSchedule = DEFAULT_SCHEDULE,
        *,
        source: Callable[[int], CalendarYear] | None = None,
    ):
        self.schedule = schedule
        self._source = source or calendar_year
        self._follows_cache = source is None
        morning = (_us(schedule.morning_start), _us(schedule.morning_end))
        afternoon = (_us(schedule.afternoon_start), _us(schedule.afternoon_end))
        self._periods = ((), (morning,), (morning, afternoon))  # indexed by day kind
        self._day_us = tuple(sum(e - s for s, e in p) for p in self._periods)
        self._cutoff = _us(schedule.paper_cutoff)
        self._plans: dict[int, _YearPlan] = {}
        self._generation = _state.generation
        self._last: _YearPlan | None = None

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.schedule!r}>"

    # -- year plans --

    def _refresh(self) -> None:
        """Drop the year plans when the cached years were reset (an override changed)."""
        if self._follows_cache:
            _state.check_shared()
            if self._generation != _state.generation:
                self._plans, self._last, self._generation = {}, None, _state.generation

    def _plan(self, year: int) -> _YearPlan:
        plan = self._plans.get(year)
        if plan is None:
            _check_year(year)
            plan = self._plans[year] = self._build_plan(self._source(year))
        return plan

    def _build_plan(self, resolved: CalendarYear) -> _YearPlan:
        year = resolved.year
        first = date(year, 1, 1)
        days = (date(year + 1, 1, 1) - first).days
        off = {d.toordinal() for d in resolved.days_off}
        worked = {d.toordinal() for d in resolved.working_days}
        weekday0, ordinal0 = first.weekday(), first.toordinal()
        kinds = bytearray(days)
        cum = [0] * (days + 1)
        working_days = []
        for i in range(days):
            ordinal, weekday = ordinal0 + i, (weekday0 + i) % 7
            if ordinal in off:
                kind = _OFF
            elif weekday < 5 or ordinal in worked:
                kind = _FULL
                working_days.append(ordinal)
            elif weekday == 5 and self.schedule.saturday_morning:
                kind = _MORNING
            else:
                kind = _OFF
            kinds[i] = kind
            cum[i + 1] = cum[i] + self._day_us[kind]
        return _YearPlan(year, bytes(kinds), cum, working_days, frozenset(off))

    def _locate(self, ordinal: int) -> tuple[_YearPlan, int]:
        plan = self._last
        if plan is None or not plan.first <= ordinal < plan.end:
            plan = self._plan(date.fromordinal(ordinal).year)
            self._last = plan
        return plan, ordinal - plan.first

    def _kind(self, ordinal: int) -> int:
        plan, i = self._locate(ordinal)
        return plan.kinds[i]

    # -- primitive steps on (ordinal, microseconds) --

    def _next_open_day(self, ordinal: int) -> int:
        """The first day after ``ordinal`` with office hours (a Saturday morning counts when open)."""
        for candidate in range(ordinal + 1, ordinal + 800):
            if self._kind(candidate) != _OFF:
                return candidate
        raise ValidationFailed(
            _("Lịch không có ngày làm việc nào trong hai năm liền."), code="no_working_day"
        )

    def _snap(self, ordinal: int, us: int) -> tuple[int, int]:
        for start, end in self._periods[self._kind(ordinal)]:
            if us < start:
                return ordinal, start
            if us < end:
                return ordinal, us
        ordinal = self._next_open_day(ordinal)
        return ordinal, self._periods[self._kind(ordinal)][0][0]

    def _effective(self, ordinal: int, us: int, paper: bool) -> tuple[int, int]:
        if paper and us > self._cutoff:
            ordinal = self._next_open_day(ordinal)
            return ordinal, self._periods[self._kind(ordinal)][0][0]
        return self._snap(ordinal, us)

    def _nth_working_day_after(self, ordinal: int, n: int) -> int:
        plan, _i = self._locate(ordinal)
        index = bisect_right(plan.working_days, ordinal)
        while True:
            available = len(plan.working_days) - index
            if n <= available:
                return plan.working_days[index + n - 1]
            n -= available
            plan, index = self._plan(plan.year + 1), 0

    def _position(self, ordinal: int, us: int) -> tuple[_YearPlan, int]:
        """Working microseconds from the start of the year up to the moment."""
        plan, i = self._locate(ordinal)
        position = plan.cum[i]
        for start, end in self._periods[plan.kinds[i]]:
            if us > start:
                position += min(us, end) - start
        return plan, position

    def _add_us(self, ordinal: int, us: int, amount: int) -> tuple[int, int]:
        """Add working microseconds to a moment inside office hours; may end exactly at a closing time."""
        if amount <= 0:
            return ordinal, us
        plan, target = self._position(ordinal, us)
        target += amount
        while target > plan.cum[-1]:
            target -= plan.cum[-1]
            plan = self._plan(plan.year + 1)
        i = bisect_left(plan.cum, target) - 1
        remaining = target - plan.cum[i]
        for start, end in self._periods[plan.kinds[i]]:
            if remaining <= end - start:
                return plan.first + i, start + remaining
            remaining -= end - start
        raise AssertionError("cumulative working time out of step with the day's periods")

    def _add_days(self, ordinal: int, us: int, days: Decimal) -> tuple[int, int]:
        whole = int(days)
        if whole:
            ordinal = self._nth_working_day_after(ordinal, whole)
        fraction = days - whole
        if fraction:
            ordinal, us = self._add_us(ordinal, us, _hours_to_us(fraction * HOURS_PER_WORKING_DAY))
        return ordinal, us

    def _add_calendar_days(self, ordinal: int, us: int, days: int, count_holidays: bool) -> tuple[int, int]:
        if count_holidays:
            ordinal += days
        else:
            while days:
                ordinal += 1
                plan, _i = self._locate(ordinal)
                if ordinal not in plan.named_days_off:
                    days -= 1
        if self._kind(ordinal) != _FULL:
            ordinal = self._nth_working_day_after(ordinal, 1)
        return ordinal, us

    # -- public API --

    def effective_start(self, moment: datetime, *, paper: bool = False) -> datetime:
        """When counting starts for something received at ``moment``.

        Inside office hours: the moment itself. Before opening: the opening; during lunch: the afternoon
        start; after closing or on a day off: the next working day at opening. ``paper=True`` applies the
        cut-off: a paper dossier received after ``schedule.paper_cutoff`` counts from the next working day.
        """
        self._refresh()
        return _join(*self._effective(*_split(moment), paper))

    def add_working_days(self, moment: datetime, days: Decimal | int | float | str) -> datetime:
        """Whole working days keep the time of day; a fraction is added as hours (1 day = 8 hours)."""
        self._refresh()
        amount = parse_amount(days, TimeUnit.WORKING_DAYS)
        return _join(*self._add_days(*self._snap(*_split(moment)), amount))

    def add_working_hours(self, moment: datetime, hours: Decimal | int | float | str) -> datetime:
        """Working hours skip lunch, closing time and days off; the result may be exactly a closing time."""
        self._refresh()
        amount = parse_amount(hours, TimeUnit.WORKING_HOURS)
        return _join(*self._add_us(*self._snap(*_split(moment)), _hours_to_us(amount)))

    def add_calendar_days(
        self, moment: datetime, days: Decimal | int | str, *, count_holidays: bool = True
    ) -> datetime:
        """Count calendar days, then move forward to the next working day if the result is not one.

        ``count_holidays=False`` leaves named days off (holidays, substitute and extra days off) out of the count.
        """
        self._refresh()
        amount = int(parse_amount(days, TimeUnit.CALENDAR_DAYS))
        ordinal, us = self._snap(*_split(moment))
        return _join(*self._add_calendar_days(ordinal, us, amount, count_holidays))

    def due(
        self,
        start: datetime,
        amount: Decimal | int | float | str,
        unit: TimeUnit | str,
        *,
        paper: bool = False,
        count_holidays: bool = True,
    ) -> Due:
        """The due moment of ``amount`` ``unit`` counted from ``start`` (cut-off applied when ``paper``)."""
        self._refresh()
        unit = parse_unit(unit)
        value = parse_amount(amount, unit)
        ordinal, us = self._effective(*_split(start), paper)
        if unit == TimeUnit.WORKING_DAYS:
            due = self._add_days(ordinal, us, value)
        elif unit == TimeUnit.WORKING_HOURS:
            due = self._add_us(ordinal, us, _hours_to_us(value))
        else:
            due = self._add_calendar_days(ordinal, us, int(value), count_holidays)
        return Due(
            start=to_local(start),
            effective_start=_join(ordinal, us),
            amount=value,
            unit=unit,
            due=_join(*due),
        )

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time between two moments (negative when ``end`` is before ``start``)."""
        self._refresh()
        first, last = _split(start), _split(end)
        if last < first:
            return -self.working_time_between(end, start)
        first_plan, first_position = self._position(*first)
        last_plan, last_position = self._position(*last)
        total = last_position - first_position
        for year in range(first_plan.year, last_plan.year):
            total += self._plan(year).cum[-1]
        return timedelta(microseconds=total)

    def working_hours_between(self, start: datetime, end: datetime, *, places: int = 2) -> Decimal:
        """``working_time_between`` in hours, rounded half-up to ``places`` decimals."""
        delta = self.working_time_between(start, end)
        micro = (delta.days * 86400 + delta.seconds) * _US_PER_SECOND + delta.microseconds
        return (Decimal(micro) / _US_PER_HOUR).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def is_working_day(self, day: date) -> bool:
        """A day counted toward time limits: Monday to Friday or a swapped working day, and not a day off.
        A Saturday-morning opening does not make Saturday a working day."""
        self._refresh()
        return self._kind(day.toordinal()) == _FULL

    def is_office_hours(self, moment: datetime) -> bool:
        """Whether the unit is open at ``moment`` (Saturday-morning opening included)."""
        self._refresh()
        ordinal, us = _split(moment)
        return any(start <= us < end for start, end in self._periods[self._kind(ordinal)])

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        self._refresh()
        return date.fromordinal(self._nth_working_day_after(day.toordinal(), 1))

    def year(self, year: int) -> CalendarYear:
        """The resolved days off and swapped working days of ``year`` (for listings)."""
        _check_year(year)
        return self._source(year)


class StaticYears:
    """A year source from fixed dates, for computations without the database (tests, benchmarks)."""

    def __init__(self, days_off: Mapping[date, str] | Iterable[date] = (), working_days: Iterable[date] = ()):
        names = days_off if isinstance(days_off, Mapping) else dict.fromkeys(days_off, "")
        self._days_off = {d: CalendarDay(d, n, DaySource.OVERRIDE) for d, n in names.items()}
        self._working = {d: CalendarDay(d, "", DaySource.OVERRIDE) for d in working_days}

    def __call__(self, year: int) -> CalendarYear:
        return CalendarYear(
            year=year,
            days_off={d: v for d, v in self._days_off.items() if d.year == year},
            working_days={d: v for d, v in self._working.items() if d.year == year},
        )


_calendars: dict[WorkingSchedule, WorkingCalendar] = {}


def get_calendar(schedule: WorkingSchedule | None = None) -> WorkingCalendar:
    """The shared calendar of ``schedule`` (default office hours when None). Cached per schedule."""
    schedule = schedule or DEFAULT_SCHEDULE
    calendar = _calendars.get(schedule)
    if calendar is None:
        calendar = _calendars.setdefault(schedule, WorkingCalendar(schedule))
    return calendar
