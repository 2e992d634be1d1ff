"""Every indicator against a small history whose figures were computed by hand (comments below).

The history is loaded with the CSV importer (explicit timestamps), so it also shows that imported dossiers
count exactly like native ones. Period under test: 2020-Q2 = 01/04/2020 00:00 … 30/06/2020 24:00.

    code  agency        channel  received      due           finished       status  notes
    D1    Sở Tư pháp    direct   20/03 09:00   27/03 17:00   02/04 10:00    10      carried over, overdue at 01/04, late
    D2    Sở Tư pháp    online   06/04 08:00   10/04 17:00   08/04 15:00    9       early; paid online; rating 3
    D3    Sở Tư pháp    online   15/04 10:00   20/04 17:00   20/04 16:00    10      on time (same day); paid, not online; rating 1
    D4    Sở Tư pháp    postal   05/05 09:00   12/05 17:00   —              4       pending, overdue since 12/05; postal return
    D5    Sở Tư pháp    direct   25/06 09:00   03/07 17:00   —              2       pending, in time at 01/07
    D6    Sở Tư pháp    direct   10/05 09:00   —             11/05 (withdrawn) 7
    D7    Sở Tư pháp    online   (submitted 20/05)           21/05 (refused) 3    not received
    D8    Sở Tư pháp    direct   02/07 09:00   —             —              2       after the period
    D9    Sở Tư pháp    direct   01/02 09:00   10/02 17:00   08/02 10:00    10      before the period
    D10   Sở Tư pháp    online   29/06 09:00   30/06 10:00   02/07 09:00    9       received in Q2, pending and overdue at 01/07
    D11   UBND xã       direct   10/04 08:00   14/04 17:00   14/04 17:00    10      on time (exactly at the appointment)
    D12   Sở Xây dựng   direct   04/05 08:00   20/05 17:00   15/05 (stopped) 8
"""

from __future__ import annotations

import pytest

from motcua.core.errors import ValidationFailed
from motcua.reports.selectors import report_for

pytestmark = pytest.mark.django_db


def rates(figures: dict | object) -> dict:
    return {rate.code: rate for rate in figures.rates}


def test_counts_of_one_department_for_a_quarter(history):
    report = report_for(period="2020-Q2", agency=history.justice.code)
    counts = report.total.counts
    # carried over: D1 (received 20/03, pending at 01/04). Received in Q2: D2, D3, D4, D5, D6, D10.
    assert counts["carried_over"] == 1
    assert (
        counts["received"],
        counts["received_direct"],
        counts["received_online"],
        counts["received_postal"],
    ) == (
        6,
        2,  # D5, D6
        3,  # D2, D3, D10
        1,  # D4
    )
    # Resolved in Q2: D1 late (02/04 > 27/03), D2 early (08/04 < 10/04), D3 on time (20/04 16:00 ≤ 17:00).
    assert (
        counts["resolved"],
        counts["resolved_early"],
        counts["resolved_on_time"],
        counts["resolved_late"],
    ) == (
        3,
        1,
        1,
        1,
    )
    assert (counts["withdrawn"], counts["stopped"], counts["not_received"]) == (1, 0, 1)  # D6; D7
    # Pending at 01/07 00:00: D4 (overdue since 12/05), D5 (due 03/07), D10 (due 30/06, result 02/07).
    assert (counts["pending"], counts["pending_in_time"], counts["pending_overdue"]) == (3, 1, 2)
    # Stock balance: carried over + received = resolved + withdrawn + stopped + pending.
    assert 1 + 6 == 3 + 1 + 0 + 3
    # Online: D2 and D3 resolved in time, none late; D10 pending overdue.
    assert (
        counts["online_resolved"],
        counts["online_resolved_in_time"],
        counts["online_resolved_late"],
        counts["online_pending_overdue"],
    ) == (2, 2, 0, 1)
    # Financial obligation: D2 (paid online), D3 (paid, not online). Postal return: D4. Ratings: D2 (3), D3 (1).
    assert (counts["with_obligation"], counts["paid_online"], counts["postal_return"]) == (2, 1, 1)
    assert (counts["ratings"], counts["satisfied"]) == (2, 1)


def test_rates_targets_and_catalog_of_one_department(history):
    report = report_for(period="2020-Q2", agency=history.justice.code)
    # Sở Tư pháp is named competent for one procedure: level 4, fee-bearing, payable online, with online
    # dossiers (D2, D3, D10) and an online payment (D2) in the quarter.
    assert report.total.catalog == {
        "procedures": 1,
        "online_procedures": 1,
        "partial_online_procedures": 0,
        "full_online_procedures": 1,
        "online_procedures_used": 1,
        "fee_procedures": 1,
        "fee_procedures_paid_online": 1,
        "fee_procedures_payable_online": 1,
    }
    found = {
        code: (rate.percent, rate.numerator, rate.denominator) for code, rate in rates(report.total).items()
    }
    assert found == {
        "online_share": (50.0, 3, 6),
        "postal_share": (16.7, 1, 6),
        "postal_return_share": (16.7, 1, 6),
        "on_time_rate": (66.7, 2, 3),
        "online_on_time_rate": (100.0, 2, 2),
        "online_procedure_share": (100.0, 1, 1),
        "full_online_procedure_share": (100.0, 1, 1),
        "online_procedure_used_share": (100.0, 1, 1),
        "online_payment_share": (50.0, 1, 2),
        "satisfaction_share": (50.0, 1, 2),
    }
    # Targets in force on 30/06/2020 (the seeded defaults): online share 20% (50% only from 2021), postal 10%,
    # TTHC online 60%, fully online 30%; the 90% satisfaction threshold applies from 23/06/2022.
    targets = {code: (rate.target, rate.target_met) for code, rate in rates(report.total).items()}
    assert targets["online_share"] == (20.0, True)
    assert targets["postal_share"] == (10.0, True)
    assert targets["online_procedure_share"] == (60.0, True)
    assert targets["full_online_procedure_share"] == (30.0, True)
    assert targets["satisfaction_share"] == (None, None)
    assert targets["on_time_rate"] == (None, None)


def test_tt01_scores_and_band_of_one_department(history):
    report = report_for(period="2020-Q2", agency=history.justice.code)
    tt01 = report.total.tt01
    scores = {item.number: item.score for item in tt01.indicators}
    # 1: (2·early + 1·on time + 0·late) / resolved = (2 + 1 + 0) / 3 = 1.0
    assert scores[1] == 1.0
    # 2, 3: imported dossiers have no step or supplement history; 4, 7: no rating form answered; 5, 6: no data.
    assert [scores[n] for n in (2, 3, 4, 5, 6, 7)] == [None] * 6
    # 9: online share 50% ≥ 30% and TTHC online 100% ≥ 20%, but an online dossier (D10) is pending overdue → 0.
    assert scores[9] == 0.0
    if report.feedback_available:
        # 8: no petition received → 2. Total 1 + 2 + 0 = 3 of 6 → 3 × 18 / 6 = 9.0 → khá.
        assert scores[8] == 2.0
        assert (tt01.total, tt01.max_available, tt01.normalised, tt01.band) == (3.0, 6, 9.0, "fair")
    else:
        assert scores[8] is None
        assert (tt01.total, tt01.max_available, tt01.normalised, tt01.band) == (1.0, 4, 4.5, "weak")
    assert (tt01.staff_score, tt01.staff_max) == (1.0, 2)


def test_decision_766_groups_of_one_department(history):
    report = report_for(period="2020-Q2", agency=history.justice.code)
    groups = {group.code: group for group in report.total.d766.groups}
    # Progress: 20 × (early + on time) / received = 20 × 2 / 6 = 6.67
    assert groups["progress"].score == 6.67
    # Online: A = 1/1 → min(2, 2·1/0.8) = 2; B = 1/1 → 4; C = 3/6 → min(6, 6·0.5/0.5) = 6; total 12.
    assert [c.score for c in groups["online_service"].components] == [2.0, 4.0, 6.0]
    assert groups["online_service"].score == 12.0
    # Payment: A = 1/2 → 3; B = 1/1 → min(2, 2.5) = 2; C = 1/1 → 2.5; total 7.5 (cap 10).
    assert [c.score for c in groups["online_payment"].components] == [3.0, 2.0, 2.5]
    assert groups["online_payment"].score == 7.5
    # Satisfaction with reception and handling: 6 × min(1, 0.5 / 0.9) = 3.33.
    satisfaction = groups["satisfaction"].components
    assert satisfaction[0].score == 3.33
    # Transparency and digitisation: no data for imported dossiers.
    assert groups["transparency"].score is None
    assert groups["digitisation"].score is None
    if report.feedback_available:
        # No petition: 6 points each for handling on time and handling satisfaction.
        assert [c.score for c in satisfaction[1:]] == [6.0, 6.0]
        assert report.total.d766.total == round(6.67 + 12 + 7.5 + 15.33, 2)
        assert report.total.d766.max_computed == 20 + 12 + 10 + 18


def test_the_province_counts_every_sub_agency_and_ranks_them(history):
    report = report_for(period="2020-Q2", agency=history.root.code, group_by="agency")
    counts = report.total.counts
    # Sở Tư pháp + D11 (commune, on time) + D12 (Sở Xây dựng, stopped 15/05).
    assert (counts["carried_over"], counts["received"], counts["received_direct"]) == (1, 8, 4)
    assert (
        counts["resolved"],
        counts["resolved_early"],
        counts["resolved_on_time"],
        counts["resolved_late"],
    ) == (
        4,
        1,
        2,
        1,
    )
    assert (counts["withdrawn"], counts["stopped"], counts["pending"]) == (1, 1, 3)
    assert rates(report.total)["on_time_rate"].percent == 75.0  # 3 / 4
    assert rates(report.total)["online_share"].percent == 37.5  # 3 / 8
    by_key = {group.key: group for group in report.groups}
    assert set(by_key) == {history.justice.code, history.construction.code, history.commune.code}
    if report.feedback_available:
        # Every unit scores 9.0 / 18:
        #   xã Hòa Hiệp: i1 = 1.0 (D11 on time), i8 = 2, i9 = 0 (no online dossier) → 3 / 6;
        #   Sở Tư pháp: 3 / 6 (above);  Sở Xây dựng: i8 = 2, i9 = 0 (no level 3/4 procedure) → 2 / 4.
        # Ties go by on-time rate: xã 100%, Sở Tư pháp 66.7%, Sở Xây dựng none.
        assert [by_key[key].tt01.normalised for key in by_key] == [9.0, 9.0, 9.0]
        ranks = {key: figures.rank for key, figures in by_key.items()}
        assert ranks == {history.commune.code: 1, history.justice.code: 2, history.construction.code: 3}


def test_levels_months_and_ranges_add_up(history):
    by_level = report_for(period="2020-Q2", agency=history.root.code, group_by="level")
    assert [(group.key, group.counts["received"]) for group in by_level.groups] == [
        ("province", 7),
        ("commune", 1),
    ]

    by_month = report_for(period="2020-Q2", agency=history.justice.code, group_by="month")
    months = [
        (g.key, g.counts["carried_over"], g.counts["received"], g.counts["resolved"], g.counts["pending"])
        for g in by_month.groups
    ]
    # April: D1 carried; D2, D3 received; D1, D2, D3 resolved; none left on 01/05.
    # May: D4, D6 received; D6 withdrawn; D4 pending on 01/06. June: D4 carried; D5, D10 received; 3 pending.
    assert months == [("2020-04", 1, 2, 3, 0), ("2020-05", 0, 2, 0, 1), ("2020-06", 1, 2, 0, 3)]

    # A range inside April uses the daily counters: received D2, D3; resolved D1, D2; D3 pending in time on 16/04.
    part = report_for(period="2020-04-01..2020-04-15", agency=history.justice.code).total.counts
    assert (
        part["carried_over"],
        part["received"],
        part["resolved"],
        part["pending"],
        part["pending_overdue"],
    ) == (
        1,
        2,
        2,
        1,
        0,
    )
    # A range across months: 10/04 … 10/05.
    across = report_for(period="2020-04-10..2020-05-10", agency=history.justice.code).total.counts
    # received D3 (15/04), D4 (05/05), D6 (10/05); resolved D3 (20/04) — D2 was resolved 08/04, before.
    # carried over at 10/04: none (D1 and D2 closed before). Pending at 11/05: D4 (overdue only from 13/05),
    # D6 (withdrawn 11/05 09:00, still pending at 11/05 00:00).
    assert (across["carried_over"], across["received"], across["resolved"], across["withdrawn"]) == (
        0,
        3,
        1,
        0,
    )
    assert (across["pending"], across["pending_overdue"]) == (2, 0)

    year = report_for(period="2020", agency=history.justice.code).total.counts
    assert (year["carried_over"], year["received"]) == (0, 9)  # D1–D6, D8, D9, D10


def test_procedure_and_field_filters(history):
    by_procedure = report_for(period="2020-Q2", agency=history.root.code, group_by="procedure")
    received = {group.key: group.counts["received"] for group in by_procedure.groups}
    assert received == {
        history.judicial.procedure.national_code: 6,
        history.copy.procedure.national_code: 1,
        history.building.procedure.national_code: 1,
    }
    only = report_for(period="2020-Q2", procedure=history.copy.procedure.national_code)
    assert only.total.counts["received"] == 1
    assert only.total.counts["resolved_on_time"] == 1
    by_field = report_for(period="2020-Q2", group_by="field")
    assert sum(group.counts["received"] for group in by_field.groups) == 8
    field_code = history.judicial.field.code
    assert report_for(period="2020-Q2", field=field_code).total.counts["received"] == 6


def test_a_period_without_data_gives_zeros(history):
    report = report_for(period="2019-Q1", agency=history.justice.code, group_by="agency")
    assert set(report.total.counts.values()) == {0}
    assert report.groups == []
    assert all(rate.percent is None for rate in report.total.rates if rate.denominator == 0)
    assert report.total.tt01.indicators[0].score is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"agency": "000.00.99.H99"}, "unknown_agency"),
        ({"procedure": "9.999999"}, "unknown_procedure"),
        ({"field": "KHONG-CO"}, "unknown_field"),
        ({"level": "hamlet"}, "invalid_level"),
        ({"group_by": "week"}, "invalid_group_by"),
    ],
)
def test_unknown_codes_are_refused(history, kwargs, code):
    with pytest.raises(ValidationFailed) as caught:
        report_for(period="2020-Q2", **kwargs)
    assert caught.value.code == code
