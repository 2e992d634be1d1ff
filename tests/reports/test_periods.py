"""Report periods: one parser for years, quarters, months and date ranges."""

from __future__ import annotations

from datetime import date

import pytest

from motcua.core.errors import ValidationFailed
from motcua.reports.periods import parse_period


@pytest.mark.parametrize(
    ("text", "code", "kind", "start", "end", "label"),
    [
        ("2020", "2020", "year", date(2020, 1, 1), date(2021, 1, 1), "Năm 2020"),
        ("2020-Q2", "2020-Q2", "quarter", date(2020, 4, 1), date(2020, 7, 1), "Quý 2 năm 2020"),
        ("2020-q4", "2020-Q4", "quarter", date(2020, 10, 1), date(2021, 1, 1), "Quý 4 năm 2020"),
        ("2020-05", "2020-05", "month", date(2020, 5, 1), date(2020, 6, 1), "Tháng 05/2020"),
        ("2020-12", "2020-12", "month", date(2020, 12, 1), date(2021, 1, 1), "Tháng 12/2020"),
        (
            " 2020-05-01..2020-06-15 ",
            "2020-05-01..2020-06-15",
            "range",
            date(2020, 5, 1),
            date(2020, 6, 16),
            "Từ ngày 01/05/2020 đến ngày 15/06/2020",
        ),
        (
            "2024-02-29..2024-02-29",
            "2024-02-29..2024-02-29",
            "range",
            date(2024, 2, 29),
            date(2024, 3, 1),
            None,
        ),
    ],
)
def test_the_four_ways_to_write_a_period(text, code, kind, start, end, label):
    period = parse_period(text)
    assert (period.code, period.kind, period.start, period.end) == (code, kind, start, end)
    assert (end - period.last_day).days == 1
    if label:
        assert period.label == label


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Vui lòng chọn kỳ báo cáo"),
        ("Q2-2020", "Kỳ báo cáo “Q2-2020” không hợp lệ"),
        ("2020-Q5", "không hợp lệ"),
        ("2020-13", "Tháng của kỳ báo cáo “2020-13” phải từ 1 đến 12."),
        ("2020-00", "phải từ 1 đến 12"),
        ("1999", "phải từ 2000 đến 2100"),
        (
            "2020-02-30..2020-03-01",
            "Ngày “2020-02-30” trong kỳ báo cáo “2020-02-30..2020-03-01” không tồn tại.",
        ),
        ("2020-06-01..2020-05-31", "ngày kết thúc phải sau hoặc trùng ngày bắt đầu"),
        ("2000-01-01..2020-12-31", "dài quá"),
        ("2020-05-01..", "không hợp lệ"),
    ],
)
def test_malformed_periods_say_what_is_wrong(text, message):
    with pytest.raises(ValidationFailed) as caught:
        parse_period(text)
    assert message in caught.value.message
    assert caught.value.code == "invalid_period"


def test_a_period_splits_into_its_months():
    assert [p.code for p in parse_period("2020-Q2").months()] == ["2020-04", "2020-05", "2020-06"]
    parts = parse_period("2020-04-10..2020-06-05").months()
    assert [(p.code, p.kind) for p in parts] == [
        ("2020-04-10..2020-04-30", "range"),
        ("2020-05", "month"),
        ("2020-06-01..2020-06-05", "range"),
    ]
    assert parts[0].end == parts[1].start and parts[1].end == parts[2].start
