"""Charts of the report screens, drawn on the server as SVG (no JavaScript, printable).

* :func:`monthly_trend`: the online share and on-time rate of each month (one query on the monthly counters,
  the same numbers as a report of that month);
* :func:`line_chart`, :func:`ranking_chart`, :func:`grouped_bar_chart`: geometry for the templates in
  ``templates/reports/charts/`` (coordinates as strings with a decimal point, whatever the language). Links are
  supplied by the caller (the interface app builds URLs); a chart never holds a number its data table lacks.

Accessibility: a chart without links is one image (``role="img"`` named by its ``<title>`` and ``<desc>``); a
chart whose marks link somewhere is a group of links, each named by its own ``<title>`` ("Sở Tư pháp: 15,2/18,
Xuất sắc"), the decoration hidden. Either way a data table with the same numbers (and links) follows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum

from motcua.catalog.models import Channel

from . import scoring
from .models import MonthlyCounter
from .periods import Period, month_period, month_start
from .selectors import Scope

# --- Data ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    received: int
    received_online: int
    resolved: int
    resolved_in_time: int

    @property
    def online_share(self) -> float | None:
        return scoring.percent(self.received_online, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return scoring.percent(self.resolved_in_time, self.resolved)


def last_months(last: date, count: int = 12) -> list[Period]:
    """The ``count`` calendar months ending with ``last``'s month, oldest first."""
    year, month = last.year, last.month
    months = []
    for _ in range(count):
        months.append(month_period(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def monthly_trend(scope: Scope, *, last: date, count: int = 12) -> list[TrendPoint]:
    """Received (online) and resolved (in time) dossiers of each of the ``count`` months up to ``last``."""
    months = last_months(last, count)
    rows = (
        MonthlyCounter.objects.filter(
            scope.counter_filter(), month__gte=months[0].start, month__lt=months[-1].end
        )
        .values("month", "channel")
        .annotate(
            received=Sum("received"),
            early=Sum("resolved_early"),
            on_time=Sum("resolved_on_time"),
            late=Sum("resolved_late"),
        )
        .order_by()
    )
    sums: dict[date, Counter] = {period.start: Counter() for period in months}
    for row in rows:
        bucket = sums[month_start(row["month"])]
        received = row["received"] or 0
        in_time = (row["early"] or 0) + (row["on_time"] or 0)
        bucket["received"] += received
        bucket["received_online"] += received if row["channel"] == Channel.ONLINE else 0
        bucket["resolved"] += in_time + (row["late"] or 0)
        bucket["resolved_in_time"] += in_time
    return [
        TrendPoint(
            period=period,
            received=sums[period.start]["received"],
            received_online=sums[period.start]["received_online"],
            resolved=sums[period.start]["resolved"],
            resolved_in_time=sums[period.start]["resolved_in_time"],
        )
        for period in months
    ]


# --- Geometry -----------------------------------------------------------------------------------------------------


def _n(value: float) -> str:
    """An SVG coordinate: one decimal, always with a point."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Tick:
    position: str  # y (or x) coordinate
    value: float


@dataclass(frozen=True)
class Marker:
    x: str
    y: str
    value: float
    category: str
    href: str = ""


@dataclass
class LineSeries:
    code: str
    label: str
    path: str  # SVG path data; a missing value breaks the line
    markers: list[Marker]
    marker: str = "circle"  # circle or square: the series differ by more than their colour


@dataclass(frozen=True)
class Category:
    x: str
    label: str


@dataclass(frozen=True)
class TargetLine:
    y: str
    value: float
    label: str


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    top: int
    right: int  # x of the plot's right edge
    bottom: int  # y of the plot's bottom edge
    ticks: list[Tick]
    categories: list[Category]
    series: list[LineSeries]
    targets: list[TargetLine] = field(default_factory=list)

    @property
    def linked(self) -> bool:
        return any(marker.href for series in self.series for marker in series.markers)

    @property
    def rows(self) -> list[tuple[str, list[Marker | None]]]:
        """The data table: per category, each series' marker (None where the value is missing)."""
        found = {(s.code, m.category): m for s in self.series for m in s.markers}
        return [(c.label, [found.get((s.code, c.label)) for s in self.series]) for c in self.categories]


@dataclass(frozen=True)
class SeriesInput:
    code: str
    label: str
    values: list[float | None]
    hrefs: list[str] | None = None


def line_chart(
    categories: list[str],
    series: list[SeriesInput],
    *,
    targets: list[tuple[float, str]] = (),
    width: int = 720,
    height: int = 300,
) -> LineChart:
    """Percentages (0–100) over ``categories`` (months), one line per series."""
    left, top, right, bottom = 52, 16, width - 36, height - 44
    step = (right - left) / max(len(categories) - 1, 1)

    def x(index: int) -> float:
        return left + step * index if len(categories) > 1 else (left + right) / 2

    def y(value: float) -> float:
        return bottom - (bottom - top) * max(0.0, min(value, 100.0)) / 100

    lines = []
    for number, item in enumerate(series):
        parts, markers, pen_down = [], [], False
        for index, value in enumerate(item.values):
            if value is None:
                pen_down = False
                continue
            parts.append(f"{'L' if pen_down else 'M'}{_n(x(index))} {_n(y(value))}")
            pen_down = True
            href = item.hrefs[index] if item.hrefs else ""
            markers.append(Marker(_n(x(index)), _n(y(value)), value, categories[index], href))
        lines.append(
            LineSeries(
                item.code, item.label, " ".join(parts), markers, "circle" if number % 2 == 0 else "square"
            )
        )
    return LineChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        ticks=[Tick(_n(y(value)), value) for value in (0, 25, 50, 75, 100)],
        categories=[Category(_n(x(index)), label) for index, label in enumerate(categories)],
        series=lines,
        targets=[TargetLine(_n(y(value)), value, label) for value, label in targets],
    )


@dataclass(frozen=True)
class RankingInput:
    label: str
    score: float
    band: str
    band_label: str
    rank: int | None
    href: str = ""


@dataclass(frozen=True)
class RankingBar:
    y: str
    text_y: str
    width: str
    end: str  # x where the value text starts
    label: str
    short_label: str
    score: float
    band: str
    band_label: str
    rank: int | None
    href: str


@dataclass(frozen=True)
class BandZone:
    x: str
    width: str
    label: str
    code: str
    text_x: str


@dataclass
class RankingChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bar_height: int
    bars: list[RankingBar]
    zones: list[BandZone]
    ticks: list[Tick]

    @property
    def plot_height(self) -> int:
        return self.bottom - self.top

    @property
    def linked(self) -> bool:
        return any(bar.href for bar in self.bars)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ranking_chart(rows: list[RankingInput], *, width: int = 760, row_height: int = 30) -> RankingChart:
    """Horizontal bars of TT 01/2018 scores (out of 18) over the ranking bands' zones."""
    left, right, top = 280, width - 110, 28  # names on the left, "15,2 · Xuất sắc" on the right
    bottom = top + row_height * max(len(rows), 1)
    scale = (right - left) / scoring.TT01_MAX

    def x(score: float) -> float:
        return left + scale * max(0.0, min(score, scoring.TT01_MAX))

    bounds = sorted((lower, code, str(label)) for lower, code, label in scoring.BANDS)
    zones = []
    for index, (lower, code, label) in enumerate(bounds):
        upper = bounds[index + 1][0] if index + 1 < len(bounds) else scoring.TT01_MAX
        zones.append(
            BandZone(_n(x(lower)), _n(x(upper) - x(lower)), label, code, _n((x(lower) + x(upper)) / 2))
        )
    bars = []
    for index, row in enumerate(rows):
        y = top + row_height * index
        bars.append(
            RankingBar(
                y=_n(y + 5),
                text_y=_n(y + row_height / 2 + 5),
                width=_n(max(x(row.score) - left, 1)),
                end=_n(x(row.score) + 6),
                label=row.label,
                short_label=_shorten(row.label, 36),
                score=row.score,
                band=row.band,
                band_label=row.band_label,
                rank=row.rank,
                href=row.href,
            )
        )
    return RankingChart(
        width=width,
        height=bottom + 28,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bar_height=row_height - 10,
        bars=bars,
        zones=zones,
        ticks=[Tick(_n(x(value)), value) for value in (0, 6, 9, 12, 15, 18)],
    )


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    text_x: str
    text_y: str
    value: float | None
    series: str
    series_label: str
    category: str
    href: str


@dataclass
class GroupedBarChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    ticks: list[Tick]
    categories: list[Category]
    series: list[tuple[str, str]]  # (code, label) for the legend
    bars: list[Bar]

    @property
    def linked(self) -> bool:
        return any(bar.href for bar in self.bars)

    @property
    def rows(self) -> list[tuple[str, list[Bar]]]:
        """The data table: per category, its bars in series order."""
        return [(c.label, [b for b in self.bars if b.category == c.label]) for c in self.categories]


def grouped_bar_chart(
    categories: list[str], series: list[SeriesInput], *, width: int = 720, height: int = 300
) -> GroupedBarChart:
    """Vertical bars of percentages: one group per category (level), one bar per series (rate)."""
    left, top, right, bottom = 48, 16, width - 16, height - 44
    group = (right - left) / max(len(categories), 1)
    bar = min(44.0, group * 0.8 / max(len(series), 1))
    bars = []
    for c_index, category in enumerate(categories):
        first = left + group * c_index + (group - bar * len(series)) / 2
        for s_index, item in enumerate(series):
            value = item.values[c_index]
            x = first + bar * s_index
            top_y = bottom - (bottom - top) * max(0.0, min(value or 0.0, 100.0)) / 100
            bars.append(
                Bar(
                    x=_n(x + 2),
                    y=_n(top_y),
                    width=_n(bar - 4),
                    height=_n(bottom - top_y),
                    text_x=_n(x + bar / 2),
                    text_y=_n(top_y - 4),
                    value=value,
                    series=item.code,
                    series_label=item.label,
                    category=category,
                    href=item.hrefs[c_index] if item.hrefs else "",
                )
            )
    return GroupedBarChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        ticks=[Tick(_n(bottom - (bottom - top) * value / 100), value) for value in (0, 25, 50, 75, 100)],
        categories=[
            Category(_n(left + group * index + group / 2), label) for index, label in enumerate(categories)
        ],
        series=[(item.code, item.label) for item in series],
        bars=bars,
    )
