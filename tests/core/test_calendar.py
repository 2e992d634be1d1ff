"""Working-time arithmetic of core.calendar, table-driven over the 2025–2027 holidays (deadlines.md §3.3).

Each case runs twice (see the ``calendar`` fixture): on the published table and through the real loader
(holidays package + override table), so the loader and the arithmetic are checked together.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from motcua.core.calendar import (
    DEFAULT_SCHEDULE,
    LOCAL_TZ,
    StaticYears,
    TimeUnit,
    WorkingCalendar,
    WorkingSchedule,
    get_calendar,
    parse_amount,
    parse_moment,
)
from motcua.core.errors import ValidationFailed

from .holiday_table import HOLIDAY_TABLE, SWAPPED_SATURDAYS


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


# --- working days: whole days keep the time of day ---------------------------------------------------------

WORKING_DAYS = [
    ("2026-02-13 16:10", 3, "2026-02-25 16:10", "Tết 2026: 16–20/02 off, then the weekend"),
    ("2026-02-13 09:00", 1, "2026-02-23 09:00", "the day before Tết 2026 to the first day back"),
    ("2027-02-03 09:00", 2, "2027-02-12 09:00", "Tết 2027: 04–10/02 off"),
    ("2027-02-03 09:00", 3, "2027-02-15 09:00", "Tết 2027 then a weekend"),
    ("2026-04-29 10:00", 1, "2026-05-04 10:00", "30/4 and 1/5 2026 on Thursday and Friday"),
    ("2026-04-24 10:00", 1, "2026-04-28 10:00", "Giỗ Tổ on Sunday 26/4/2026, substitute day Monday 27/4"),
    ("2027-04-29 08:00", 1, "2027-05-04 08:00", "1/5/2027 on Saturday, substitute day Monday 3/5"),
    ("2026-08-28 14:00", 1, "2026-09-03 14:00", "2/9 2026: 31/08 (swapped), 01/09 and 02/09 off"),
    ("2025-08-29 14:00", 1, "2025-09-03 14:00", "2/9 2025: 01/09 and 02/09 off"),
    ("2026-08-21 08:00", 1, "2026-08-22 08:00", "Saturday 22/08/2026 is a swapped working day"),
    ("2025-04-25 08:00", 1, "2025-04-26 08:00", "Saturday 26/04/2025 is a swapped working day"),
    ("2026-12-31 10:00", 1, "2027-01-04 10:00", "across the year end and 1/1"),
    ("2026-03-02 07:00", 1, "2026-03-03 07:00", "a start at opening stays at opening"),
    ("2026-03-02 05:30", 1, "2026-03-03 07:00", "before opening snaps to 07:00"),
    ("2026-03-02 12:15", 1, "2026-03-03 13:30", "lunch snaps to 13:30"),
    ("2026-03-02 11:30", 1, "2026-03-03 13:30", "11:30 is already lunch"),
    ("2026-03-02 17:30", 1, "2026-03-04 07:00", "after closing snaps to the next working day"),
    ("2026-03-02 17:00", 1, "2026-03-04 07:00", "17:00 is already closed"),
    ("2026-03-07 10:00", 1, "2026-03-10 07:00", "Saturday snaps to Monday opening"),
    ("2026-03-02 10:00", 0, "2026-03-02 10:00", "zero days: the effective start"),
    ("2026-03-07 10:00", 0, "2026-03-09 07:00", "zero days from a Saturday"),
    ("2026-03-02 10:00", "0.5", "2026-03-02 16:00", "half a day is 4 working hours, across lunch"),
    ("2026-03-02 16:10", "1.5", "2026-03-04 10:10", "1.5 days: one day, then 4 hours spilling overnight"),
    ("2026-02-13 16:10", "0.5", "2026-02-23 10:10", "half a day spilling over Tết"),
]


@pytest.mark.parametrize(("start", "days", "expected", "why"), WORKING_DAYS, ids=[c[3] for c in WORKING_DAYS])
def test_add_working_days(calendar, start, days, expected, why):
    assert calendar.add_working_days(at(start), days) == at(expected)
    assert calendar.due(at(start), days, TimeUnit.WORKING_DAYS).due == at(expected)


def test_the_example_of_the_issue(calendar):
    due = calendar.due(at("2026-02-13 16:10"), 3, "working_days")
    assert due.due.isoformat() == "2026-02-25T16:10:00+07:00"
    assert due.effective_start == due.start == at("2026-02-13 16:10")
    assert due.amount == Decimal(3)
    assert due.unit is TimeUnit.WORKING_DAYS


# --- working hours: spill across lunch and into the following working days ---------------------------------

WORKING_HOURS = [
    ("2026-03-02 10:00", 2, "2026-03-02 14:00", "spills across lunch"),
    ("2026-03-02 12:00", 1, "2026-03-02 14:30", "a start during lunch counts from 13:30"),
    ("2026-03-02 16:00", 2, "2026-03-03 08:00", "end-of-day spill into the next morning"),
    ("2026-03-02 07:00", 8, "2026-03-02 17:00", "a full day ends at closing, not next morning"),
    ("2026-03-02 07:00", "4.5", "2026-03-02 11:30", "the morning ends at 11:30, not 13:30"),
    ("2026-03-06 16:30", 8, "2026-03-09 16:30", "the 8-hour online window across a weekend"),
    ("2026-02-13 16:00", 8, "2026-02-23 16:00", "across Tết 2026"),
    ("2026-03-02 05:00", 1, "2026-03-02 08:00", "before opening"),
    ("2026-03-02 18:00", 1, "2026-03-03 08:00", "after closing"),
    ("2026-03-02 10:00", "0.25", "2026-03-02 10:15", "a quarter of an hour"),
    ("2026-03-02 10:00", 40, "2026-03-09 10:00", "40 hours are five working days"),
    ("2026-12-31 16:00", 2, "2027-01-04 08:00", "across the year end and 1/1"),
    ("2026-08-21 16:00", 2, "2026-08-22 08:00", "into a swapped working Saturday"),
    ("2026-04-29 16:30", 1, "2026-05-04 07:30", "over 30/4, 1/5 and a weekend"),
]


@pytest.mark.parametrize(
    ("start", "hours", "expected", "why"), WORKING_HOURS, ids=[c[3] for c in WORKING_HOURS]
)
def test_add_working_hours(calendar, start, hours, expected, why):
    assert calendar.add_working_hours(at(start), hours) == at(expected)
    assert calendar.due(at(start), hours, "working_hours").due == at(expected)


# --- calendar days: count every day, then move forward off a non-working day --------------------------------

CALENDAR_DAYS = [
    ("2026-04-20 09:00", 10, "2026-05-04 09:00", "lands on 30/4: moves past 1/5 and the weekend"),
    ("2026-03-02 09:00", 5, "2026-03-09 09:00", "lands on a Saturday"),
    ("2026-03-02 09:00", 7, "2026-03-09 09:00", "lands on a working Monday"),
    ("2027-01-27 10:00", 10, "2027-02-11 10:00", "lands on Tết 2027"),
    ("2026-08-17 09:00", 5, "2026-08-22 09:00", "lands on the swapped working Saturday: stays"),
    ("2026-03-02 19:00", 1, "2026-03-04 07:00", "counts from the snapped start"),
    ("2026-12-25 10:00", 7, "2027-01-04 10:00", "lands on 1/1/2027"),
]


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"), CALENDAR_DAYS, ids=[c[3] for c in CALENDAR_DAYS]
)
def test_add_calendar_days(calendar, start, days, expected, why):
    assert calendar.add_calendar_days(at(start), days) == at(expected)
    assert calendar.due(at(start), days, "calendar_days").due == at(expected)


def test_calendar_days_can_leave_holidays_out_of_the_count(calendar):
    # 29/4 counts, 30/4 and 1/5 do not, 2/5–5/5 count: the fifth day is Tuesday 5/5.
    assert calendar.add_calendar_days(at("2026-04-28 09:00"), 5, count_holidays=False) == at(
        "2026-05-05 09:00"
    )
    # Counting them, the fifth day is Sunday 3/5, moved to Monday.
    assert calendar.add_calendar_days(at("2026-04-28 09:00"), 5) == at("2026-05-04 09:00")
    due = calendar.due(at("2026-04-28 09:00"), 5, "calendar_days", count_holidays=False)
    assert due.due == at("2026-05-05 09:00")


# --- the 15:00 cut-off for paper dossiers -------------------------------------------------------------------

CUT_OFF = [
    ("2026-03-02 14:59", True, "2026-03-02 14:59", "paper before the cut-off: same day"),
    ("2026-03-02 15:00", True, "2026-03-02 15:00", "paper at 15:00 sharp: same day"),
    ("2026-03-02 15:01", True, "2026-03-03 07:00", "paper after the cut-off: next working day"),
    ("2026-03-02 16:10", False, "2026-03-02 16:10", "online after 15:00: no cut-off"),
    ("2026-03-06 15:30", True, "2026-03-09 07:00", "paper on Friday afternoon: Monday"),
    ("2026-02-13 15:30", True, "2026-02-23 07:00", "paper on the eve of Tết 2026"),
    ("2026-04-29 15:30", True, "2026-05-04 07:00", "paper on the eve of 30/4"),
    ("2026-03-02 12:00", True, "2026-03-02 13:30", "paper during lunch: the afternoon"),
    ("2026-03-02 06:00", True, "2026-03-02 07:00", "paper before opening"),
    ("2026-03-02 18:00", True, "2026-03-03 07:00", "paper after closing"),
]


@pytest.mark.parametrize(("start", "paper", "expected", "why"), CUT_OFF, ids=[c[3] for c in CUT_OFF])
def test_effective_start(calendar, start, paper, expected, why):
    assert calendar.effective_start(at(start), paper=paper) == at(expected)


def test_paper_cut_off_moves_the_due_moment(calendar):
    online = calendar.due(at("2026-02-13 16:10"), 3, "working_days")
    paper = calendar.due(at("2026-02-13 16:10"), 3, "working_days", paper=True)
    assert online.due == at("2026-02-25 16:10")
    assert paper.effective_start == at("2026-02-23 07:00")
    assert paper.due == at("2026-02-26 07:00")
    assert paper.start == at("2026-02-13 16:10")


# --- working time between two moments ----------------------------------------------------------------------

BETWEEN = [
    ("2026-03-06 16:00", "2026-03-09 08:00", "2", "across a weekend"),
    ("2026-03-02 10:00", "2026-03-02 14:00", "2", "across lunch"),
    ("2026-03-02 11:45", "2026-03-02 13:15", "0", "inside lunch"),
    ("2026-03-02 06:00", "2026-03-02 18:00", "8", "a whole day, from before opening to after closing"),
    ("2026-03-02 07:00", "2026-03-06 17:00", "40", "a working week"),
    ("2026-02-13 07:00", "2026-02-23 17:00", "16", "across Tết 2026"),
    ("2026-12-31 16:00", "2027-01-04 08:00", "2", "across the year end and 1/1"),
    ("2026-08-21 16:00", "2026-08-24 08:00", "10", "with a swapped working Saturday"),
    ("2026-03-07 08:00", "2026-03-08 12:00", "0", "a weekend"),
    ("2026-03-02 10:00", "2026-03-02 10:20", "0.33", "rounded to two places"),
    ("2026-03-02 10:00", "2026-03-02 10:00", "0", "the same moment"),
]


@pytest.mark.parametrize(("start", "end", "hours", "why"), BETWEEN, ids=[c[3] for c in BETWEEN])
def test_working_hours_between(calendar, start, end, hours, why):
    assert calendar.working_hours_between(at(start), at(end)) == Decimal(hours)
    assert calendar.working_hours_between(at(end), at(start)) == -Decimal(hours)


def test_working_time_between_is_exact(calendar):
    assert calendar.working_time_between(at("2026-03-02 10:00"), at("2026-03-02 10:20")) == timedelta(
        minutes=20
    )
    assert calendar.working_time_between(at("2026-03-06 16:00"), at("2026-03-09 08:00")) == timedelta(hours=2)
    assert calendar.working_time_between(at("2026-03-09 08:00"), at("2026-03-06 16:00")) == -timedelta(
        hours=2
    )
    assert calendar.working_hours_between(
        at("2026-03-02 10:00"), at("2026-03-02 10:20"), places=4
    ) == Decimal("0.3333")


@pytest.mark.parametrize(
    "start", ["2026-02-13 16:10", "2026-03-02 12:00", "2026-12-31 16:30", "2026-08-21 09:00"]
)
@pytest.mark.parametrize("hours", [1, "2.5", 8, 17, 100])
def test_adding_hours_then_measuring_gives_the_hours_back(calendar, start, hours):
    begin = calendar.effective_start(at(start))
    due = calendar.add_working_hours(at(start), hours)
    assert calendar.working_hours_between(begin, due) == Decimal(str(hours))


def test_working_days_are_eight_working_hours_of_office_time(calendar):
    begin = at("2026-02-13 16:10")
    due = calendar.add_working_days(begin, 3)
    assert calendar.working_hours_between(begin, due) == 24


# --- days ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 2), True),
        (date(2026, 3, 7), False),
        (date(2026, 3, 8), False),
        (date(2026, 2, 17), False),
        (date(2026, 8, 22), True),
        (date(2026, 8, 31), False),
        (date(2027, 5, 3), False),
    ],
)
def test_is_working_day(calendar, day, working):
    assert calendar.is_working_day(day) is working


def test_next_working_day(calendar):
    assert calendar.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert calendar.next_working_day(date(2026, 8, 21)) == date(2026, 8, 22)
    assert calendar.next_working_day(date(2026, 12, 31)) == date(2027, 1, 4)


def test_is_office_hours(calendar):
    assert calendar.is_office_hours(at("2026-03-02 07:00"))
    assert not calendar.is_office_hours(at("2026-03-02 11:30"))
    assert calendar.is_office_hours(at("2026-03-02 16:59"))
    assert not calendar.is_office_hours(at("2026-03-02 17:00"))
    assert not calendar.is_office_hours(at("2026-02-17 09:00"))


# --- Saturday-morning opening -------------------------------------------------------------------------------


@pytest.fixture
def saturday_calendar() -> WorkingCalendar:
    return WorkingCalendar(
        WorkingSchedule(saturday_morning=True), source=StaticYears(HOLIDAY_TABLE, SWAPPED_SATURDAYS)
    )


def test_saturday_morning_is_office_hours_but_not_a_working_day(saturday_calendar):
    assert saturday_calendar.is_office_hours(at("2026-03-07 09:00"))
    assert not saturday_calendar.is_office_hours(at("2026-03-07 14:00"))
    assert not saturday_calendar.is_working_day(date(2026, 3, 7))
    assert saturday_calendar.effective_start(at("2026-03-07 09:00")) == at("2026-03-07 09:00")
    assert saturday_calendar.effective_start(at("2026-03-07 12:00")) == at("2026-03-09 07:00")


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        ("2026-03-06 16:30", 1, "working_hours", "2026-03-07 07:30"),
        ("2026-03-07 10:00", 3, "working_hours", "2026-03-09 08:30"),
        ("2026-03-07 10:00", 1, "working_days", "2026-03-09 10:00"),
        ("2026-03-06 10:00", 1, "working_days", "2026-03-09 10:00"),
        ("2026-03-02 09:00", 5, "calendar_days", "2026-03-09 09:00"),
        ("2027-05-01 09:00", 1, "working_hours", "2027-05-04 08:00"),
    ],
)
def test_saturday_morning_arithmetic(saturday_calendar, start, amount, unit, expected):
    assert saturday_calendar.due(at(start), amount, unit).due == at(expected)


def test_saturday_morning_counts_in_working_time(saturday_calendar):
    assert saturday_calendar.working_hours_between(at("2026-03-06 16:00"), at("2026-03-09 08:00")) == Decimal(
        "6.5"
    )


def test_other_office_hours():
    schedule = WorkingSchedule(
        morning_start=time(7, 30),
        morning_end=time(11, 30),
        afternoon_start=time(13, 0),
        afternoon_end=time(17, 0),
    )
    calendar = WorkingCalendar(schedule, source=StaticYears())
    assert schedule.hours_per_day == 8
    assert calendar.effective_start(at("2026-03-02 07:10")) == at("2026-03-02 07:30")
    assert calendar.add_working_hours(at("2026-03-02 11:00"), 1) == at("2026-03-02 13:30")
    assert calendar.add_working_days(at("2026-03-02 07:10"), 1) == at("2026-03-03 07:30")


def test_a_schedule_rejects_overlapping_hours():
    with pytest.raises(ValidationFailed, match="Giờ làm việc không hợp lệ"):
        WorkingSchedule(morning_end=time(14, 0))


# --- time zones ---------------------------------------------------------------------------------------------


def test_aware_moments_in_any_zone_and_naive_moments_as_local(calendar):
    expected = at("2026-02-25 16:10")
    assert calendar.add_working_days(datetime(2026, 2, 13, 9, 10, tzinfo=UTC), 3) == expected
    assert (
        calendar.add_working_days(datetime(2026, 2, 13, 10, 10, tzinfo=ZoneInfo("Europe/Paris")), 3)
        == expected
    )
    assert calendar.add_working_days(datetime(2026, 2, 13, 16, 10), 3) == expected
    due = calendar.add_working_days(datetime(2026, 2, 13, 9, 10, tzinfo=UTC), 3)
    assert due.tzinfo == LOCAL_TZ
    assert due.isoformat() == "2026-02-25T16:10:00+07:00"


def test_a_utc_moment_past_local_midnight_belongs_to_the_next_local_day(calendar):
    # 17:30 UTC on Friday 06/03 is 00:30 on Saturday 07/03 in Việt Nam.
    moment = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    assert calendar.effective_start(moment) == at("2026-03-09 07:00")


# --- input checks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (-1, "working_days", "không được âm"),
        ("-0.5", "working_hours", "không được âm"),
        ("abc", "working_days", "không phải là một số"),
        ("NaN", "working_days", "không phải là một số"),
        ("Infinity", "working_hours", "không phải là một số"),
        (True, "working_days", "không phải là một số"),
        (1001, "working_days", "quá lớn"),
        (8001, "working_hours", "quá lớn"),
        (1501, "calendar_days", "quá lớn"),
        ("1.5", "calendar_days", "phải là số nguyên"),
        (3, "weeks", "Đơn vị thời gian “weeks” không hợp lệ"),
    ],
)
def test_bad_amounts_and_units_are_refused(amount, unit, message):
    calendar = WorkingCalendar(source=StaticYears())
    with pytest.raises(ValidationFailed, match=message) as caught:
        calendar.due(at("2026-03-02 10:00"), amount, unit)
    assert caught.value.status == 422


def test_amounts_accept_a_decimal_comma():
    assert parse_amount("0,5", "working_days") == Decimal("0.5")
    assert parse_amount(2.5, TimeUnit.WORKING_HOURS) == Decimal("2.5")


def test_years_outside_the_calendar_are_refused():
    calendar = WorkingCalendar(source=StaticYears())
    with pytest.raises(ValidationFailed, match="2000–2099"):
        calendar.due(at("2100-01-04 10:00"), 1, "working_days")
    with pytest.raises(ValidationFailed, match="2000–2099"):
        calendar.add_working_days(at("2099-12-31 10:00"), 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-13 16:10", "2026-02-13 16:10"),
        ("2026-02-13T16:10:00+07:00", "2026-02-13 16:10"),
        ("2026-02-13T09:10:00Z", "2026-02-13 16:10"),
        ("13/02/2026 16:10", "2026-02-13 16:10"),
        ("13/02/2026 16:10:30", "2026-02-13 16:10:30"),
        ("13/2/2026", "2026-02-13 00:00"),
        ("2026-02-13", "2026-02-13 00:00"),
        ("  2026-02-13 16:10 ", "2026-02-13 16:10"),
    ],
)
def test_parse_moment(text, expected):
    assert parse_moment(text) == at(expected)


@pytest.mark.parametrize(
    "text", ["", "abc", "30/02/2026", "2026-13-01", "2026-02-13 25:00", "1999-12-31 10:00"]
)
def test_parse_moment_refuses_bad_input(text):
    with pytest.raises(ValidationFailed) as caught:
        parse_moment(text)
    assert caught.value.status == 422


# --- performance guarantees ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_query_once_a_year_is_loaded(django_assert_num_queries):
    calendar = get_calendar()
    calendar.due(at("2026-02-13 16:10"), 3, "working_days")
    with django_assert_num_queries(0):
        for hour in range(7, 17):
            calendar.due(at(f"2026-02-13 {hour:02d}:10"), 3, "working_days", paper=True)
            calendar.due(at(f"2026-02-13 {hour:02d}:10"), 8, "working_hours")
            calendar.working_time_between(at("2026-01-05 07:00"), at(f"2026-02-13 {hour:02d}:10"))


def test_calendars_are_shared_per_schedule():
    assert get_calendar() is get_calendar(DEFAULT_SCHEDULE)
    assert get_calendar(WorkingSchedule(saturday_morning=True)) is get_calendar(
        WorkingSchedule(saturday_morning=True)
    )
    assert get_calendar(WorkingSchedule(saturday_morning=True)) is not get_calendar()
