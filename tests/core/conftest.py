"""Fixtures for the working-day calendar: the holiday table of deadlines.md §3.3 and fresh caches."""

from __future__ import annotations

import pytest

from motcua.core.calendar import StaticYears, WorkingCalendar, reset_calendar_cache

from .holiday_table import HOLIDAY_TABLE, SWAPPED_SATURDAYS


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """A test's overrides are rolled back with its transaction; the per-process cache must not keep them."""
    reset_calendar_cache()
    yield
    reset_calendar_cache()


@pytest.fixture(params=["table", "database"])
def calendar(request) -> WorkingCalendar:
    """The default-hours calendar, once from the published table and once through the real loader."""
    if request.param == "table":
        return WorkingCalendar(source=StaticYears(HOLIDAY_TABLE, SWAPPED_SATURDAYS))
    request.getfixturevalue("db")
    return WorkingCalendar()
