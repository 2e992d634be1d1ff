"""The indicators report: one selector (:func:`indicators_report`) feeds the API, the CLI and the Excel export.

Every dossier figure is read from the aggregates (``aggregates``), never from the dossiers table:

* flows in [start, end) = monthly counters for the whole months + daily counters for the days around them;
* pending at 00:00 of a day B = closed dossiers pending then (backlog counter of B's month) + dossiers still
  pending that were received before B's month (open counter) + the daily flows between the month's start
  and B; overdue likewise.

The formulas, counting rules and their sources are written out in docs/indicators.md.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Agency, Level
from motcua.catalog.models import (
    Channel,
    Fee,
    OnlineServiceLevel,
    Procedure,
    ProcedureAgency,
    ProcedureVersion,
)
from motcua.catalog.models import Field as CatalogField
from motcua.catalog.selectors import versions_in_force
from motcua.core.errors import ValidationFailed

from . import feedback_figures, scoring
from .facts import LOCAL
from .models import FLOW_COLUMNS, BacklogCounter, DailyCounter, MonthlyCounter, OpenCounter, Rate, Target
from .periods import Period, month_start, next_month, parse_period

GROUP_BY = ("agency", "level", "procedure", "field", "month")
LEVEL_ORDER = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)

# The figures of a group, in report order, with their Vietnamese names (column headers of the export).
COUNT_LABELS = {
    "carried_over": gettext_lazy("Tồn kỳ trước chuyển sang"),
    "received": gettext_lazy("Tiếp nhận trong kỳ"),
    "received_direct": gettext_lazy("Tiếp nhận trực tiếp"),
    "received_online": gettext_lazy("Tiếp nhận trực tuyến"),
    "received_postal": gettext_lazy("Tiếp nhận qua bưu chính công ích"),
    "resolved": gettext_lazy("Đã giải quyết"),
    "resolved_early": gettext_lazy("Giải quyết trước hạn"),
    "resolved_on_time": gettext_lazy("Giải quyết đúng hạn"),
    "resolved_late": gettext_lazy("Giải quyết quá hạn"),
    "refused": gettext_lazy("Trong đó: từ chối giải quyết"),
    "withdrawn": gettext_lazy("Rút hồ sơ"),
    "stopped": gettext_lazy("Dừng xử lý"),
    "pending": gettext_lazy("Đang giải quyết cuối kỳ"),
    "pending_in_time": gettext_lazy("Đang giải quyết trong hạn"),
    "pending_overdue": gettext_lazy("Đang giải quyết quá hạn"),
    "not_received": gettext_lazy("Không được tiếp nhận"),
    "online_resolved": gettext_lazy("Hồ sơ trực tuyến đã giải quyết"),
    "online_resolved_in_time": gettext_lazy("Hồ sơ trực tuyến giải quyết trước hạn, đúng hạn"),
    "online_resolved_late": gettext_lazy("Hồ sơ trực tuyến giải quyết quá hạn"),
    "online_pending_overdue": gettext_lazy("Hồ sơ trực tuyến đang giải quyết quá hạn"),
    "with_obligation": gettext_lazy("Hồ sơ có nghĩa vụ tài chính"),
    "paid_online": gettext_lazy("Hồ sơ thanh toán trực tuyến"),
    "postal_return": gettext_lazy("Hồ sơ trả kết quả qua bưu chính công ích"),
    "ratings": gettext_lazy("Số phiếu đánh giá"),
    "satisfied": gettext_lazy("Số phiếu hài lòng"),
}
CATALOG_LABELS = {
    "procedures": gettext_lazy("Số thủ tục thuộc thẩm quyền"),
    "online_procedures": gettext_lazy("Thủ tục trực tuyến (một phần, toàn trình)"),
    "partial_online_procedures": gettext_lazy("Thủ tục trực tuyến một phần"),
    "full_online_procedures": gettext_lazy("Thủ tục trực tuyến toàn trình"),
    "online_procedures_used": gettext_lazy("Thủ tục trực tuyến có hồ sơ trực tuyến trong kỳ"),
    "fee_procedures": gettext_lazy("Thủ tục có phí, lệ phí"),
    "fee_procedures_paid_online": gettext_lazy("Thủ tục có phí có thanh toán trực tuyến trong kỳ"),
    "fee_procedures_payable_online": gettext_lazy("Thủ tục có phí cung cấp thanh toán trực tuyến"),
}


# --- Scope ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyInfo:
    pk: int
    code: str
    name: str
    level: str
    parent_id: int | None


@dataclass(frozen=True)
class Scope:
    """What the report covers: an agency with its sub-agencies (or all), a level, a procedure, a field."""

    agency: AgencyInfo | None
    level: str
    procedure: Procedure | None
    procedure_name: str
    field: CatalogField | None
    agency_ids: frozenset[int]  # agencies whose dossiers count (the competent agency)
    agencies: dict[int, AgencyInfo]  # every agency, for names and levels

    @property
    def all_agencies(self) -> bool:
        return self.agency is None and not self.level

    def counter_filter(self) -> Q:
        condition = Q() if self.all_agencies else Q(agency_id__in=self.agency_ids)
        if self.procedure is not None:
            condition &= Q(procedure_id=self.procedure.pk)
        if self.field is not None:
            condition &= Q(field_id=self.field.pk)
        return condition

    def levels(self, agency_ids: Iterable[int] | None = None) -> set[str]:
        ids = self.agency_ids if agency_ids is None else agency_ids
        return {self.agencies[pk].level for pk in ids if pk in self.agencies}


def _all_agencies() -> dict[int, AgencyInfo]:
    return {
        pk: AgencyInfo(pk, code, name, level, parent_id)
        for pk, code, name, level, parent_id in Agency.objects.values_list(
            "pk", "code", "name", "level", "parent_id"
        )
    }


def _subtree(root: int, agencies: dict[int, AgencyInfo]) -> set[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for info in agencies.values():
        children[info.parent_id].append(info.pk)
    found, stack = set(), [root]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, ()))
    return found


def resolve_scope(*, agency: str = "", level: str = "", procedure: str = "", field: str = "") -> Scope:
    """The scope named by codes; an unknown code or a wrong level is a ValidationFailed (422)."""
    agencies = _all_agencies()
    root = None
    if agency:
        code = agency.strip()
        matches = (
            Agency.objects.filter(Q(code=code) | Q(code_qd20=code))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        pk = next(iter(matches), None)
        if pk is None:
            raise ValidationFailed(
                _("Không có cơ quan mã “%(code)s”.") % {"code": code},
                code="unknown_agency",
                extra={"field": "agency"},
            )
        root = agencies[pk]
    ids = _subtree(root.pk, agencies) if root is not None else set(agencies)
    if level:
        if level not in Level.values:
            raise ValidationFailed(
                _("Cấp phải là province, district hoặc commune."),
                code="invalid_level",
                extra={"field": "level"},
            )
        ids = {pk for pk in ids if agencies[pk].level == level}
    chosen_procedure, procedure_name = None, ""
    if procedure:
        chosen_procedure = (
            Procedure.objects.select_related("current_version")
            .filter(national_code=procedure.strip())
            .first()
        )
        if chosen_procedure is None:
            raise ValidationFailed(
                _("Không có thủ tục mã “%(code)s”.") % {"code": procedure},
                code="unknown_procedure",
                extra={"field": "procedure"},
            )
        procedure_name = _procedure_names([chosen_procedure.pk]).get(chosen_procedure.pk, "")
    chosen_field = None
    if field:
        chosen_field = CatalogField.objects.filter(code=field.strip()).first()
        if chosen_field is None:
            raise ValidationFailed(
                _("Không có lĩnh vực mã “%(code)s”.") % {"code": field},
                code="unknown_field",
                extra={"field": "field"},
            )
    return Scope(
        agency=root,
        level=level,
        procedure=chosen_procedure,
        procedure_name=procedure_name,
        field=chosen_field,
        agency_ids=frozenset(ids),
        agencies=agencies,
    )


def _procedure_names(ids: Iterable[int]) -> dict[int, str]:
    """The name of each procedure: its current version's, or its latest version's."""
    names: dict[int, str] = {}
    rows = ProcedureVersion.objects.filter(procedure_id__in=list(ids)).order_by("procedure_id", "-number")
    current = dict(Procedure.objects.filter(pk__in=list(ids)).values_list("pk", "current_version_id"))
    for version_id, procedure_id, name in rows.values_list("pk", "procedure_id", "name"):
        if version_id == current.get(procedure_id) or procedure_id not in names:
            names[procedure_id] = name
    return names


# --- Counters -----------------------------------------------------------------------------------------------------

GROUP_COLUMNS = {
    None: None,
    "agency": "agency_id",
    "level": "agency_id",
    "procedure": "procedure_id",
    "field": "field_id",
}
Sums = dict[tuple, Counter]  # (group key, channel) → column sums


def _sum_rows(queryset, group_column: str | None, columns: Iterable[str], into: Sums, sign: int = 1) -> None:
    columns = tuple(columns)
    keys = ([group_column] if group_column else []) + ["channel"]
    for row in queryset.values(*keys).annotate(**{f"s_{name}": Sum(name) for name in columns}).order_by():
        group = row[group_column] if group_column else None
        bucket = into[(group, row["channel"])]
        for name in columns:
            bucket[name] += sign * (row[f"s_{name}"] or 0)


def _whole_months(start: date, end: date) -> tuple[date, date]:
    """The largest run of whole months [first, last) inside [start, end) (empty when first >= last)."""
    first = start if start.day == 1 else next_month(start)
    last = month_start(end)
    return first, max(first, last)


def flows(scope: Scope, start: date, end: date, group_column: str | None) -> Sums:
    """Flow counters summed over the days [start, end)."""
    sums: Sums = defaultdict(Counter)
    condition = scope.counter_filter()
    first, last = _whole_months(start, end)
    if first < last:
        months = MonthlyCounter.objects.filter(condition, month__gte=first, month__lt=last)
        _sum_rows(months, group_column, FLOW_COLUMNS, sums)
        days = Q(day__gte=start, day__lt=first) | Q(day__gte=last, day__lt=end)
    else:
        days = Q(day__gte=start, day__lt=end)
    if not (first < last and start == first and end == last):
        _sum_rows(DailyCounter.objects.filter(condition).filter(days), group_column, FLOW_COLUMNS, sums)
    return sums


def stock(scope: Scope, boundary: date, group_column: str | None) -> Sums:
    """Dossiers pending (and overdue) at 00:00 of ``boundary``: {(group, channel): {pending, overdue}}."""
    month = month_start(boundary)
    condition = scope.counter_filter()
    sums: Sums = defaultdict(Counter)
    _sum_rows(
        BacklogCounter.objects.filter(condition, month=month), group_column, ("pending", "overdue"), sums
    )
    still_open: Sums = defaultdict(Counter)
    _sum_rows(
        OpenCounter.objects.filter(condition, month__lt=month),
        group_column,
        ("received", "overdue"),
        still_open,
    )
    for key, amounts in still_open.items():
        sums[key]["pending"] += amounts["received"]
        sums[key]["overdue"] += amounts["overdue"]
    if boundary > month:
        between = flows(scope, month, boundary, group_column)
        for key, amounts in between.items():
            closed = sum(amounts[name] for name in CLOSING_COLUMNS)
            sums[key]["pending"] += amounts["received"] - closed
            sums[key]["overdue"] += amounts["became_overdue"] - amounts["closed_overdue"]
    return sums


CLOSING_COLUMNS = ("resolved_early", "resolved_on_time", "resolved_late", "withdrawn", "stopped")


@dataclass
class Activity:
    """Procedures with online dossiers and with online payments among the period's received dossiers."""

    online: set[int] = field(default_factory=set)
    paid: set[int] = field(default_factory=set)

    def add(self, other: Activity) -> None:
        self.online |= other.online
        self.paid |= other.paid


def procedures_with_activity(
    scope: Scope, start: date, end: date, *, by_agency: bool
) -> dict[int | None, Activity]:
    """{agency (or None when not ``by_agency``): Activity} over the days [start, end)."""
    condition = scope.counter_filter() & (Q(channel=Channel.ONLINE, received__gt=0) | Q(paid_online__gt=0))
    first, last = _whole_months(start, end)
    parts = []
    if first < last:
        parts.append(MonthlyCounter.objects.filter(condition, month__gte=first, month__lt=last))
    if not (first < last and start == first and end == last):
        days = (
            (Q(day__gte=start, day__lt=first) | Q(day__gte=last, day__lt=end))
            if first < last
            else Q(day__gte=start, day__lt=end)
        )
        parts.append(DailyCounter.objects.filter(condition).filter(days))
    keys = ["agency_id", "procedure_id"] if by_agency else ["procedure_id"]
    found: dict[int | None, Activity] = defaultdict(Activity)
    for queryset in parts:
        rows = (
            queryset.values(*keys)
            .annotate(online=Sum("received", filter=Q(channel=Channel.ONLINE)), paid=Sum("paid_online"))
            .order_by()
        )
        for row in rows:
            activity = found[row["agency_id"] if by_agency else None]
            if row["online"]:
                activity.online.add(row["procedure_id"])
            if row["paid"]:
                activity.paid.add(row["procedure_id"])
    return found


# --- Catalog ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogEntry:
    procedure_id: int
    field_id: int
    level: int  # online service level 1–4
    levels: frozenset[str]  # province / district / commune
    agencies: frozenset[int]  # agencies of this system named in the version's roles
    fee_bearing: bool
    payable_online: bool


def catalog_in_force(moment: datetime) -> list[CatalogEntry]:
    """The procedure versions in force at ``moment`` with what the catalog indicators need (3 queries)."""
    fees = Fee.objects.filter(version=OuterRef("pk"), amount__gt=0)
    versions = list(
        versions_in_force(at=moment)
        .annotate(fee_bearing=Exists(fees))
        .values_list(
            "pk",
            "procedure_id",
            "field_id",
            "online_service_level",
            "at_province",
            "at_district",
            "at_commune",
            "fee_bearing",
            "online_payment_offered",
        )
    )
    roles: dict[int, set[int]] = defaultdict(set)
    for version_id, agency_id in ProcedureAgency.objects.filter(
        version__in=versions_in_force(at=moment),
        agency__isnull=False,
        role__in=[
            ProcedureAgency.Role.IMPLEMENTING,
            ProcedureAgency.Role.COMPETENT,
            ProcedureAgency.Role.DELEGATED,
        ],
    ).values_list("version_id", "agency_id"):
        roles[version_id].add(agency_id)
    entries = []
    for pk, procedure_id, field_id, level, province, district, commune, fee_bearing, payable in versions:
        levels = frozenset(
            name
            for name, flag in (
                (Level.PROVINCE, province),
                (Level.DISTRICT, district),
                (Level.COMMUNE, commune),
            )
            if flag
        )
        entries.append(
            CatalogEntry(
                procedure_id, field_id or 0, level, levels, frozenset(roles.get(pk, ())), fee_bearing, payable
            )
        )
    return entries


def _procedures_of(entries: list[CatalogEntry], agency_ids: set[int], levels: set[str]) -> list[CatalogEntry]:
    """TTHC under the authority of ``agency_ids``: versions naming one of them, or, for versions naming no agency
    of this system, those carried out at one of their levels."""
    return [
        entry
        for entry in entries
        if (entry.agencies & agency_ids) or (not entry.agencies and entry.levels & levels)
    ]


# --- Figures of one group ------------------------------------------------------------------------------------------


@dataclass
class RateValue:
    code: str
    label: str
    percent: float | None
    numerator: int
    denominator: int
    target: float | None = None
    target_met: bool | None = None


@dataclass
class Figures:
    key: str
    label: str
    level: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    catalog: dict[str, int] = field(default_factory=dict)
    rates: list[RateValue] = field(default_factory=list)
    tt01: scoring.Tt01Result | None = None
    d766: scoring.D766Result | None = None
    rank: int | None = None

    def rate(self, code: str) -> RateValue:
        return next(rate for rate in self.rates if rate.code == code)


@dataclass
class Report:
    period: Period
    scope: Scope
    group_by: str | None
    total: Figures
    groups: list[Figures]
    feedback_available: bool


def _counts(
    flow: Sums, start_stock: Sums, end_stock: Sums, group, ratings: feedback_figures.RatingFigures
) -> dict[str, int]:
    def channel_sum(sums: Sums, name: str, channels=tuple(Channel.values)) -> int:
        return sum(sums.get((group, channel), Counter())[name] for channel in channels)

    online = (Channel.ONLINE,)
    early, on_time, late = (
        channel_sum(flow, name) for name in ("resolved_early", "resolved_on_time", "resolved_late")
    )
    pending = channel_sum(end_stock, "pending")
    overdue = channel_sum(end_stock, "overdue")
    online_in_time = channel_sum(flow, "resolved_early", online) + channel_sum(
        flow, "resolved_on_time", online
    )
    online_late = channel_sum(flow, "resolved_late", online)
    counts = {
        "carried_over": channel_sum(start_stock, "pending"),
        "received": channel_sum(flow, "received"),
        "received_direct": channel_sum(flow, "received", (Channel.DIRECT,)),
        "received_online": channel_sum(flow, "received", online),
        "received_postal": channel_sum(flow, "received", (Channel.POSTAL,)),
        "resolved": early + on_time + late,
        "resolved_early": early,
        "resolved_on_time": on_time,
        "resolved_late": late,
        "refused": channel_sum(flow, "refused"),
        "withdrawn": channel_sum(flow, "withdrawn"),
        "stopped": channel_sum(flow, "stopped"),
        "pending": pending,
        "pending_in_time": pending - overdue,
        "pending_overdue": overdue,
        "not_received": channel_sum(flow, "not_received"),
        "online_resolved": online_in_time + online_late,
        "online_resolved_in_time": online_in_time,
        "online_resolved_late": online_late,
        "online_pending_overdue": channel_sum(end_stock, "overdue", online),
        "with_obligation": channel_sum(flow, "with_obligation"),
        "paid_online": channel_sum(flow, "paid_online"),
        "postal_return": channel_sum(flow, "postal_return"),
        "ratings": channel_sum(flow, "rated") + ratings.forms,
        "satisfied": channel_sum(flow, "satisfied") + ratings.satisfied,
    }
    assert list(counts) == list(COUNT_LABELS)
    return counts


def _catalog(entries: list[CatalogEntry], activity: Activity) -> dict[str, int]:
    """Catalog counts for a group's procedures (``entries``) and the period's ``activity``."""
    online_used, paid = activity.online, activity.paid
    online = [e for e in entries if e.level >= OnlineServiceLevel.PARTIAL]
    fee = [e for e in entries if e.fee_bearing]
    return {
        "procedures": len(entries),
        "online_procedures": len(online),
        "partial_online_procedures": sum(1 for e in online if e.level == OnlineServiceLevel.PARTIAL),
        "full_online_procedures": sum(1 for e in online if e.level == OnlineServiceLevel.FULL),
        "online_procedures_used": sum(1 for e in online if e.procedure_id in online_used),
        "fee_procedures": len(fee),
        "fee_procedures_paid_online": sum(1 for e in fee if e.procedure_id in paid),
        "fee_procedures_payable_online": sum(1 for e in fee if e.payable_online),
    }


RATE_PARTS = {
    Rate.ONLINE_SHARE: ("received_online", "received"),
    Rate.POSTAL_SHARE: ("received_postal", "received"),
    Rate.POSTAL_RETURN_SHARE: ("postal_return", "received"),
    Rate.ON_TIME_RATE: (("resolved_early", "resolved_on_time"), "resolved"),
    Rate.ONLINE_ON_TIME_RATE: ("online_resolved_in_time", "online_resolved"),
    Rate.ONLINE_PROCEDURE_SHARE: ("online_procedures", "procedures"),
    Rate.FULL_ONLINE_PROCEDURE_SHARE: ("full_online_procedures", "procedures"),
    Rate.ONLINE_PROCEDURE_USED_SHARE: ("online_procedures_used", "online_procedures"),
    Rate.ONLINE_PAYMENT_SHARE: ("paid_online", "with_obligation"),
    Rate.SATISFACTION_SHARE: ("satisfied", "ratings"),
}


def _rates(values: dict[str, int], targets: dict[str, float]) -> list[RateValue]:
    rates = []
    for code, (numerator_names, denominator_name) in RATE_PARTS.items():
        names = numerator_names if isinstance(numerator_names, tuple) else (numerator_names,)
        numerator = sum(values[name] for name in names)
        denominator = values[denominator_name]
        share = scoring.percent(numerator, denominator)
        target = targets.get(code)
        rates.append(
            RateValue(
                code=code,
                label=str(Rate(code).label),
                percent=share,
                numerator=numerator,
                denominator=denominator,
                target=target,
                target_met=None if share is None or target is None else share >= target,
            )
        )
    return rates


def targets_in_force(day: date) -> dict[str, dict[str, float]]:
    """{level or "": {rate: minimum %}} of the targets in force on ``day``."""
    found: dict[str, dict[str, float]] = defaultdict(dict)
    rows = Target.objects.filter(
        Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gt=day))
    )
    for rate, level, minimum in rows.order_by("effective_from").values_list("rate", "level", "minimum"):
        found[level][rate] = float(minimum)
    return found


def _targets_for(levels: set[str], targets: dict[str, dict[str, float]]) -> dict[str, float]:
    chosen = dict(targets.get("", {}))
    if len(levels) == 1:
        chosen.update(targets.get(next(iter(levels)), {}))
    return chosen


def _tt01(
    values: dict[str, int],
    flow: Counter,
    ratings: feedback_figures.RatingFigures,
    petitions: feedback_figures.PetitionFigures | None,
) -> scoring.Tt01Result:
    def from_ratings(number: int) -> scoring.IndicatorScore:
        points, forms = ratings.criteria.get(feedback_figures.CRITERIA_BY_INDICATOR[number], (0, 0))
        return scoring.IndicatorScore(
            number, scoring.score_average(points, forms), forms, "ratings" if forms else "none"
        )

    resolved = values["resolved"]
    online_late = values["online_resolved_late"] + values["online_pending_overdue"]
    petition_score = (
        scoring.score_petitions(
            received=petitions.received,
            answered=petitions.answered,
            on_time=petitions.on_time,
            protracted=petitions.protracted,
        )
        if petitions is not None
        else None
    )
    indicators = [
        scoring.IndicatorScore(
            1,
            scoring.score_average(2 * values["resolved_early"] + values["resolved_on_time"], resolved),
            resolved,
            "system",
        ),
        scoring.IndicatorScore(
            2,
            scoring.score_average(flow["step_score_sum"], flow["step_scored"]),
            flow["step_scored"],
            "system",
        ),
        scoring.IndicatorScore(
            3,
            scoring.score_average(flow["contact_score_sum"], flow["contact_scored"]),
            flow["contact_scored"],
            "system",
        ),
        from_ratings(4),
        scoring.IndicatorScore(5, None, 0, "none"),
        scoring.IndicatorScore(6, None, 0, "none"),
        from_ratings(7),
        scoring.IndicatorScore(
            8, petition_score, petitions.received if petitions else 0, "petitions" if petitions else "none"
        ),
        scoring.IndicatorScore(
            9,
            scoring.score_online_delivery(
                procedures=values["procedures"],
                online_procedures=values["online_procedures"],
                received=values["received"],
                received_online=values["received_online"],
                online_late=online_late,
            ),
            values["received"],
            "system",
        ),
    ]
    return scoring.tt01_result(indicators)


def _d766(
    values: dict[str, int], flow: Counter, petitions: feedback_figures.PetitionFigures | None
) -> scoring.D766Result:
    share = scoring.ratio
    online = scoring.d766_online(
        share(values["online_procedures"], values["procedures"]),
        share(values["online_procedures_used"], values["online_procedures"]),
        share(values["received_online"], values["received"]),
    )
    payment = scoring.d766_payment(
        share(values["paid_online"], values["with_obligation"]),
        share(values["fee_procedures_paid_online"], values["fee_procedures"]),
        share(values["fee_procedures_payable_online"], values["fee_procedures"]),
    )
    satisfaction = scoring.d766_share(6, share(values["satisfied"], values["ratings"]), full_at=0.9)
    petition_on_time = petition_handling = None
    if petitions is not None:
        petition_on_time = (
            scoring.d766_share(6, share(petitions.on_time, petitions.answered)) if petitions.answered else 6.0
        )
        petition_handling = (
            scoring.d766_share(6, share(petitions.rated_satisfied, petitions.rated))
            if petitions.rated
            else 6.0
        )
    component = scoring.Component
    none = None
    groups = [
        scoring.Group(
            "transparency",
            _("Công khai, minh bạch"),
            18,
            [
                component("PUBLISH_ON_TIME", _("Công bố thủ tục hành chính đúng hạn"), 6, none),
                component("PUBLIC_UPDATE_ON_TIME", _("Công khai, cập nhật thủ tục đúng hạn"), 4, none),
                component("PUBLIC_CONTENT_FULL", _("Công khai đầy đủ nội dung"), 2, none),
                component("DOSSIER_SYNC", _("Đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia"), 6, none),
            ],
        ),
        scoring.Group(
            "progress",
            _("Tiến độ giải quyết"),
            20,
            [
                component(
                    "PROGRESS",
                    _("Hồ sơ giải quyết trước hạn, đúng hạn trên hồ sơ tiếp nhận"),
                    20,
                    scoring.d766_progress(
                        values["resolved_early"] + values["resolved_on_time"], values["received"]
                    ),
                )
            ],
        ),
        scoring.Group(
            "online_service",
            _("Dịch vụ công trực tuyến"),
            12,
            [
                component("ONLINE_PROCEDURES", _("Thủ tục cung cấp trực tuyến (A)"), 2, online[0]),
                component(
                    "ONLINE_PROCEDURES_USED", _("Dịch vụ trực tuyến có phát sinh hồ sơ (B)"), 4, online[1]
                ),
                component("ONLINE_DOSSIERS", _("Hồ sơ nộp trực tuyến (C)"), 6, online[2]),
            ],
        ),
        scoring.Group(
            "online_payment",
            _("Thanh toán trực tuyến"),
            10,
            [
                component("PAYMENT_DOSSIERS", _("Hồ sơ thanh toán trực tuyến (A)"), 6, payment[0]),
                component(
                    "PAYMENT_PROCEDURES", _("Thủ tục có phí có thanh toán trực tuyến (B)"), 2, payment[1]
                ),
                component(
                    "PAYMENT_OFFERED", _("Thủ tục có phí cung cấp thanh toán trực tuyến (C)"), 2.5, payment[2]
                ),
            ],
            cap=10,
        ),
        scoring.Group(
            "satisfaction",
            _("Mức độ hài lòng"),
            18,
            [
                component(
                    "DOSSIER_RECEIVING_SATISFACTION",
                    _("Hài lòng về tiếp nhận, giải quyết hồ sơ"),
                    6,
                    satisfaction,
                ),
                component(
                    "PETITION_PROCESSING_ON_TIME",
                    _("Xử lý phản ánh, kiến nghị đúng hạn"),
                    6,
                    petition_on_time,
                ),
                component(
                    "PETITION_HANDLING_SATISFACTION",
                    _("Hài lòng về xử lý phản ánh, kiến nghị"),
                    6,
                    petition_handling,
                ),
            ],
        ),
        scoring.Group(
            "digitisation",
            _("Số hóa hồ sơ"),
            22,
            [
                component(
                    "ORIGINAL_RESULT_AVAILABLE",
                    _("Cấp kết quả điện tử"),
                    6,
                    scoring.d766_share(6, share(flow["e_results"], flow["e_result_known"])),
                ),
                component("SO_HOA_GIAY_TO_GIAI_QUYET", _("Số hóa thành phần hồ sơ"), 4, none),
                component("ELECTRONIC_CERTIFIED_COPY", _("Chứng thực điện tử"), 2, none),
                component("REUSED_DIGITIZED_DATA", _("Tái sử dụng dữ liệu số hóa"), 2, none),
                component("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", _("Đồng bộ kho dữ liệu cá nhân"), 4, none),
                component("CITIZEN_DATA_CONNECTED_DOSSIER", _("Hồ sơ khai thác dữ liệu dân cư"), 2, none),
                component("CITIZEN_DATA_CONNECTED_FORMALITY", _("Thủ tục kết nối dữ liệu dân cư"), 2, none),
            ],
        ),
    ]
    return scoring.D766Result(groups)


# --- The report ---------------------------------------------------------------------------------------------------


@dataclass
class _Group:
    key: str
    label: str
    level: str
    agency_ids: set[int]
    sql_keys: set  # values of the group column in the counters that belong to this group
    entries: list[CatalogEntry]


@dataclass
class _Sums:
    flow: Sums
    start: Sums
    end: Sums
    activity: dict[int | None, Activity]  # by agency, or under None for the whole scope
    by_agency: bool

    def keys(self) -> set:
        return {group for sums in (self.flow, self.start, self.end) for group, _channel in sums}


def _sums(period: Period, scope: Scope, group_column: str | None) -> _Sums:
    # A period that is not over yet shows its stock at the end of today, not a forecast.
    tomorrow = timezone.localdate() + timedelta(days=1)
    return _Sums(
        flow=flows(scope, period.start, period.end, group_column),
        start=stock(scope, min(period.start, tomorrow), group_column),
        end=stock(scope, min(period.end, tomorrow), group_column),
        activity=procedures_with_activity(
            scope, period.start, period.end, by_agency=group_column == "agency_id"
        ),
        by_agency=group_column == "agency_id",
    )


def _period_end_moment(period: Period) -> datetime:
    return datetime.combine(period.last_day, time.max, tzinfo=LOCAL)


def indicators_report(*, period: Period, scope: Scope, group_by: str | None = None) -> Report:
    """Every indicator of ``scope`` over ``period``, in total and per group (``GROUP_BY``)."""
    if group_by and group_by not in GROUP_BY:
        raise ValidationFailed(
            _("Nhóm theo phải là một trong: %(choices)s.") % {"choices": ", ".join(GROUP_BY)},
            code="invalid_group_by",
            extra={"field": "group_by"},
        )
    targets = targets_in_force(period.last_day)
    entries = _scope_entries(scope, catalog_in_force(_period_end_moment(period)))
    available = feedback_figures.available()
    total = _figures(period, scope, _sums(period, scope, None), [_total_group(scope, entries)], targets)[0]
    groups: list[Figures] = []
    if group_by == "month":
        for part in period.months():
            figures = _figures(
                part, scope, _sums(part, scope, None), [_total_group(scope, entries)], targets
            )[0]
            figures.key, figures.label = part.code, part.label
            groups.append(figures)
    elif group_by:
        column = GROUP_COLUMNS[group_by]
        sums = _sums(period, scope, column)
        groups = _figures(period, scope, sums, _groups(group_by, scope, entries, sums.keys()), targets)
        groups = [figures for figures in groups if any(figures.counts.values())]
        if group_by == "agency":
            _rank(groups)
    return Report(
        period=period,
        scope=scope,
        group_by=group_by,
        total=total,
        groups=groups,
        feedback_available=available,
    )


PER_AGENCY = ("agency", "level")  # groupings whose counters are summed per agency, then merged


def indicators_reports(*, period: Period, scope: Scope, group_bys: Iterable[str]) -> dict[str, Report]:
    """The report of ``scope`` over ``period`` grouped by each of ``group_bys`` (agency, level), the same as
    :func:`indicators_report` for each, from one reading of the counters: agencies and levels are both sums of
    the counters per agency, and so is the total (the dashboard needs all three)."""
    group_bys = list(dict.fromkeys(group_bys))
    if not group_bys or any(group_by not in PER_AGENCY for group_by in group_bys):
        raise ValidationFailed(
            _("Nhóm theo phải là một trong: %(choices)s.") % {"choices": ", ".join(PER_AGENCY)},
            code="invalid_group_by",
            extra={"field": "group_by"},
        )
    targets = targets_in_force(period.last_day)
    entries = _scope_entries(scope, catalog_in_force(_period_end_moment(period)))
    available = feedback_figures.available()
    sums = _sums(period, scope, "agency_id")
    total_group = _total_group(scope, entries)
    # Every agency key read (with no agency filter, the counters of every agency: as the unfiltered total).
    total_group.sql_keys = set(scope.agency_ids) | (sums.keys() - {None})
    total = _figures(period, scope, sums, [total_group], targets)[0]
    reports = {}
    for group_by in group_bys:
        groups = _figures(period, scope, sums, _groups(group_by, scope, entries, sums.keys()), targets)
        groups = [figures for figures in groups if any(figures.counts.values())]
        if group_by == "agency":
            _rank(groups)
        reports[group_by] = Report(
            period=period,
            scope=scope,
            group_by=group_by,
            total=copy.deepcopy(total),
            groups=groups,
            feedback_available=available,
        )
    return reports


def _scope_entries(scope: Scope, entries: list[CatalogEntry]) -> list[CatalogEntry]:
    chosen = _procedures_of(entries, set(scope.agency_ids), scope.levels())
    if scope.procedure is not None:
        chosen = [e for e in chosen if e.procedure_id == scope.procedure.pk]
    if scope.field is not None:
        chosen = [e for e in chosen if e.field_id == scope.field.pk]
    return chosen


def _total_group(scope: Scope, entries: list[CatalogEntry]) -> _Group:
    levels = scope.levels()
    if scope.agency is not None:
        key, label = scope.agency.code, scope.agency.name
    else:
        key, label = "", _("Tất cả cơ quan")
    level = scope.level or (next(iter(levels)) if len(levels) == 1 else "")
    return _Group(key, label, level, set(scope.agency_ids), {None}, entries)


def _groups(group_by: str, scope: Scope, entries: list[CatalogEntry], present: set) -> list[_Group]:
    agencies = scope.agencies
    if group_by == "agency":
        ordered = sorted(
            scope.agency_ids, key=lambda pk: (LEVEL_ORDER.index(agencies[pk].level), agencies[pk].name, pk)
        )
        return [
            _Group(
                agencies[pk].code,
                agencies[pk].name,
                agencies[pk].level,
                {pk},
                {pk},
                _procedures_of(entries, {pk}, {agencies[pk].level}),
            )
            for pk in ordered
        ]
    if group_by == "level":
        groups = []
        for level in LEVEL_ORDER:
            ids = {pk for pk in scope.agency_ids if agencies[pk].level == level}
            if ids:
                groups.append(
                    _Group(
                        level.value,
                        str(level.label),
                        level.value,
                        ids,
                        ids,
                        _procedures_of(entries, ids, {level.value}),
                    )
                )
        return groups
    # procedure or field: the keys met in the counters or in the scope's catalog
    column = GROUP_COLUMNS[group_by]
    present = {key for key in present if key is not None} | {getattr(e, column) for e in entries}
    if group_by == "procedure":
        codes = dict(Procedure.objects.filter(pk__in=present).values_list("pk", "national_code"))
        names = _procedure_names(present)
        return [
            _Group(
                codes.get(pk, str(pk)),
                names.get(pk, ""),
                "",
                set(scope.agency_ids),
                {pk},
                [e for e in entries if e.procedure_id == pk],
            )
            for pk in sorted(present, key=lambda pk: codes.get(pk, ""))
        ]
    fields = {
        pk: (code, name)
        for pk, code, name in CatalogField.objects.filter(pk__in=present).values_list("pk", "code", "name")
    }
    return [
        _Group(
            fields.get(pk, ("", ""))[0],
            fields.get(pk, ("", _("Chưa xác định lĩnh vực")))[1],
            "",
            set(scope.agency_ids),
            {pk},
            [e for e in entries if e.field_id == pk],
        )
        for pk in sorted(present, key=lambda pk: fields.get(pk, ("~", ""))[0])
    ]


def _figures(
    period: Period, scope: Scope, sums: _Sums, groups: list[_Group], targets: dict[str, dict[str, float]]
) -> list[Figures]:
    agency_ids = set().union(*(group.agency_ids for group in groups)) if groups else set()
    ratings = feedback_figures.ratings_by_agency(
        first=period.start, last=period.last_day, agency_ids=agency_ids
    )
    petitions = feedback_figures.petitions_by_agency(
        first=period.start, last=period.last_day, agency_ids=agency_ids
    )
    feedback_available = feedback_figures.available()
    results = []
    for group in groups:
        flow, start, end = (_merge(part, group.sql_keys) for part in (sums.flow, sums.start, sums.end))
        group_ratings = feedback_figures.RatingFigures()
        group_petitions = feedback_figures.PetitionFigures() if feedback_available else None
        for pk in group.agency_ids:
            if pk in ratings:
                group_ratings.add(ratings[pk])
            if group_petitions is not None and pk in petitions:
                group_petitions.add(petitions[pk])
        counts = _counts(flow, start, end, MERGED, group_ratings)
        activity = Activity()
        for key in group.agency_ids if sums.by_agency else (None,):
            if key in sums.activity:
                activity.add(sums.activity[key])
        catalog = _catalog(group.entries, activity)
        values = {**counts, **catalog}
        flow_total: Counter = Counter()
        for amounts in flow.values():
            flow_total.update(amounts)
        levels = {group.level} if group.level else scope.levels(group.agency_ids)
        results.append(
            Figures(
                key=group.key,
                label=group.label,
                level=group.level,
                counts=counts,
                catalog=catalog,
                rates=_rates(values, _targets_for(levels, targets)),
                tt01=_tt01(values, flow_total, group_ratings, group_petitions),
                d766=_d766(values, flow_total, group_petitions),
            )
        )
    return results


MERGED = "merged"


def _merge(sums: Sums, keys: set) -> Sums:
    merged: Sums = defaultdict(Counter)
    for (group, channel), amounts in sums.items():
        if group in keys:
            merged[(MERGED, channel)].update(amounts)
    return merged


def _rank(groups: list[Figures]) -> None:
    """Rank agencies by their TT 01/2018 score (out of 18), then on-time rate; equal keys share a rank."""

    def sort_key(figures: Figures):
        on_time = figures.rate(Rate.ON_TIME_RATE).percent
        return (-(figures.tt01.normalised or 0), -(on_time if on_time is not None else -1))

    ranked = sorted((g for g in groups if g.tt01 and g.tt01.normalised is not None), key=sort_key)
    previous, rank = None, 0
    for position, figures in enumerate(ranked, start=1):
        key = sort_key(figures)
        if key != previous:
            rank, previous = position, key
        figures.rank = rank


def report_for(
    *,
    period: str,
    agency: str = "",
    level: str = "",
    procedure: str = "",
    field: str = "",
    group_by: str = "",
) -> Report:
    """Parse the inputs written as text (API query, command options) and build the report."""
    parsed = parse_period(period)
    scope = resolve_scope(agency=agency, level=level, procedure=procedure, field=field)
    return indicators_report(period=parsed, scope=scope, group_by=group_by or None)
