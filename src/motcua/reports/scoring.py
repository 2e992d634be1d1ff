"""Scores: TT 01/2018's nine indicators with its ranking bands, and Decision 766's groups with their formulas.

Pure functions of a group's figures (``Figures`` in ``selectors``), written out in docs/indicators.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")


def ratio(numerator: int | float, denominator: int | float) -> float | None:
    return numerator / denominator if denominator else None


def round_to(value: float | Decimal | None, step: Decimal = ONE_DECIMAL) -> float | None:
    """Half-up rounding (as the circulars count), returned as a float for JSON."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))


def percent(numerator: int, denominator: int) -> float | None:
    """numerator / denominator × 100, one decimal; None when there is nothing to divide."""
    share = ratio(numerator, denominator)
    return round_to(share * 100) if share is not None else None


# --- TT 01/2018 -------------------------------------------------------------------------------------------------

TT01_LABELS = {
    1: _("Tổng thời gian giải quyết so với thời hạn quy định"),
    2: _("Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết"),
    3: _("Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ"),
    4: _("Số cơ quan, đơn vị phải liên hệ để hoàn thiện hồ sơ"),
    5: _("Thực hiện tiếp nhận, giải quyết tại bộ phận một cửa"),
    6: _("Công khai thủ tục hành chính"),
    7: _("Thái độ của cán bộ, công chức"),
    8: _("Tiếp nhận, xử lý phản ánh, kiến nghị"),
    9: _("Cung cấp dịch vụ công trực tuyến"),
}
STAFF_INDICATORS = (1, 2, 3, 4, 7)
UNIT_INDICATORS = (5, 6, 8, 9)
TT01_MAX = 18

# Agency ranking bands (TT 01/2018 Art. 15): lower bound of the normalised score → (code, label).
BANDS = (
    (15, "excellent", _("Xuất sắc")),
    (12, "good", _("Tốt")),
    (9, "fair", _("Khá")),
    (6, "average", _("Trung bình")),
    (0, "weak", _("Yếu")),
)


def band(score: float | None) -> tuple[str, str] | tuple[None, None]:
    """Rank band of a score out of 18; exactly 15 is xuất sắc."""
    if score is None:
        return None, None
    for lower, code, label in BANDS:
        if score >= lower:
            return code, str(label)
    return BANDS[-1][1], str(BANDS[-1][2])


@dataclass(frozen=True)
class IndicatorScore:
    number: int
    score: float | None  # 0–2, one decimal; None = missing data (left out)
    basis: int  # dossiers, forms or units the score rests on
    source: str  # system, ratings, petitions, none


def score_average(points: int, count: int) -> float | None:
    """Indicator score = sum of dossier scores / number of dossiers, one decimal (TT 01/2018 Art. 15)."""
    return round_to(points / count) if count else None


def score_online_delivery(
    *, procedures: int, online_procedures: int, received: int, received_online: int, online_late: int
) -> float | None:
    """Indicator 9: 2 = ≥20% of TTHC at level 3/4, ≥30% online dossiers and no online dossier late (resolved
    late or pending overdue); 1 = level 3/4 offered, ≥15% online, none late; 0 otherwise."""
    if not received:
        return None
    if not online_procedures or received_online * 100 < 15 * received or online_late:
        return 0.0
    if online_procedures * 100 >= 20 * procedures and received_online * 100 >= 30 * received:
        return 2.0
    return 1.0


def score_petitions(*, received: int, answered: int, on_time: int, protracted: int) -> float:
    """Indicator 8: 2 = none received, or every answered one answered on time and none protracted; 1 = ≥90%
    answered on time and none protracted; 0 otherwise. "Protracted" = still unanswered past its due date."""
    if not received:
        return 2.0
    if protracted:
        return 0.0
    if not answered or on_time == answered:
        return 2.0
    return 1.0 if on_time * 100 >= 90 * answered else 0.0


@dataclass(frozen=True)
class Tt01Result:
    indicators: list[IndicatorScore]
    staff_score: float | None  # indicators 1, 2, 3, 4, 7
    staff_max: int
    total: float | None
    max_available: int
    normalised: float | None  # total × 18 / max_available
    band: str | None
    band_label: str | None


def tt01_result(indicators: list[IndicatorScore]) -> Tt01Result:
    """Sum the available indicators; with missing ones left out, the sum is brought back to 18 points."""
    available = [item for item in indicators if item.score is not None]
    staff = [item for item in available if item.number in STAFF_INDICATORS]
    total = round_to(sum(item.score for item in available)) if available else None
    max_available = 2 * len(available)
    normalised = round_to(total * TT01_MAX / max_available) if available else None
    code, label = band(normalised)
    return Tt01Result(
        indicators=indicators,
        staff_score=round_to(sum(item.score for item in staff)) if staff else None,
        staff_max=2 * len(staff),
        total=total,
        max_available=max_available,
        normalised=normalised,
        band=code,
        band_label=label,
    )


# --- Decision 766/QĐ-TTg ----------------------------------------------------------------------------------------


def clamp(value: float, high: float) -> float:
    return max(0.0, min(high, value))


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    max: float
    score: float | None  # None: the system has no data for it


@dataclass(frozen=True)
class Group:
    code: str
    label: str
    max: float
    components: list[Component] = field(default_factory=list)
    cap: float | None = None

    @property
    def score(self) -> float | None:
        scores = [c.score for c in self.components if c.score is not None]
        if not scores:
            return None
        return round_to(min(sum(scores), self.cap or self.max), TWO_DECIMALS)


def _scored(value: float | None) -> float | None:
    return round_to(value, TWO_DECIMALS) if value is not None else None


def d766_progress(on_time_or_early: int, received: int) -> float | None:
    """20 × (resolved early or on time / received), at most 20."""
    return _scored(clamp(20 * on_time_or_early / received, 20)) if received else None


def d766_online(a: float | None, b: float | None, c: float | None) -> tuple[float | None, ...]:
    """min(2, 2·A/0.80), 4·B, min(6, 6·C/0.50)."""
    return (
        _scored(min(2.0, 2 * a / 0.80)) if a is not None else None,
        _scored(4 * b) if b is not None else None,
        _scored(min(6.0, 6 * c / 0.50)) if c is not None else None,
    )


def d766_payment(a: float | None, b: float | None, c: float | None) -> tuple[float | None, ...]:
    """6·A, min(2, 2.5·B), 2.5·C (the group is capped at 10)."""
    return (
        _scored(6 * a) if a is not None else None,
        _scored(min(2.0, 2.5 * b)) if b is not None else None,
        _scored(2.5 * c) if c is not None else None,
    )


def d766_share(maximum: float, share: float | None, full_at: float = 1.0) -> float | None:
    """maximum × share / full_at, capped at maximum (full marks from ``full_at``)."""
    return _scored(clamp(maximum * share / full_at, maximum)) if share is not None else None


@dataclass(frozen=True)
class D766Result:
    groups: list[Group]

    @property
    def total(self) -> float | None:
        scores = [g.score for g in self.groups if g.score is not None]
        return round_to(sum(scores), TWO_DECIMALS) if scores else None

    @property
    def max_computed(self) -> float:
        return sum(
            min(sum(c.max for c in g.components if c.score is not None), g.cap or g.max)
            for g in self.groups
            if g.score is not None
        )
