"""Public transparency pages (công khai kết quả giải quyết TTHC): each agency's rates for a period and the one
before, the TT 01/2018 ranking and a chart. No sign-in; aggregated figures only, never a dossier or a person
(ND 61/2018 Art. 29–32 asks for these results to be published).

The figures are those of ``GET /api/v1/reports/indicators`` (one selector, ``reports.selectors``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from motcua.agencies.models import Level
from motcua.agencies.selectors import LEVEL_ORDER
from motcua.core.errors import ValidationFailed
from motcua.reports.charts import RankingInput, SeriesInput, line_chart, monthly_trend, ranking_chart
from motcua.reports.models import Rate
from motcua.reports.periods import (
    Period,
    current_period,
    parse_period,
    previous_period,
    year_period,
)
from motcua.reports.selectors import Figures, RateValue, indicators_report, indicators_reports, resolve_scope

# The rates published, in this order, with the short column headings of the table.
PUBLIC_RATES = {
    Rate.ONLINE_SHARE: gettext_lazy("Hồ sơ trực tuyến"),
    Rate.ON_TIME_RATE: gettext_lazy("Giải quyết đúng hạn"),
    Rate.SATISFACTION_SHARE: gettext_lazy("Hài lòng"),
    Rate.POSTAL_SHARE: gettext_lazy("Qua bưu chính"),
    Rate.ONLINE_PAYMENT_SHARE: gettext_lazy("Thanh toán trực tuyến"),
    Rate.ONLINE_PROCEDURE_SHARE: gettext_lazy("Thủ tục trực tuyến"),
}
MONTHS_OFFERED, QUARTERS_OFFERED, YEARS_OFFERED = 12, 8, 3


def period_choices(today, chosen: Period | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered in the picker, grouped: recent months, quarters and years (newest first); an older
    period asked for in the address comes first, so the picker shows what the page shows."""
    months, quarters, years = [], [], []
    period = current_period("month", today)
    for _month in range(MONTHS_OFFERED):
        months.append((period.code, period.label))
        period = previous_period(period)
    period = current_period("quarter", today)
    for _quarter in range(QUARTERS_OFFERED):
        quarters.append((period.code, period.label))
        period = previous_period(period)
    for year in range(today.year, today.year - YEARS_OFFERED, -1):
        period = year_period(year)
        years.append((period.code, period.label))
    groups = [(_("Tháng"), months), (_("Quý"), quarters), (_("Năm"), years)]
    if chosen is not None and all(
        chosen.code != code for _group, options in groups for code, _label in options
    ):
        groups.insert(0, (_("Kỳ đã chọn"), [(chosen.code, chosen.label)]))
    return groups


@dataclass
class Cell:
    current: RateValue | None
    previous: RateValue | None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        if self.current.percent is None or self.previous.percent is None:
            return None
        return round(self.current.percent - self.previous.percent, 1)


def _cells(current: Figures | None, previous: Figures | None) -> list[Cell]:
    return [
        Cell(current.rate(code) if current else None, previous.rate(code) if previous else None)
        for code in PUBLIC_RATES
    ]


def _period_from(request, today) -> tuple[Period | None, str]:
    code = request.GET.get("period", "").strip() or current_period("quarter", today).code
    try:
        return parse_period(code), ""
    except ValidationFailed as error:
        return None, error.message


@require_safe
def transparency(request):
    today = timezone.localdate()
    period, error = _period_from(request, today)
    level = request.GET.get("level", "").strip()
    context = {
        "period": period,
        "level": level,
        "levels": Level.choices,
        "choices": period_choices(today, period),
        "headings": list(PUBLIC_RATES.values()),
        "error": error,
    }
    if level and level not in Level.values:
        context["error"] = _("Cấp phải là cấp tỉnh, cấp huyện hoặc cấp xã.")
    if context["error"]:
        return render(request, "portal/reports/transparency.html", context, status=422)
    scope = resolve_scope(level=level)
    before = previous_period(period)
    current = indicators_reports(period=period, scope=scope, group_bys=["agency"])["agency"]
    previous = indicators_reports(period=before, scope=scope, group_bys=["agency"])["agency"]
    previous_groups = {group.key: group for group in previous.groups}
    groups = sorted(
        current.groups, key=lambda g: (g.rank is None, g.rank or 0, LEVEL_ORDER.index(g.level), g.label)
    )
    shown = {group.key for group in groups}
    # Agencies with figures only in the previous period are listed too, after the others.
    groups += [group for group in previous.groups if group.key not in shown]
    rows = [
        {
            "key": group.key,
            "label": group.label,
            "level": Level(group.level).label if group.level else "",
            "href": reverse("reports:agency", args=[group.key]),
            "figures": group if group.key in shown else None,
            "cells": _cells(group if group.key in shown else None, previous_groups.get(group.key)),
        }
        for group in groups
    ]
    ranked = [
        RankingInput(
            label=group.label,
            score=group.tt01.normalised,
            band=group.tt01.band,
            band_label=group.tt01.band_label,
            rank=group.rank,
            href=reverse("reports:agency", args=[group.key]),
        )
        for group in current.groups
        if group.rank is not None
    ]
    ranked.sort(key=lambda row: (row.rank, row.label))
    context.update(
        {
            "previous": before,
            "total": current.total,
            "total_cells": _cells(current.total, previous.total),
            "rows": rows,
            "ranking_chart": ranking_chart(ranked),
            "is_current": period.start <= today < period.end,
        }
    )
    return render(request, "portal/reports/transparency.html", context)


@require_safe
def agency(request, code: str):
    today = timezone.localdate()
    try:
        scope = resolve_scope(agency=code)
    except ValidationFailed as error:
        raise Http404(error.message) from error
    period, error = _period_from(request, today)
    context = {
        "agency": scope.agency,
        "period": period,
        "choices": period_choices(today, period),
        "error": error,
    }
    if scope.agency.code != code:  # a QĐ 20/2020 code: the page lives at the main code
        context["canonical"] = reverse("reports:agency", args=[scope.agency.code])
    if error:
        return render(request, "portal/reports/agency.html", context, status=422)
    before = previous_period(period)
    has_units = len(scope.agency_ids) > 1
    if has_units:
        current = indicators_reports(period=period, scope=scope, group_bys=["agency"])["agency"]
    else:
        current = indicators_report(period=period, scope=scope)
    previous = indicators_report(period=before, scope=scope)
    trend = monthly_trend(scope, last=min(period.last_day, today))
    chart = line_chart(
        [point.period.start.strftime("%m/%Y") for point in trend],
        [
            SeriesInput("online_share", str(Rate.ONLINE_SHARE.label), [p.online_share for p in trend]),
            SeriesInput("on_time_rate", str(Rate.ON_TIME_RATE.label), [p.on_time_rate for p in trend]),
        ],
    )
    units = [
        {"group": group, "href": reverse("reports:agency", args=[group.key])}
        for group in current.groups
        if group.key != scope.agency.code
    ]
    context.update(
        {
            "previous": before,
            "total": current.total,
            "rows": [
                {"label": label, "cell": cell}
                for label, cell in zip(
                    [Rate(code).label for code in PUBLIC_RATES],
                    _cells(current.total, previous.total),
                    strict=True,
                )
            ],
            "trend_chart": chart,
            "trend": trend,
            "units": units,
            "is_current": period.start <= today < period.end,
        }
    )
    return render(request, "portal/reports/agency.html", context)
