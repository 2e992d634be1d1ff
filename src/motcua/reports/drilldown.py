"""What is behind each figure of the indicators report: the dossiers (or procedures) a number counts.

The report reads counters (``aggregates``); these lists read the stored per-dossier facts (``DossierFact``) the
counters are sums of, with the same rules written as conditions, so a list holds exactly the dossiers its
number counts (tested figure by figure in tests/reports/test_drilldown.py):

* a flow (received, resolved, withdrawn ...) of the period [start, end) = facts whose day falls in it;
* the stock at 00:00 of a day B (carried over: B = first day; pending: B = the day after the last day, at
  most tomorrow for a period that is not over) = received before B and not closed before B; overdue
  among them = its overdue day is before B;
* ratings = imported ratings (on the fact) plus the feedback app's ratings given in the period for dossiers
  of the scope's agencies (like ``feedback_figures``, which counts those per agency only).

The catalog figures count procedures, not dossiers: :func:`procedures_behind` lists them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from motcua.catalog.models import Channel, OnlineServiceLevel, Procedure
from motcua.core.errors import NotFound
from motcua.dossiers.models import Dossier

from . import feedback_figures
from .models import RESOLVED_OUTCOMES, DossierFact, Outcome, Rate
from .periods import Period
from .selectors import (
    CATALOG_LABELS,
    COUNT_LABELS,
    Scope,
    _period_end_moment,
    _scope_entries,
    catalog_in_force,
    procedures_with_activity,
)

# Dossier figures that can be listed: every count of the report, plus the numerator of the on-time rate.
DOSSIER_FIGURES = {
    **COUNT_LABELS,
    "resolved_in_time": gettext_lazy("Giải quyết trước hạn và đúng hạn"),
}
PROCEDURE_FIGURES = dict(CATALOG_LABELS)

# Each rate's numerator and denominator as listable figures.
RATE_FIGURES = {
    Rate.ONLINE_SHARE: ("received_online", "received"),
    Rate.POSTAL_SHARE: ("received_postal", "received"),
    Rate.POSTAL_RETURN_SHARE: ("postal_return", "received"),
    Rate.ON_TIME_RATE: ("resolved_in_time", "resolved"),
    Rate.ONLINE_ON_TIME_RATE: ("online_resolved_in_time", "online_resolved"),
    Rate.ONLINE_PROCEDURE_SHARE: ("online_procedures", "procedures"),
    Rate.FULL_ONLINE_PROCEDURE_SHARE: ("full_online_procedures", "procedures"),
    Rate.ONLINE_PROCEDURE_USED_SHARE: ("online_procedures_used", "online_procedures"),
    Rate.ONLINE_PAYMENT_SHARE: ("paid_online", "with_obligation"),
    Rate.SATISFACTION_SHARE: ("satisfied", "ratings"),
}

ONLINE = Q(channel=Channel.ONLINE)
IN_TIME = (Outcome.EARLY, Outcome.ON_TIME)


def figure_label(figure: str) -> str:
    label = DOSSIER_FIGURES.get(figure) or PROCEDURE_FIGURES.get(figure)
    if label is None:
        raise NotFound(gettext_lazy("Không có chỉ số “%(figure)s”.") % {"figure": figure})
    return str(label)


def stock_boundaries(period: Period) -> tuple[date, date]:
    """The moments (00:00 of these days) of the carried-over and the pending stock, as the report takes them."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return min(period.start, tomorrow), min(period.end, tomorrow)


def _between(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _pending_at(boundary: date) -> Q:
    return Q(received_on__lt=boundary) & (Q(closed_on__isnull=True) | Q(closed_on__gte=boundary))


def _overdue_at(boundary: date) -> Q:
    return _pending_at(boundary) & Q(overdue_on__lt=boundary)


def fact_condition(figure: str, period: Period) -> Q:
    """The condition on ``DossierFact`` of the dossiers ``figure`` counts over ``period``."""
    start_stock, end_stock = stock_boundaries(period)
    received = _between("received_on", period)
    closed = _between("closed_on", period)
    resolved = closed & Q(outcome__in=RESOLVED_OUTCOMES)
    conditions = {
        "carried_over": _pending_at(start_stock),
        "received": received,
        "received_direct": received & Q(channel=Channel.DIRECT),
        "received_online": received & ONLINE,
        "received_postal": received & Q(channel=Channel.POSTAL),
        "resolved": resolved,
        "resolved_early": closed & Q(outcome=Outcome.EARLY),
        "resolved_on_time": closed & Q(outcome=Outcome.ON_TIME),
        "resolved_late": closed & Q(outcome=Outcome.LATE),
        "resolved_in_time": closed & Q(outcome__in=IN_TIME),
        "refused": resolved & Q(refused=True),
        "withdrawn": closed & Q(outcome=Outcome.WITHDRAWN),
        "stopped": closed & Q(outcome=Outcome.STOPPED),
        "pending": _pending_at(end_stock),
        "pending_in_time": _pending_at(end_stock)
        & (Q(overdue_on__isnull=True) | Q(overdue_on__gte=end_stock)),
        "pending_overdue": _overdue_at(end_stock),
        "not_received": _between("not_received_on", period),
        "online_resolved": resolved & ONLINE,
        "online_resolved_in_time": closed & Q(outcome__in=IN_TIME) & ONLINE,
        "online_resolved_late": closed & Q(outcome=Outcome.LATE) & ONLINE,
        "online_pending_overdue": _overdue_at(end_stock) & ONLINE,
        "with_obligation": received & Q(obligation=True),
        "paid_online": received & Q(paid_online=True),
        "postal_return": received & Q(postal_return=True),
        "ratings": _between("rated_on", period) & Q(satisfied__isnull=False),
        "satisfied": _between("rated_on", period) & Q(satisfied=True),
    }
    assert set(conditions) == set(DOSSIER_FIGURES)
    if figure not in conditions:
        raise NotFound(gettext_lazy("Không có chỉ số “%(figure)s”.") % {"figure": figure})
    return conditions[figure]


def _scope_condition(scope: Scope) -> Q:
    """The scope as a condition on ``DossierFact`` (the report's ``Scope.counter_filter``)."""
    return scope.counter_filter()


def _through_fact(condition: Q) -> Q:
    """A condition on ``DossierFact`` rewritten for ``Dossier`` (its one-to-one ``report_fact``)."""
    rewritten = Q(
        *(
            _through_fact(child) if isinstance(child, Q) else (f"report_fact__{child[0]}", child[1])
            for child in condition.children
        ),
        _connector=condition.connector,
        _negated=condition.negated,
    )
    return rewritten


# The day each list is sorted by (newest first): the day its figure counts the dossier on.
SORT_DAYS = {
    **{figure: "received_on" for figure in DOSSIER_FIGURES},
    **{
        figure: "closed_on"
        for figure in (
            "resolved",
            "resolved_early",
            "resolved_on_time",
            "resolved_late",
            "resolved_in_time",
            "refused",
            "withdrawn",
            "stopped",
            "online_resolved",
            "online_resolved_in_time",
            "online_resolved_late",
        )
    },
    "not_received": "not_received_on",
}


def _feedback_ratings(figure: str, period: Period, scope: Scope) -> Q | None:
    """Dossiers rated in the feedback app within the period, as counted by ``feedback_figures``."""
    if figure not in ("ratings", "satisfied") or not feedback_figures.available():
        return None
    ratings = feedback_figures.feedback.ratings_in_period(start=period.start, end=period.last_day)
    if scope.all_agencies:
        ratings = ratings.filter(dossier__competent_agency__isnull=False)
    else:
        ratings = ratings.filter(dossier__competent_agency_id__in=scope.agency_ids)
    if figure == "satisfied":
        ratings = ratings.filter(overall__in=feedback_figures.SATISFIED)
    return Q(pk__in=ratings.values("dossier_id"))


def dossiers_behind(*, period: Period, scope: Scope, figure: str) -> QuerySet[Dossier]:
    """The dossiers ``figure`` counts for ``scope`` over ``period``, the latest first (by the day the figure
    counts them on: reception, result, ...; then the newest dossier).

    The facts are joined (one-to-one) rather than read in a subquery, so a page of a long list walks the
    facts' day index instead of sorting every dossier of the period. Not an access gate: the caller decides
    who may see the scope (the back office checks the agencies a supervisor monitors before calling this).
    """
    condition = _through_fact(_scope_condition(scope) & fact_condition(figure, period))
    ratings = _feedback_ratings(figure, period, scope)
    if ratings is not None:
        condition |= ratings
    day = SORT_DAYS.get(figure, "received_on")
    if figure in ("ratings", "satisfied"):
        day = "rated_on"
    return Dossier.objects.filter(condition).order_by(
        F(f"report_fact__{day}").desc(nulls_last=True), F("pk").desc()
    )


def count_behind(*, period: Period, scope: Scope, figure: str) -> int:
    """``dossiers_behind(...).count()`` read from the facts alone (each fact is one dossier's), so counting a long
    list does not join every dossier of the province."""
    if figure in ("ratings", "satisfied") and feedback_figures.available():
        return dossiers_behind(period=period, scope=scope, figure=figure).count()
    return DossierFact.objects.filter(_scope_condition(scope) & fact_condition(figure, period)).count()


def procedures_behind(*, period: Period, scope: Scope, figure: str) -> QuerySet[Procedure]:
    """The procedures a catalog figure counts (under the scope's authority, in force on the period's last day)."""
    if figure not in PROCEDURE_FIGURES:
        raise NotFound(gettext_lazy("Không có chỉ số “%(figure)s”.") % {"figure": figure})
    entries = _scope_entries(scope, catalog_in_force(_period_end_moment(period)))
    online = [e for e in entries if e.level >= OnlineServiceLevel.PARTIAL]
    fee = [e for e in entries if e.fee_bearing]
    if figure in ("online_procedures_used", "fee_procedures_paid_online"):
        activity = procedures_with_activity(scope, period.start, period.end, by_agency=False).get(None)
        used = (
            (activity.online if figure == "online_procedures_used" else activity.paid) if activity else set()
        )
    chosen = {
        "procedures": lambda: entries,
        "online_procedures": lambda: online,
        "partial_online_procedures": lambda: [e for e in online if e.level == OnlineServiceLevel.PARTIAL],
        "full_online_procedures": lambda: [e for e in online if e.level == OnlineServiceLevel.FULL],
        "online_procedures_used": lambda: [e for e in online if e.procedure_id in used],
        "fee_procedures": lambda: fee,
        "fee_procedures_paid_online": lambda: [e for e in fee if e.procedure_id in used],
        "fee_procedures_payable_online": lambda: [e for e in fee if e.payable_online],
    }[figure]()
    return Procedure.objects.filter(pk__in={entry.procedure_id for entry in chosen})
