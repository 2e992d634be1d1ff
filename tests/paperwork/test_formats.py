"""Dates, times, durations and money as the forms write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from motcua.paperwork import formats

from .conftest import VN


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 3, 2), "ngày 02 tháng 3 năm 2026"),  # ND 30/2020: leading zero for days below 10
        (date(2026, 1, 15), "ngày 15 tháng 01 năm 2026"),  # ... and for January and February
        (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"),
        (date(2026, 12, 31), "ngày 31 tháng 12 năm 2026"),
        (None, ""),
    ],
)
def test_long_date(value, expected):
    assert formats.long_date(value) == expected


def test_moments_are_shown_in_vietnam_time():
    moment = datetime(2026, 3, 2, 1, 5, tzinfo=UTC)  # 08:05 in Hà Nội
    assert formats.clock_time(moment) == "08 giờ 05 phút"
    assert formats.long_moment(moment) == "08 giờ 05 phút, ngày 02 tháng 3 năm 2026"
    assert formats.short_moment(moment) == "08 giờ 05 phút, 02/03/2026"
    assert formats.short_date(moment) == "02/03/2026"
    # Late in the evening UTC is already the next day in Vietnam.
    assert formats.short_date(datetime(2026, 3, 2, 18, 0, tzinfo=UTC)) == "03/03/2026"


def test_iso_strings_from_stored_payloads_are_read_back():
    assert formats.long_moment("2026-03-09T02:00:00Z") == "09 giờ 00 phút, ngày 09 tháng 3 năm 2026"
    assert formats.long_moment(datetime(2026, 3, 9, 9, 0, tzinfo=VN).isoformat()) == (
        "09 giờ 00 phút, ngày 09 tháng 3 năm 2026"
    )
    assert formats.clock_time(date(2026, 3, 9)) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("5.00"), "5"), (Decimal("0.50"), "0,5"), (Decimal("12.25"), "12,25"), (20, "20"), (None, "")],
)
def test_number(value, expected):
    assert formats.number(value) == expected


def test_counts_and_money():
    assert formats.two_digits(1) == "01" and formats.two_digits(12) == "12" and formats.two_digits(None) == ""
    assert formats.vnd(1250000) == "1.250.000 đ"
