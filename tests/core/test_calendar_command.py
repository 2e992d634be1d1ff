"""``motcua calendar due`` and ``motcua calendar holidays``."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.core.models import CalendarOverride

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--unit", "working_days"), "2026-02-25T16:10:00+07:00"),
        (("--unit", "working_days", "--paper"), "2026-02-26T07:00:00+07:00"),
        ((), "2026-02-25T16:10:00+07:00"),
        (("--unit", "working_hours"), "2026-02-23T09:10:00+07:00"),
        (("--unit", "calendar_days"), "2026-02-23T16:10:00+07:00"),
        (("--unit", "calendar_days", "--exclude-holidays"), "2026-02-23T16:10:00+07:00"),
        (("--unit", "working_hours", "--saturday-morning"), "2026-02-14T09:10:00+07:00"),
    ],
)
def test_due_prints_the_due_moment(args, expected):
    assert run("due", "--start", "2026-02-13 16:10", "--amount", "3", *args) == expected + "\n"


def test_due_excluding_holidays_counts_fewer_days():
    # 10 calendar days from 28/04/2026 reach 08/05; leaving out 30/4 and 1/5 they reach 10/05, a Sunday.
    assert run("due", "--start", "2026-04-28 09:00", "--amount", "10", "--unit", "calendar_days") == (
        "2026-05-08T09:00:00+07:00\n"
    )
    assert run(
        "due",
        "--start",
        "2026-04-28 09:00",
        "--amount",
        "10",
        "--unit",
        "calendar_days",
        "--exclude-holidays",
    ) == ("2026-05-11T09:00:00+07:00\n")


def test_due_accepts_vietnamese_dates_and_decimal_commas():
    assert run("due", "--start", "13/02/2026 16:10", "--amount", "0,5") == "2026-02-23T10:10:00+07:00\n"


def test_due_explains_itself_when_verbose():
    out = StringIO()
    call_command(
        "calendar", "due", "--start", "2026-02-13 16:10", "--amount", "3", "--paper", verbosity=2, stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines == [
        "Tiếp nhận: 13/02/2026 16:10",
        "Bắt đầu tính: 23/02/2026 07:00",
        "Thời hạn: 3 ngày làm việc",
        "2026-02-26T07:00:00+07:00",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2026-02-30 16:10", "--amount", "3"), "Thời điểm “2026-02-30 16:10” không hợp lệ"),
        (("--start", "hôm qua", "--amount", "3"), "không hợp lệ"),
        (("--start", "2026-02-13 16:10", "--amount", "-3"), "không được âm"),
        (("--start", "2026-02-13 16:10", "--amount", "ba"), "không phải là một số"),
        (("--start", "2026-02-13 16:10", "--amount", "100000"), "quá lớn"),
        (("--start", "2026-02-13 16:10", "--amount", "3", "--unit", "weeks"), "Đơn vị thời gian “weeks”"),
        (("--amount", "3"), "Thiếu tham số --start"),
        (("--start", "2026-02-13 16:10"), "Thiếu tham số --amount"),
    ],
)
def test_due_refuses_bad_input_in_vietnamese(args, message):
    with pytest.raises(CommandError, match=message):
        run("due", *args)


def test_holidays_lists_the_year():
    out = run("holidays", "--year", "2027")
    lines = out.splitlines()
    assert lines[0] == "Lịch làm việc năm 2027"
    assert "Ngày nghỉ (15):" in lines
    assert "  06/02/2027  Thứ Bảy    Tết Nguyên Đán  [tự sinh]" in lines
    assert "  03/05/2027  Thứ Hai    Ngày Quốc tế Lao động (nghỉ bù)  [tự sinh]" in lines
    assert lines[-2:] == ["Ngày làm bù (0):", "  (không có)"]


def test_holidays_lists_swapped_saturdays_and_overrides():
    CalendarOverride.objects.create(date=date(2026, 11, 24), kind=CalendarOverride.Kind.CANCEL_GENERATED)
    CalendarOverride.objects.create(
        date=date(2026, 12, 31), kind=CalendarOverride.Kind.HOLIDAY, name="Nghỉ cuối năm"
    )
    lines = run("holidays", "--year", "2026").splitlines()
    assert "Ngày nghỉ (14):" in lines
    assert "  31/12/2026  Thứ Năm    Nghỉ cuối năm  [điều chỉnh]" in lines
    assert "  22/08/2026  Thứ Bảy    Làm việc bù cho ngày nghỉ 31/08/2026  [tự sinh]" in lines
    assert "Ngày tự sinh đã bỏ (1):" in lines
    assert lines[-1] == "  24/11/2026  Thứ Ba     Ngày Văn hóa Việt Nam  [tự sinh]"


@pytest.mark.parametrize(
    ("year", "message"), [("hai nghìn", "Năm “hai nghìn” không hợp lệ"), ("1990", "2000–2099")]
)
def test_holidays_refuses_bad_years(year, message):
    with pytest.raises(CommandError, match=message):
        run("holidays", "--year", year)
