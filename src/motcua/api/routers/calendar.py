"""Working-day calendar: due moments and a year's days off, with the province's default office hours."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from motcua.api.schemas import Problem
from motcua.core.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarDay,
    DaySource,
    TimeUnit,
    get_calendar,
    parse_amount,
    parse_moment,
    parse_unit,
)

router = Router(tags=["calendar"])

TimeUnitCode = Literal[tuple(TimeUnit.values)]  # type: ignore[valid-type]
DaySourceCode = Literal[tuple(DaySource.values)]  # type: ignore[valid-type]


class DueQuery(Schema):
    # Strings on purpose: the calendar checks them and answers with a precise Vietnamese message.
    start: str = Field(
        ...,
        max_length=40,
        description=(
            "Thời điểm tiếp nhận: ISO 8601 (2026-02-13T16:10, 2026-02-13T16:10:00+07:00) hoặc 13/02/2026 16:10. "
            "Không ghi múi giờ thì hiểu là giờ Việt Nam."
        ),
        examples=["2026-02-13T16:10"],
    )
    amount: str = Field(
        ...,
        max_length=20,
        description="Số lượng thời gian, không âm, có thể có phần thập phân (0.5 ngày làm việc = 4 giờ làm việc).",
        examples=["3"],
    )
    unit: str = Field(
        TimeUnit.WORKING_DAYS.value,
        max_length=20,
        description="Đơn vị: working_days (ngày làm việc), working_hours (giờ làm việc), calendar_days (ngày).",
        json_schema_extra={"enum": list(TimeUnit.values)},
    )
    paper: bool = Field(
        False, description="Hồ sơ giấy: nhận sau 15:00 thì tính từ đầu ngày làm việc tiếp theo."
    )


class DueOut(Schema):
    start: dt.datetime = Field(description="Thời điểm tiếp nhận (giờ Việt Nam).")
    effective_start: dt.datetime = Field(
        description="Thời điểm bắt đầu tính: đã dời vào giờ làm việc và áp dụng giờ chuyển hồ sơ giấy."
    )
    amount: int | float = Field(description="Số lượng thời gian.")
    unit: TimeUnitCode = Field(description="Đơn vị thời gian.")
    unit_label: str = Field(description="Tên đơn vị thời gian.")
    due: dt.datetime = Field(description="Thời điểm đến hạn (giờ Việt Nam), luôn trong giờ làm việc.")


class CalendarDayOut(Schema):
    date: dt.date = Field(description="Ngày.")
    weekday: str = Field(description="Thứ trong tuần.")
    name: str = Field(description="Tên ngày.")
    source: DaySourceCode = Field(description="generated: tự sinh theo luật; override: điều chỉnh của tỉnh.")


class CalendarYearOut(Schema):
    year: int = Field(description="Năm.")
    days_off: list[CalendarDayOut] = Field(description="Ngày nghỉ lễ, Tết, nghỉ bù và ngày nghỉ bổ sung.")
    working_days: list[CalendarDayOut] = Field(description="Thứ Bảy, Chủ nhật phải đi làm (làm bù).")


@router.get(
    "/due",
    response={200: DueOut, 422: Problem},
    operation_id="calendar_due",
    summary="Tính thời điểm đến hạn",
    description=(
        "Cộng một thời hạn (ngày làm việc, giờ làm việc hoặc ngày theo lịch) vào thời điểm tiếp nhận, theo giờ "
        "làm việc mặc định 07:00–11:30 và 13:30–17:00, ngày nghỉ lễ, Tết, nghỉ bù và ngày làm bù. Ngày làm "
        "việc giữ nguyên giờ trong ngày; giờ làm việc tràn qua giờ nghỉ trưa và sang ngày làm việc sau; ngày "
        "theo lịch rơi vào ngày nghỉ thì dời sang ngày làm việc kế tiếp. Tham số sai trả về 422."
    ),
)
def calendar_due(request, query: Query[DueQuery]):
    unit = parse_unit(query.unit)
    amount = parse_amount(query.amount, unit)
    result = get_calendar().due(parse_moment(query.start), amount, unit, paper=query.paper)
    return {
        "start": result.start,
        "effective_start": result.effective_start,
        "amount": int(amount) if amount == amount.to_integral_value() else float(amount),
        "unit": unit.value,
        "unit_label": str(unit.label),
        "due": result.due,
    }


@router.get(
    "/years/{year}",
    response={200: CalendarYearOut, 422: Problem},
    operation_id="calendar_year",
    summary="Ngày nghỉ và ngày làm bù trong năm",
    description=(
        f"Các ngày nghỉ (lễ, Tết, nghỉ bù, nghỉ bổ sung) và ngày làm bù của năm `year` ({MIN_YEAR}–{MAX_YEAR}), "
        "gồm ngày tự sinh theo Bộ luật Lao động và điều chỉnh của tỉnh."
    ),
)
def calendar_year(request, year: int):
    resolved = get_calendar().year(year)
    return {
        "year": year,
        "days_off": [_day(day) for day in resolved.days_off.values()],
        "working_days": [_day(day) for day in resolved.working_days.values()],
    }


def _day(day: CalendarDay) -> dict:
    return {"date": day.date, "weekday": day.weekday, "name": day.name, "source": day.source}
