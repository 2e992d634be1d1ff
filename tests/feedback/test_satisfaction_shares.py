"""Satisfaction shares per agency and period (satisfaction.md §7) against hand-computed figures.

Fixture (ratings given in March 2026 unless said otherwise; levels 3 rất hài lòng, 2 hài lòng, 1 chưa hài lòng):

    Sở Tư pháp    d1: 3 (staff_attitude 3, processing_time 3)
                  d2: 3 (staff_attitude 1, processing_time 3)
                  d3: 2 (staff_attitude 2)
                  d4: 1
                  d5: 2   rated 31/03 23:59
                  d6: 3   rated 01/04 00:00 (April)
    Sở Tài chính  e1: 1
                  e2: 2

Sở Tư pháp, March: 5 forms; satisfied 4 → 4/5 × 100 = 80.0 %; points 2+2+1+0+1 = 6 → 6/5 = 1.2;
levels 2/5 = 40.0 %, 2/5 = 40.0 %, 1/5 = 20.0 %.
  staff_attitude: 3 forms, points 2+0+1 = 3 → 1.0, satisfied 2/3 = 66.7 %;
  processing_time: 2 forms, points 4 → 2.0, satisfied 100.0 %.
Sở Tài chính, March: 2 forms, satisfied 1 → 50.0 %, points 1 → 0.5.
All of March: 7 forms, satisfied 5 → 71.4 % (71.43), points 7 → 1.0.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from motcua.core.errors import ValidationFailed
from motcua.feedback import selectors, services

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}


@pytest.fixture
def rated(world, clock):
    plan = [
        (world.department, 3, {"staff_attitude": 3, "processing_time": 3}, at(3)),
        (world.department, 3, {"staff_attitude": 1, "processing_time": 3}, at(4)),
        (world.department, 2, {"staff_attitude": 2}, at(5)),
        (world.department, 1, {}, at(6)),
        (world.department, 2, {}, at(31, 23, 59)),
        (world.department, 3, {}, at(1, 0, 0, month=4)),
        (world.other_department, 1, {}, at(10)),
        (world.other_department, 2, {}, at(11)),
    ]
    dossiers = [world.returned(department=department) for department, *_rest in plan]
    for dossier, (_department, overall, answers, moment) in zip(dossiers, plan, strict=True):
        clock.move_to(moment)
        services.rating_submit(dossier=dossier, overall=overall, answers=answers, account=world.citizen)
    return world


def test_one_agency_in_one_period(rated):
    summary = selectors.satisfaction_summary(agency=rated.department, **MARCH)
    assert summary.forms == 5
    assert summary.by_level == {1: 1, 2: 2, 3: 2}
    assert summary.points == 6
    assert summary.satisfied_percent == Decimal("80.0")
    assert summary.average == Decimal("1.2")
    assert summary.level_percent == {1: Decimal("20.0"), 2: Decimal("40.0"), 3: Decimal("40.0")}
    scores = {score.criterion.code: score for score in summary.criteria}
    assert list(scores) == ["processing_time", "staff_attitude"]  # in the criteria's order, answered only
    assert (scores["staff_attitude"].forms, scores["staff_attitude"].points) == (3, 3)
    assert scores["staff_attitude"].average == Decimal("1.0")
    assert scores["staff_attitude"].satisfied_percent == Decimal("66.7")
    assert (scores["processing_time"].forms, scores["processing_time"].average) == (2, Decimal("2.0"))
    assert scores["processing_time"].satisfied_percent == Decimal("100.0")


def test_the_period_ends_at_midnight_local_time(rated):
    april = selectors.satisfaction_summary(
        agency=rated.department, start=date(2026, 4, 1), end=date(2026, 4, 30)
    )
    assert (april.forms, april.satisfied_percent) == (1, Decimal("100.0"))
    last_day = selectors.satisfaction_summary(
        agency=rated.department, start=date(2026, 3, 31), end=date(2026, 3, 31)
    )
    assert last_day.forms == 1


def test_all_agencies_and_the_receiving_role(rated):
    everything = selectors.satisfaction_summary(**MARCH)
    assert (everything.forms, everything.points) == (7, 7)
    assert everything.satisfied_percent == Decimal("71.4")
    assert everything.average == Decimal("1.0")
    by_receiving = selectors.satisfaction_summary(agency=rated.center, agency_role="receiving", **MARCH)
    assert by_receiving.forms == 7
    assert selectors.satisfaction_summary(agency=rated.center, **MARCH).forms == 0  # it decides none


def test_per_agency_rows_in_one_query(rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {row.agency_name: row.summary for row in selectors.satisfaction_by_agency(**MARCH)}
    assert set(rows) == {"Sở Tư pháp", "Sở Tài chính"}
    assert (rows["Sở Tư pháp"].forms, rows["Sở Tư pháp"].satisfied_percent) == (5, Decimal("80.0"))
    assert (rows["Sở Tài chính"].forms, rows["Sở Tài chính"].satisfied_percent) == (2, Decimal("50.0"))
    assert rows["Sở Tài chính"].average == Decimal("0.5")


def test_an_empty_period_has_no_percentages(world):
    summary = selectors.satisfaction_summary(**MARCH)
    assert summary.forms == 0
    assert summary.satisfied_percent is None and summary.average is None
    assert summary.by_level == {1: 0, 2: 0, 3: 0}


def test_rounding_is_half_up_to_one_decimal():
    assert selectors.round1(1, 16, scale=100) == Decimal("6.3")  # 6.25; banker's rounding would give 6.2
    assert selectors.round1(2, 3, scale=100) == Decimal("66.7")
    assert selectors.round1(5, 7, scale=100) == Decimal("71.4")
    assert selectors.round1(3, 0) is None


def test_a_reversed_period_or_unknown_role_is_refused(world):
    with pytest.raises(ValidationFailed):
        selectors.satisfaction_summary(start=date(2026, 3, 31), end=date(2026, 3, 1))
    with pytest.raises(ValidationFailed):
        selectors.satisfaction_summary(agency_role="owner", **MARCH)
