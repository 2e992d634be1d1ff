"""TT 01/2018 and Decision 766 formulas on numbers worked out by hand; targets in force by date and level."""

from __future__ import annotations

from datetime import date

import pytest

from motcua.reports import scoring
from motcua.reports.models import Target
from motcua.reports.selectors import report_for, targets_in_force


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (18, "excellent"),
        (15, "excellent"),
        (14.9, "good"),
        (12, "good"),
        (11.9, "fair"),
        (9, "fair"),
        (8.9, "average"),
        (6, "average"),
        (5.9, "weak"),
        (0, "weak"),
    ],
)
def test_ranking_bands_with_exactly_15_excellent(score, band):
    assert scoring.band(score)[0] == band


def test_indicator_score_is_the_average_rounded_half_up_to_one_decimal():
    assert scoring.score_average(3, 2) == 1.5
    assert scoring.score_average(5, 4) == 1.3  # 1.25 → 1.3 (half up, not banker's 1.2)
    assert scoring.score_average(2, 3) == 0.7
    assert scoring.score_average(0, 0) is None


@pytest.mark.parametrize(
    ("kwargs", "score"),
    [
        # 20 TTHC, 4 online (20%); 100 dossiers, 30 online (30%); none late → 2
        (
            {
                "procedures": 20,
                "online_procedures": 4,
                "received": 100,
                "received_online": 30,
                "online_late": 0,
            },
            2.0,
        ),
        # 3 of 20 online (15%) → not 2; 30% online, none late → 1
        (
            {
                "procedures": 20,
                "online_procedures": 3,
                "received": 100,
                "received_online": 30,
                "online_late": 0,
            },
            1.0,
        ),
        # 15% online dossiers → 1; 14% → 0
        (
            {
                "procedures": 20,
                "online_procedures": 10,
                "received": 100,
                "received_online": 15,
                "online_late": 0,
            },
            1.0,
        ),
        (
            {
                "procedures": 20,
                "online_procedures": 10,
                "received": 100,
                "received_online": 14,
                "online_late": 0,
            },
            0.0,
        ),
        # one online dossier late → 0
        (
            {
                "procedures": 20,
                "online_procedures": 10,
                "received": 100,
                "received_online": 60,
                "online_late": 1,
            },
            0.0,
        ),
        # no level 3/4 service → 0; no dossier → missing
        (
            {
                "procedures": 20,
                "online_procedures": 0,
                "received": 100,
                "received_online": 50,
                "online_late": 0,
            },
            0.0,
        ),
        (
            {
                "procedures": 20,
                "online_procedures": 10,
                "received": 0,
                "received_online": 0,
                "online_late": 0,
            },
            None,
        ),
    ],
)
def test_indicator_9_online_delivery(kwargs, score):
    assert scoring.score_online_delivery(**kwargs) == score


@pytest.mark.parametrize(
    ("kwargs", "score"),
    [
        ({"received": 0, "answered": 0, "on_time": 0, "protracted": 0}, 2.0),
        ({"received": 10, "answered": 10, "on_time": 10, "protracted": 0}, 2.0),
        ({"received": 10, "answered": 10, "on_time": 9, "protracted": 0}, 1.0),  # 90%
        ({"received": 10, "answered": 10, "on_time": 8, "protracted": 0}, 0.0),  # 80%
        ({"received": 10, "answered": 9, "on_time": 9, "protracted": 1}, 0.0),  # one protracted
    ],
)
def test_indicator_8_petitions(kwargs, score):
    assert scoring.score_petitions(**kwargs) == score


def test_missing_indicators_are_left_out_and_the_sum_brought_back_to_18():
    indicators = [scoring.IndicatorScore(n, None, 0, "none") for n in range(1, 10)]
    indicators[0] = scoring.IndicatorScore(1, 1.5, 10, "system")
    indicators[2] = scoring.IndicatorScore(3, 2.0, 10, "system")
    indicators[8] = scoring.IndicatorScore(9, 1.0, 10, "system")
    result = scoring.tt01_result(indicators)
    # 1.5 + 2 + 1 = 4.5 of 6 → 4.5 × 18 / 6 = 13.5 → tốt
    assert (result.total, result.max_available, result.normalised, result.band) == (4.5, 6, 13.5, "good")
    assert (result.staff_score, result.staff_max) == (3.5, 4)
    empty = scoring.tt01_result([scoring.IndicatorScore(n, None, 0, "none") for n in range(1, 10)])
    assert (empty.total, empty.normalised, empty.band) == (None, None, None)


def test_decision_766_formulas():
    assert scoring.d766_progress(45, 50) == 18.0  # 20 × 0.9
    assert scoring.d766_progress(60, 50) == 20.0  # capped
    assert scoring.d766_progress(0, 0) is None
    # A = 0.5 → min(2, 1.25) = 1.25; B = 0.25 → 1; C = 0.2 → min(6, 2.4) = 2.4
    assert scoring.d766_online(0.5, 0.25, 0.2) == (1.25, 1.0, 2.4)
    assert scoring.d766_online(1.0, 1.0, 0.9) == (2.0, 4.0, 6.0)
    # A = 0.5 → 3; B = 0.4 → min(2, 1) = 1; C = 0.6 → 1.5
    assert scoring.d766_payment(0.5, 0.4, 0.6) == (3.0, 1.0, 1.5)
    # Satisfaction: full 6 points from 90%; 45% → 3
    assert scoring.d766_share(6, 0.95, full_at=0.9) == 6.0
    assert scoring.d766_share(6, 0.45, full_at=0.9) == 3.0
    group = scoring.Group(
        "online_payment",
        "",
        10,
        [
            scoring.Component("a", "", 6, 6.0),
            scoring.Component("b", "", 2, 2.0),
            scoring.Component("c", "", 2.5, 2.5),
        ],
        cap=10,
    )
    assert group.score == 10.0  # 10.5 capped at 10


@pytest.mark.django_db
def test_targets_in_force_by_date_and_level(province):
    # Seeded: online share 20% until 31/12/2020, 50% from 01/01/2021.
    assert targets_in_force(date(2020, 12, 31))[""]["online_share"] == 20.0
    assert targets_in_force(date(2021, 1, 1))[""]["online_share"] == 50.0
    assert "satisfaction_share" not in targets_in_force(date(2022, 6, 22))[""]
    assert targets_in_force(date(2022, 6, 23))[""]["satisfaction_share"] == 90.0
    # A province sets its own commune-level target; it wins over the general one for communes only.
    Target.objects.create(rate="online_share", level="commune", minimum=70, effective_from=date(2025, 1, 1))
    commune = report_for(period="2026-Q1", agency=province.commune.code)
    department = report_for(period="2026-Q1", agency=province.justice.code)
    assert commune.total.rate("online_share").target == 70.0
    assert department.total.rate("online_share").target == 50.0
