"""Back-office report screens: the supervisor dashboard, the dossiers (or procedures) behind each of its numbers,
and the Excel export of the same report.

Who may open them: staff with a monitoring role (supervisor, leader, administrator: ``MONITORING_ROLES``) and
superusers; other staff get a 403 page. What they see: the agencies they monitor
(``agencies.selectors.monitored_agencies``): their agencies with every sub-agency, or the whole province for a
monitoring role at the province People's Committee or public-service centre (and for superusers). Asking for
another agency is a 403; an unknown agency code or a malformed period is a 422 with the reason in Vietnamese.

Every number links to :func:`dossier_list`, which lists exactly the dossiers the number counts
(``reports.drilldown``), each linking to the dossier page (whose access gate lets monitors in, see
``dossiers.selectors.dossier_queryset_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from motcua.agencies.models import Agency, Level
from motcua.agencies.selectors import LEVEL_ORDER, MONITORING_ROLES, PROVINCE_WIDE_KINDS, monitored_agencies
from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.dossiers.selectors import LIST_RELATED
from motcua.reports import drilldown
from motcua.reports.charts import (
    RankingInput,
    SeriesInput,
    grouped_bar_chart,
    line_chart,
    monthly_trend,
    ranking_chart,
)
from motcua.reports.export import workbook_bytes
from motcua.reports.models import Rate
from motcua.reports.periods import Period, month_period, parse_period
from motcua.reports.scoring import TT01_LABELS
from motcua.reports.selectors import CATALOG_LABELS, COUNT_LABELS, Scope, indicators_reports, resolve_scope

from .access import staff_required
from .forms_reports import ReportFilterForm, period_initial
from .views.common import page_of

# The rates shown as tiles at the top of the dashboard, in this order.
TILE_RATES = (
    Rate.ONLINE_SHARE,
    Rate.ON_TIME_RATE,
    Rate.POSTAL_SHARE,
    Rate.ONLINE_PAYMENT_SHARE,
    Rate.SATISFACTION_SHARE,
    Rate.ONLINE_PROCEDURE_SHARE,
)
# The rates compared across levels, with the short names of the chart's legend.
LEVEL_RATES = {
    Rate.ONLINE_SHARE: gettext_lazy("Trực tuyến"),
    Rate.ON_TIME_RATE: gettext_lazy("Đúng hạn"),
    Rate.POSTAL_SHARE: gettext_lazy("Bưu chính"),
    Rate.SATISFACTION_SHARE: gettext_lazy("Hài lòng"),
}
NO_ROLE = gettext_lazy("Trang báo cáo, giám sát dành cho cán bộ giám sát, lãnh đạo và quản trị của cơ quan.")


# --- Who sees what --------------------------------------------------------------------------------------------


@dataclass
class Monitoring:
    province_wide: bool
    agencies: list[tuple[str, str]]  # (code, name) of every monitored agency, province level first
    codes: set[str]
    default_agency: str  # the scope shown first: "" (the province) or the person's top agency


def _monitoring(request) -> Monitoring | None:
    """What the signed-in officer may monitor; None when they have no monitoring role."""
    user = request.user
    roles = [m for m in request.desk.memberships if m.role in MONITORING_ROLES]
    if not user.is_superuser and not roles:
        return None
    province_wide = user.is_superuser or any(
        m.agency.level == Level.PROVINCE and m.agency.kind in PROVINCE_WIDE_KINDS for m in roles
    )
    agencies = Agency.objects.all() if province_wide else monitored_agencies(user)
    rank = {level: index for index, level in enumerate(LEVEL_ORDER)}
    rows = sorted(
        agencies.values_list("pk", "code", "name", "level", "parent_id"),
        key=lambda row: (rank.get(row[3], len(rank)), row[2], row[1]),
    )
    ids = {row[0] for row in rows}
    tops = [row for row in rows if row[4] not in ids]
    default = "" if province_wide else (tops[0][1] if tops else "")
    return Monitoring(
        province_wide=province_wide,
        agencies=[(row[1], row[2]) for row in rows],
        codes={row[1] for row in rows},
        default_agency=default,
    )


def _forbidden(request, message: str):
    return render(request, "backoffice/reports/forbidden.html", {"message": message}, status=403)


# --- Reading the request --------------------------------------------------------------------------------------


@dataclass
class Choice:
    period: Period | None
    agency: str
    level: str
    scope: Scope | None
    form: ReportFilterForm
    errors: list[str]

    def query(self, **changes) -> str:
        params = {
            "period": self.period.code if self.period else "",
            "agency": self.agency,
            "level": self.level,
        }
        params.update(changes)
        return urlencode({key: value for key, value in params.items() if value})


def _choice(request, monitoring: Monitoring) -> Choice:
    """The period, agency and level asked for. PermissionDenied for an agency outside the person's scope."""
    params = request.GET
    today = timezone.localdate()
    agency = params.get("agency", monitoring.default_agency).strip()
    if not agency and not monitoring.province_wide:
        agency = monitoring.default_agency
    level = params.get("level", "").strip()
    errors: list[str] = []
    scope = None
    try:
        scope = resolve_scope(agency=agency, level=level)
    except ValidationFailed as error:
        errors.append(error.message)
    outside = scope is not None and (scope.agency is None or scope.agency.code not in monitoring.codes)
    if agency and agency not in monitoring.codes and outside:
        raise PermissionDenied(_("Bạn không theo dõi số liệu của cơ quan này."))
    if scope is not None and agency and scope.agency is not None:
        agency = scope.agency.code  # a QĐ 20/2020 code becomes the main code
    options = {
        "agencies": monitoring.agencies,
        "allow_all": monitoring.province_wide,
        "today": today,
    }
    period = None
    if params.get("kind"):
        form = ReportFilterForm(params, **options)
        if form.is_valid():
            try:
                period = parse_period(form.period_code())
            except ValidationFailed as error:
                errors.append(error.message)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        else:
            errors.extend(str(message) for messages in form.errors.values() for message in messages)
    else:
        code = params.get("period", "").strip() or month_period(today.year, today.month).code
        try:
            period = parse_period(code)
        except ValidationFailed as error:
            errors.append(error.message)
        shown = period or month_period(today.year, today.month)
        form = ReportFilterForm(
            initial={**period_initial(shown), "agency": agency, "level": level}, **options
        )
    return Choice(period=period, agency=agency, level=level, scope=scope, form=form, errors=errors)


def _scope_label(choice: Choice) -> str:
    scope = choice.scope
    parts = [scope.agency.name if scope and scope.agency else _("Toàn tỉnh")]
    if choice.level in Level.values:
        parts.append(str(Level(choice.level).label))
    return " · ".join(parts)


# --- Dashboard ------------------------------------------------------------------------------------------------


def _links(choice: Choice):
    base = reverse("backoffice:reports_dossiers")

    def drill(figure: str, **changes) -> str:
        return f"{base}?{choice.query(figure=figure, **changes)}"

    return drill


def _dashboard_context(choice: Choice) -> dict:
    period, scope = choice.period, choice.scope
    drill = _links(choice)
    dashboard_url = reverse("backoffice:reports_dashboard")
    reports = indicators_reports(period=period, scope=scope, group_bys=["agency", "level"])
    by_agency, by_level = reports["agency"], reports["level"]
    total = by_agency.total
    rates = []
    for rate in total.rates:
        numerator, denominator = drilldown.RATE_FIGURES[rate.code]
        rates.append(
            {
                "rate": rate,
                "numerator_href": drill(numerator),
                "denominator_href": drill(denominator),
                "tile": rate.code in TILE_RATES,
            }
        )
    rates_by_code = {row["rate"].code: row for row in rates}
    tiles = [rates_by_code[code] for code in TILE_RATES]
    counts = [
        {"code": code, "label": label, "value": total.counts[code], "href": drill(code)}
        for code, label in COUNT_LABELS.items()
    ]
    catalog = [
        {"code": code, "label": label, "value": total.catalog[code], "href": drill(code)}
        for code, label in CATALOG_LABELS.items()
    ]

    # Monthly trend: the twelve months up to the period's last month (or this month).
    today = timezone.localdate()
    trend = monthly_trend(scope, last=min(period.last_day, today))
    month_labels = [point.period.start.strftime("%m/%Y") for point in trend]
    online_target = total.rate(Rate.ONLINE_SHARE).target
    trend_chart = line_chart(
        month_labels,
        [
            SeriesInput(
                "online_share",
                str(Rate.ONLINE_SHARE.label),
                [point.online_share for point in trend],
                [drill("received_online", period=point.period.code) for point in trend],
            ),
            SeriesInput(
                "on_time_rate",
                str(Rate.ON_TIME_RATE.label),
                [point.on_time_rate for point in trend],
                [drill("resolved_in_time", period=point.period.code) for point in trend],
            ),
        ],
        targets=[(online_target, _("Chỉ tiêu trực tuyến %(n)s%%") % {"n": f"{online_target:g}"})]
        if online_target is not None
        else [],
    )
    trend_rows = [
        {
            "label": label,
            "point": point,
            "received": drill("received", period=point.period.code),
            "received_online": drill("received_online", period=point.period.code),
            "resolved": drill("resolved", period=point.period.code),
            "resolved_in_time": drill("resolved_in_time", period=point.period.code),
        }
        for label, point in zip(month_labels, trend, strict=True)
    ]

    # Ranking of agencies (TT 01/2018 score out of 18).
    ranked = sorted(
        by_agency.groups, key=lambda g: (g.rank is None, g.rank or 0, LEVEL_ORDER.index(g.level), g.label)
    )
    ranking_rows = []
    for group in ranked:
        ranking_rows.append(
            {
                "group": group,
                "level_label": Level(group.level).label if group.level else "",
                "href": f"{dashboard_url}?{choice.query(agency=group.key, level='')}",
                "received_href": drill("received", agency=group.key, level=""),
                "online": group.rate(Rate.ONLINE_SHARE),
                "on_time": group.rate(Rate.ON_TIME_RATE),
            }
        )
    chart_rows = [
        RankingInput(
            label=row["group"].label,
            score=row["group"].tt01.normalised,
            band=row["group"].tt01.band,
            band_label=row["group"].tt01.band_label,
            rank=row["group"].rank,
            href=row["href"],
        )
        for row in ranking_rows
        if row["group"].rank is not None
    ]

    # Levels compared.
    level_groups = by_level.groups
    levels_chart = grouped_bar_chart(
        [group.label for group in level_groups],
        [
            SeriesInput(
                code,
                str(short),
                [group.rate(code).percent for group in level_groups],
                [drill(drilldown.RATE_FIGURES[code][0], level=group.key) for group in level_groups],
            )
            for code, short in LEVEL_RATES.items()
        ],
    )
    return {
        "report": by_agency,
        "total": total,
        "tiles": tiles,
        "rates": rates,
        "counts": counts,
        "catalog": catalog,
        "tt01": total.tt01,
        "tt01_rows": [(item, TT01_LABELS[item.number]) for item in total.tt01.indicators],
        "d766": total.d766,
        "trend_chart": trend_chart,
        "trend_rows": trend_rows,
        "ranking_chart": ranking_chart(chart_rows),
        "ranking_rows": ranking_rows,
        "levels_chart": levels_chart,
        "level_groups": level_groups,
        "export_url": f"{reverse('backoffice:reports_export')}?{choice.query()}",
    }


@require_safe
@staff_required
def dashboard(request):
    monitoring = _monitoring(request)
    if monitoring is None:
        return _forbidden(request, NO_ROLE)
    try:
        choice = _choice(request, monitoring)
    except PermissionDenied as error:
        return _forbidden(request, error.message)
    context = {"choice": choice, "scope_label": _scope_label(choice), "monitoring": monitoring}
    if choice.errors or choice.period is None or choice.scope is None:
        return render(request, "backoffice/reports/dashboard.html", context, status=422)
    context.update(_dashboard_context(choice))
    return render(request, "backoffice/reports/dashboard.html", context)


# --- The dossiers behind a number ------------------------------------------------------------------------------


@require_safe
@staff_required
def dossier_list(request):
    monitoring = _monitoring(request)
    if monitoring is None:
        return _forbidden(request, NO_ROLE)
    figure = request.GET.get("figure", "")
    try:
        label = drilldown.figure_label(figure)
    except NotFound as error:
        raise Http404(error.message) from error
    try:
        choice = _choice(request, monitoring)
    except PermissionDenied as error:
        return _forbidden(request, error.message)
    context = {
        "choice": choice,
        "scope_label": _scope_label(choice),
        "figure": figure,
        "figure_label": label,
        "dashboard_url": f"{reverse('backoffice:reports_dashboard')}?{choice.query()}",
    }
    if choice.errors or choice.period is None or choice.scope is None:
        return render(request, "backoffice/reports/dossier_list.html", context, status=422)
    if figure in drilldown.PROCEDURE_FIGURES:
        procedures = drilldown.procedures_behind(period=choice.period, scope=choice.scope, figure=figure)
        context["listing"] = "procedures"
        context["procedures"] = page_of(
            request, procedures.select_related("current_version").order_by("national_code")
        )
    else:
        dossiers = drilldown.dossiers_behind(period=choice.period, scope=choice.scope, figure=figure)
        context["listing"] = "dossiers"
        count = drilldown.count_behind(period=choice.period, scope=choice.scope, figure=figure)
        context["page"] = page_of(request, Counted(dossiers.select_related(*LIST_RELATED), count))
    return render(request, "backoffice/reports/dossier_list.html", context)


class Counted:
    """A queryset whose length is known beforehand (the paginator asks ``count()``, then slices)."""

    ordered = True

    def __init__(self, queryset, count: int):
        self.queryset, self.total = queryset, count

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item):
        return self.queryset[item]


# --- Excel ----------------------------------------------------------------------------------------------------


@require_safe
@staff_required
def export(request):
    monitoring = _monitoring(request)
    if monitoring is None:
        return _forbidden(request, NO_ROLE)
    try:
        choice = _choice(request, monitoring)
    except PermissionDenied as error:
        return _forbidden(request, error.message)
    if choice.errors or choice.period is None or choice.scope is None:
        context = {"choice": choice, "scope_label": _scope_label(choice), "monitoring": monitoring}
        return render(request, "backoffice/reports/dashboard.html", context, status=422)
    reports = indicators_reports(period=choice.period, scope=choice.scope, group_bys=["agency", "level"])
    content = workbook_bytes(reports["agency"], reports["level"])
    name = "bao-cao-{}{}.xlsx".format(
        choice.period.code.replace("..", "_"), f"-{choice.scope.agency.code}" if choice.scope.agency else ""
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
