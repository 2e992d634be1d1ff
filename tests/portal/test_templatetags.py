"""Display helpers of the portal: time limits with units, ranges, plain-word online levels, asset URLs."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from motcua.catalog.models import TimeUnit
from motcua.portal.templatetags.assets import asset_url
from motcua.portal.templatetags.portal import (
    format_duration,
    online_level_explanation,
    processing_time,
    processing_time_summary,
)


def case(amount, unit=TimeUnit.WORKING_DAYS, online=None, no_appointment=False):
    return SimpleNamespace(
        processing_time=Decimal(amount),
        time_unit=unit,
        online_processing_time=None if online is None else Decimal(online),
        no_appointment=no_appointment,
    )


@pytest.mark.parametrize(
    ("amount", "unit", "vi", "en"),
    [
        ("5.00", TimeUnit.WORKING_DAYS, "5 ngày làm việc", "5 working days"),
        ("1", TimeUnit.WORKING_DAYS, "1 ngày làm việc", "1 working day"),
        ("0.50", TimeUnit.WORKING_DAYS, "0,5 ngày làm việc", "0.5 working days"),
        ("10", TimeUnit.CALENDAR_DAYS, "10 ngày", "10 days"),
        ("4", TimeUnit.WORKING_HOURS, "4 giờ làm việc", "4 working hours"),
    ],
)
def test_durations_in_both_languages(amount, unit, vi, en):
    with translation.override("vi"):
        assert format_duration(Decimal(amount), unit) == vi
    with translation.override("en"):
        assert format_duration(Decimal(amount), unit) == en


def test_processing_time_of_a_case():
    with translation.override("vi"):
        assert processing_time(case("3", online="1")) == "3 ngày làm việc"
        assert processing_time(case("3", online="1"), online=True) == "1 ngày làm việc"
        assert processing_time(case("3"), online=True) == ""
        assert processing_time(case("0")) == "Chưa công bố"
        assert processing_time(case("0", no_appointment=True)).startswith("Giải quyết ngay trong ngày")


def test_processing_time_summary_over_cases():
    with translation.override("vi"):
        assert processing_time_summary([case("5"), case("5")]) == "5 ngày làm việc"
        assert processing_time_summary([case("15"), case("3"), case("0")]) == "3 đến 15 ngày làm việc"
        assert processing_time_summary([case("0")]) == ""
        # Different units cannot make a range: the first case's time is shown.
        assert processing_time_summary([case("4", TimeUnit.WORKING_HOURS), case("2")]) == "4 giờ làm việc"


def test_every_online_level_is_explained_differently():
    with translation.override("vi"):
        texts = {level: online_level_explanation(level) for level in (1, 2, 3, 4)}
    assert len(set(texts.values())) == 4
    assert "không phải đến cơ quan" in texts[4]
    assert "ít nhất một lần" in texts[3]


def test_asset_url_carries_a_content_hash(settings):
    settings.DEBUG = False
    url = asset_url("motcua/site.css")
    assert url.startswith("/static/motcua/site.css?v=")
    assert len(url.split("?v=")[1]) == 12
    assert asset_url("motcua/absent.css") == "/static/motcua/absent.css"
