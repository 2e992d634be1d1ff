"""The year loader: holidays package + override table, cache invalidation, model checks and the admin."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from motcua.agencies.models import Agency, Level, OneStopUnit
from motcua.core import calendar as calendar_module
from motcua.core.calendar import (
    LOCAL_TZ,
    DaySource,
    OverrideEntry,
    WorkingSchedule,
    build_calendar_year,
    calendar_year,
    generated_days,
    get_calendar,
)
from motcua.core.models import CalendarOverride

from .holiday_table import HOLIDAY_TABLE, SWAPPED_SATURDAYS

Kind = CalendarOverride.Kind


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


# --- generated days -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_generated_days_match_the_published_table(year):
    days_off, working = generated_days(year)
    assert days_off == {d: name for d, name in HOLIDAY_TABLE.items() if d.year == year}
    assert set(working) == {d for d in SWAPPED_SATURDAYS if d.year == year}


def test_generated_swapped_saturdays_name_their_day_off():
    _days_off, working = generated_days(2026)
    assert working == {date(2026, 8, 22): "Làm việc bù cho ngày nghỉ 31/08/2026"}


# --- merging overrides (no database) ------------------------------------------------------------------------


def test_an_extra_day_off_is_added():
    year = build_calendar_year(2027, [OverrideEntry(date(2027, 2, 11), "holiday", "Nghỉ Tết bổ sung")])
    extra = year.days_off[date(2027, 2, 11)]
    assert (extra.name, extra.source) == ("Nghỉ Tết bổ sung", DaySource.OVERRIDE)
    assert year.days_off[date(2027, 2, 10)].source == DaySource.GENERATED
    assert len(year.days_off) == 16


def test_a_swapped_saturday_is_added():
    year = build_calendar_year(2027, [OverrideEntry(date(2027, 5, 8), "working_override", "")])
    assert year.working_days[date(2027, 5, 8)].name == "Ngày làm việc bù"
    assert year.working_days[date(2027, 5, 8)].source == DaySource.OVERRIDE


def test_a_generated_holiday_is_cancelled():
    year = build_calendar_year(2026, [OverrideEntry(date(2026, 11, 24), "cancel_generated", "Chưa áp dụng")])
    assert date(2026, 11, 24) not in year.days_off
    assert year.cancelled[date(2026, 11, 24)].name == "Ngày Văn hóa Việt Nam"


def test_a_generated_swapped_saturday_is_cancelled_or_turned_into_a_day_off():
    cancelled = build_calendar_year(2026, [OverrideEntry(date(2026, 8, 22), "cancel_generated")])
    assert cancelled.working_days == {}
    assert date(2026, 8, 22) in cancelled.cancelled
    day_off = build_calendar_year(2026, [OverrideEntry(date(2026, 8, 22), "holiday", "Nghỉ")])
    assert day_off.working_days == {}
    assert day_off.days_off[date(2026, 8, 22)].source == DaySource.OVERRIDE


def test_a_working_override_on_a_weekday_removes_the_day_off():
    year = build_calendar_year(2026, [OverrideEntry(date(2026, 11, 24), "working_override")])
    assert date(2026, 11, 24) not in year.days_off
    assert date(2026, 11, 24) not in year.working_days


def test_overrides_of_other_years_are_ignored():
    year = build_calendar_year(2026, [OverrideEntry(date(2027, 2, 11), "holiday", "Nghỉ")])
    assert date(2027, 2, 11) not in year.days_off


# --- the override table changes results (cache invalidation) -------------------------------------------------


@pytest.mark.django_db
def test_a_swapped_saturday_row_changes_due_moments():
    calendar = get_calendar()
    start = at("2027-05-07 09:00")  # Friday
    assert calendar.add_working_days(start, 1) == at("2027-05-10 09:00")

    row = CalendarOverride.objects.create(date=date(2027, 5, 8), kind=Kind.WORKING_OVERRIDE, name="Làm bù")
    assert calendar.add_working_days(start, 1) == at("2027-05-08 09:00")
    assert calendar.is_working_day(date(2027, 5, 8))

    row.delete()
    assert calendar.add_working_days(start, 1) == at("2027-05-10 09:00")


@pytest.mark.django_db
def test_an_extra_day_off_row_changes_due_moments_and_follows_edits():
    calendar = get_calendar()
    start = at("2027-02-03 09:00")
    assert calendar.add_working_days(start, 2) == at("2027-02-12 09:00")

    row = CalendarOverride.objects.create(date=date(2027, 2, 11), kind=Kind.HOLIDAY, name="Nghỉ Tết bổ sung")
    assert calendar.add_working_days(start, 2) == at("2027-02-15 09:00")
    assert calendar.working_hours_between(at("2027-02-03 17:00"), at("2027-02-12 07:00")) == 0

    row.date = date(2027, 2, 12)
    row.save()
    assert calendar.add_working_days(start, 2) == at("2027-02-15 09:00")
    assert calendar.add_working_days(start, 1) == at("2027-02-11 09:00")


@pytest.mark.django_db
def test_cancelling_a_generated_holiday_makes_it_a_working_day():
    calendar = get_calendar()
    start = at("2026-11-23 09:00")
    assert calendar.add_working_days(start, 1) == at("2026-11-25 09:00")
    CalendarOverride.objects.create(date=date(2026, 11, 24), kind=Kind.CANCEL_GENERATED, name="Chưa áp dụng")
    assert calendar.add_working_days(start, 1) == at("2026-11-24 09:00")
    assert date(2026, 11, 24) in calendar_year(2026).cancelled


@pytest.mark.django_db
def test_every_schedule_sees_the_change():
    saturday = get_calendar(WorkingSchedule(saturday_morning=True))
    assert saturday.is_office_hours(at("2027-05-08 09:00"))
    CalendarOverride.objects.create(date=date(2027, 5, 8), kind=Kind.HOLIDAY, name="Nghỉ")
    assert not saturday.is_office_hours(at("2027-05-08 09:00"))


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen_through_the_shared_cache(monkeypatch):
    calendar = get_calendar()
    start = at("2027-05-07 09:00")
    assert calendar.add_working_days(start, 1) == at("2027-05-10 09:00")
    # bulk_create sends no signal: this process is not told, as if another process had written the row.
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=date(2027, 5, 8), kind=Kind.WORKING_OVERRIDE)]
    )
    assert calendar.add_working_days(start, 1) == at("2027-05-10 09:00")

    monkeypatch.setattr(calendar_module._CacheState, "shared_check_seconds", 0)
    cache.set(calendar_module._state.shared_key, "published-by-another-process")
    try:
        assert calendar.add_working_days(start, 1) == at("2027-05-08 09:00")
    finally:
        cache.delete(calendar_module._state.shared_key)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_publishes_a_new_shared_token():
    cache.delete(calendar_module._state.shared_key)
    CalendarOverride.objects.create(date=date(2027, 5, 8), kind=Kind.WORKING_OVERRIDE)
    first = cache.get(calendar_module._state.shared_key)
    assert first
    CalendarOverride.objects.all().delete()
    assert cache.get(calendar_module._state.shared_key) not in (None, first)
    cache.delete(calendar_module._state.shared_key)


# --- model checks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "kind", "field", "message"),
    [
        (date(2027, 5, 7), Kind.WORKING_OVERRIDE, "kind", "phải là thứ Bảy hoặc Chủ nhật"),
        (date(2027, 5, 5), Kind.CANCEL_GENERATED, "kind", "không có trong lịch tự sinh"),
        (date(1999, 5, 5), Kind.HOLIDAY, "date", "2000–2099"),
    ],
)
def test_override_rows_are_checked(day, kind, field, message):
    row = CalendarOverride(date=day, kind=kind, name="x")
    with pytest.raises(ValidationError) as caught:
        row.clean()
    assert message in " ".join(caught.value.message_dict[field])


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2027, 5, 8), Kind.WORKING_OVERRIDE),
        (date(2026, 11, 24), Kind.CANCEL_GENERATED),
        (date(2026, 8, 22), Kind.CANCEL_GENERATED),
        (date(2027, 2, 11), Kind.HOLIDAY),
    ],
)
def test_valid_override_rows_pass(day, kind):
    CalendarOverride(date=day, kind=kind, name="x").clean()


@pytest.mark.django_db
def test_one_row_per_date():
    CalendarOverride.objects.create(date=date(2027, 2, 11), kind=Kind.HOLIDAY)
    row = CalendarOverride(date=date(2027, 2, 11), kind=Kind.HOLIDAY)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert "date" in caught.value.message_dict


# --- one-stop units ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_one_stop_unit_gives_its_schedule():
    agency = Agency.objects.create(
        code="000.00.01.H42", name="Trung tâm Phục vụ hành chính công", level=Level.PROVINCE
    )
    unit = OneStopUnit.objects.create(
        agency=agency, morning_start=time(7, 30), paper_cutoff=time(15, 30), saturday_morning_open=True
    )
    schedule = unit.working_schedule()
    assert schedule == WorkingSchedule(
        morning_start=time(7, 30), paper_cutoff=time(15, 30), saturday_morning=True
    )
    calendar = get_calendar(schedule)
    assert calendar.effective_start(at("2026-03-02 07:10")) == at("2026-03-02 07:30")
    assert calendar.effective_start(at("2026-03-02 15:20"), paper=True) == at("2026-03-02 15:20")
    assert calendar.effective_start(at("2026-03-06 15:40"), paper=True) == at("2026-03-07 07:30")


# --- admin ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_overrides_by_year(admin_client):
    CalendarOverride.objects.create(
        date=date(2027, 2, 11), kind=Kind.HOLIDAY, name="Nghỉ Tết bổ sung", legal_basis="Thông báo 1/TB"
    )
    CalendarOverride.objects.create(date=date(2026, 8, 22), kind=Kind.CANCEL_GENERATED, name="Bỏ làm bù")
    url = reverse("admin:core_calendaroverride_changelist")

    page = admin_client.get(url, {"year": "2027"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "11/02/2027" in text and "Thứ Năm" in text and "Nghỉ Tết bổ sung" in text
    assert "Bỏ làm bù" not in text

    everything = admin_client.get(url).content.decode()
    assert "Bỏ làm bù" in everything and "Nghỉ Tết bổ sung" in everything
    by_kind = admin_client.get(url, {"kind__exact": Kind.CANCEL_GENERATED}).content.decode()
    assert "Bỏ làm bù" in by_kind and "Nghỉ Tết bổ sung" not in by_kind


@pytest.mark.django_db
def test_admin_add_form_refuses_a_weekday_swap(admin_client):
    url = reverse("admin:core_calendaroverride_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"date": "07/05/2027", "kind": Kind.WORKING_OVERRIDE, "name": "Làm bù"})
    assert response.status_code == 200
    assert "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật" in response.content.decode()
    assert not CalendarOverride.objects.exists()

    response = admin_client.post(url, {"date": "08/05/2027", "kind": Kind.WORKING_OVERRIDE, "name": "Làm bù"})
    assert response.status_code == 302
    assert get_calendar().is_working_day(date(2027, 5, 8))
