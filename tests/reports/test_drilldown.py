"""Every figure's list of dossiers (or procedures) counts exactly what the number counts.

Fixture data: the imported 2020 history of test_indicators.py, the native March 2026 dossiers of
test_native_dossiers.py and two ratings given in the feedback app; every figure is compared for several periods
(whole months, quarters, years, date ranges, a period that is not over) and scopes (everything, one agency with
its sub-agencies, one level).
"""

from __future__ import annotations

import pytest

from motcua.core.errors import NotFound
from motcua.feedback import services as feedback
from motcua.reports.drilldown import (
    DOSSIER_FIGURES,
    PROCEDURE_FIGURES,
    RATE_FIGURES,
    count_behind,
    dossiers_behind,
    procedures_behind,
)
from motcua.reports.periods import parse_period
from motcua.reports.selectors import indicators_report, resolve_scope

from .conftest import at
from .test_native_dossiers import march  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

PERIODS = ["2020-Q2", "2020-04", "2020-07", "2020", "2020-03-25..2020-05-10", "2026-03", "2026-Q1", "2026"]


@pytest.fixture
def everything(history, march, clock):  # noqa: F811
    from motcua.dossiers.models import Dossier

    clock.move_to(at(21, 10))
    resolved = Dossier.objects.filter(imported=False, status=9).order_by("pk")
    assert resolved.count() == 2
    feedback.rating_submit(dossier=resolved[0], overall=3, phone="0912345678")
    feedback.rating_submit(dossier=resolved[1], overall=1, phone="0912345678")
    return history


def _scopes(province) -> list[dict]:
    return [
        {},
        {"agency": province.justice.code},
        {"agency": province.root.code},
        {"agency": province.district.code},
        {"level": "commune"},
        {"level": "province"},
    ]


def _expected(counts: dict, figure: str) -> int:
    if figure == "resolved_in_time":
        return counts["resolved_early"] + counts["resolved_on_time"]
    return counts[figure]


@pytest.mark.parametrize("code", PERIODS)
def test_each_dossier_list_counts_what_its_number_counts(everything, code):
    period = parse_period(code)
    checked = 0
    for filters in _scopes(everything):
        scope = resolve_scope(**filters)
        counts = indicators_report(period=period, scope=scope).total.counts
        for figure in DOSSIER_FIGURES:
            listed = dossiers_behind(period=period, scope=scope, figure=figure)
            assert listed.count() == _expected(counts, figure), (code, filters, figure)
            assert count_behind(period=period, scope=scope, figure=figure) == listed.count()
            checked += _expected(counts, figure)
    assert checked > 0 or code == "2020-07"


def test_the_fixture_feeds_every_dossier_figure(everything):
    """Guard against a vacuous comparison: over the periods above, every figure is non-zero at least once."""
    seen = set()
    for code in PERIODS:
        counts = indicators_report(period=parse_period(code), scope=resolve_scope()).total.counts
        seen |= {figure for figure in DOSSIER_FIGURES if _expected(counts, figure)}
    assert seen == set(DOSSIER_FIGURES) - {"refused"}  # no refusal after appraisal in the fixture
    # the ratings of March 2026 come from the feedback app (the imported ones are from 2020)
    counts = indicators_report(period=parse_period("2026-03"), scope=resolve_scope()).total.counts
    assert (counts["ratings"], counts["satisfied"]) == (2, 1)


def test_refused_lists_the_refusals_after_appraisal(province, clock):
    dossier = province.register()
    province.refuse(dossier)
    period, scope = parse_period("2026-03"), resolve_scope(agency=province.justice.code)
    counts = indicators_report(period=period, scope=scope).total.counts
    listed = dossiers_behind(period=period, scope=scope, figure="refused")
    assert counts["refused"] == 1
    assert list(listed.values_list("code", flat=True)) == [dossier.code]


def test_lists_hold_the_right_dossiers_not_only_the_right_number(history):
    period, scope = parse_period("2020-Q2"), resolve_scope(agency=history.justice.code)
    codes = lambda figure: sorted(  # noqa: E731
        dossiers_behind(period=period, scope=scope, figure=figure).values_list("code", flat=True)
    )
    assert codes("carried_over") == ["D1"]
    assert codes("received_online") == ["D10", "D2", "D3"]
    assert codes("resolved_late") == ["D1"]
    assert codes("pending_overdue") == ["D10", "D4"]
    assert codes("pending_in_time") == ["D5"]
    assert codes("not_received") == ["D7"]
    assert codes("satisfied") == ["D2"]
    assert codes("ratings") == ["D2", "D3"]
    # another agency's dossiers are never in the list
    assert "D11" not in codes("received") and "D12" not in codes("received")


@pytest.mark.parametrize("code", ["2020-Q2", "2026-03"])
def test_each_procedure_list_counts_what_its_catalog_number_counts(everything, code):
    period = parse_period(code)
    for filters in _scopes(everything):
        scope = resolve_scope(**filters)
        catalog = indicators_report(period=period, scope=scope).total.catalog
        for figure in PROCEDURE_FIGURES:
            assert procedures_behind(period=period, scope=scope, figure=figure).count() == catalog[figure], (
                filters,
                figure,
            )


def test_every_rate_has_a_listable_numerator_and_denominator():
    from motcua.reports.models import Rate

    assert set(RATE_FIGURES) == set(Rate.values)
    for numerator, denominator in RATE_FIGURES.values():
        for figure in (numerator, denominator):
            assert figure in DOSSIER_FIGURES or figure in PROCEDURE_FIGURES


def test_an_unknown_figure_is_not_found(history):
    with pytest.raises(NotFound):
        dossiers_behind(period=parse_period("2020"), scope=resolve_scope(), figure="nonsense")
    with pytest.raises(NotFound):
        procedures_behind(period=parse_period("2020"), scope=resolve_scope(), figure="received")


@pytest.mark.parametrize("code", ["2020-Q2", "2020", "2026-03", "2020-04-10..2020-05-20"])
def test_one_reading_for_agencies_levels_and_total_gives_the_same_reports(everything, code):
    from motcua.reports.export import report_to_dict
    from motcua.reports.selectors import indicators_reports

    period = parse_period(code)
    for filters in _scopes(everything):
        scope = resolve_scope(**filters)
        together = indicators_reports(period=period, scope=scope, group_bys=["agency", "level"])
        for group_by in ("agency", "level"):
            alone = indicators_report(period=period, scope=scope, group_by=group_by)
            assert report_to_dict(together[group_by]) == report_to_dict(alone), (code, filters, group_by)
