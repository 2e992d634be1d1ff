# ruff: noqa: F811 - the fixtures imported from tests/reports/conftest.py are used as test arguments
"""The public transparency pages (/cong-khai/): each agency's rates for a period and the one before, the ranking,
a chart; no sign-in, no personal data. Data: the imported 2020 history of tests/reports/conftest.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from reports.conftest import clock, history, province  # noqa: F401 - the report tests' province and history

from motcua.reports.periods import parse_period, previous_period
from motcua.reports.selectors import report_for

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:transparency")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_everyone_sees_every_agencys_rates_for_the_period_and_the_one_before(history):
    response = Client().get(PAGE, {"period": "2020-Q2"})
    assert response.status_code == 200
    page = text(response)
    assert "Quý 2 năm 2020, so với Quý 1 năm 2020." in page
    rows = {row["key"]: row for row in response.context["rows"]}
    assert set(rows) == {history.justice.code, history.commune.code, history.construction.code}
    justice = {cell.current.code: cell for cell in rows[history.justice.code]["cells"]}
    # the same figures as the report (API, command): Sở Tư pháp, 2020-Q2
    expected = report_for(period="2020-Q2", agency=history.justice.code).total
    assert justice["online_share"].current.percent == expected.rate("online_share").percent == 50.0
    assert justice["on_time_rate"].current.percent == 66.7
    assert justice["satisfaction_share"].current.percent == 50.0
    assert justice["postal_share"].current.percent == 16.7
    assert justice["online_payment_share"].current.percent == 50.0
    assert justice["online_procedure_share"].current.percent == 100.0
    # and the quarter before: D9 received in February, direct, resolved early
    assert justice["online_share"].previous.percent == 0.0
    assert justice["on_time_rate"].previous.percent == 100.0
    assert "50,0%" in page and "66,7%" in page


def test_the_page_ranks_agencies_and_draws_an_accessible_chart(history):
    response = Client().get(PAGE, {"period": "2020-Q2"})
    ranked = [row for row in response.context["rows"] if row["figures"] and row["figures"].rank]
    assert [row["figures"].rank for row in ranked] == sorted(row["figures"].rank for row in ranked)
    page = response.content.decode()
    svg = re.search(r"<svg class=\"chart__svg\".*?</svg>", page, re.S)[0]
    assert 'role="group"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert re.search(r'<a href="/cong-khai/[^"]+/"><title>Hạng 1: ', svg)  # each bar links to its agency
    agency_page = Client().get(reverse("reports:agency", args=[history.justice.code]), {"period": "2020-Q2"})
    assert 'role="img" aria-labelledby="trend-title trend-desc"' in agency_page.content.decode()  # no links
    assert "Xuất sắc" in page or "Tốt" in page or "Khá" in page
    assert 'class="chart__data"' in page  # the chart's data table


def test_no_personal_data_and_no_dossier_codes(history):
    page = Client().get(PAGE, {"period": "2020"}).content.decode()
    agency_page = Client().get(reverse("reports:agency", args=[history.justice.code]), {"period": "2020"})
    for html in (page, agency_page.content.decode()):
        for secret in ("(dữ liệu lịch sử)", "D10", "Nguyễn Văn An", "0912345678", "/can-bo/"):
            assert secret not in html.split("<main", 1)[1].split("</main>")[0], secret


def test_an_agency_page_shows_its_rates_and_its_twelve_months(history):
    response = Client().get(reverse("reports:agency", args=[history.justice.code]), {"period": "2020-Q2"})
    assert response.status_code == 200
    assert response.context["agency"].pk == history.justice.pk
    assert [point.period.code for point in response.context["trend"]][-3:] == [
        "2020-04",
        "2020-05",
        "2020-06",
    ]
    rows = {row["cell"].current.code: row["cell"] for row in response.context["rows"]}
    assert rows["online_share"].current.percent == 50.0
    # the district's page counts its commune too, and links to it
    district = Client().get(reverse("reports:agency", args=[history.district.code]), {"period": "2020-Q2"})
    assert district.context["total"].counts["received"] == 1  # D11
    assert reverse("reports:agency", args=[history.commune.code]) in district.content.decode()


def test_unknown_agency_is_404_and_a_bad_period_is_422_in_vietnamese(history):
    assert Client().get(reverse("reports:agency", args=["000.99.99.H99"])).status_code == 404
    response = Client().get(PAGE, {"period": "2020-Q5"})
    assert response.status_code == 422
    assert "Kỳ báo cáo “2020-Q5” không hợp lệ." in text(response)
    response = Client().get(PAGE, {"period": "2020", "level": "thon"})
    assert response.status_code == 422
    assert "Cấp phải là cấp tỉnh, cấp huyện hoặc cấp xã." in text(response)


def test_the_default_period_is_this_quarter_and_a_period_without_data_shows_zeros(history):
    response = Client().get(PAGE)
    assert response.status_code == 200
    assert response.context["period"].code == "2026-Q1"  # the clock is frozen on 02/03/2026
    assert response.context["total"].counts["received"] == 0


def test_previous_periods():
    pairs = {"2020-Q1": "2019-Q4", "2020-03": "2020-02", "2020-01": "2019-12", "2020": "2019"}
    for code, before in pairs.items():
        assert previous_period(parse_period(code)).code == before
    assert previous_period(parse_period("2020-05-01..2020-05-10")).code == "2020-04-21..2020-04-30"


def test_the_footer_links_to_the_page(province):
    assert f'href="{PAGE}"' in Client().get(reverse("portal:home")).content.decode()


def test_queries_do_not_grow_with_agencies_and_dossiers(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(50) as few:
        Client().get(PAGE, {"period": "2020-04"})
    with django_assert_max_num_queries(len(few)):
        Client().get(PAGE, {"period": "2020"})
