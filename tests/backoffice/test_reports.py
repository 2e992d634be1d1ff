# ruff: noqa: F811 - the fixtures imported from tests/reports/conftest.py are used as test arguments
"""The supervisor dashboard (/can-bo/bao-cao/), the dossier lists behind its numbers and its Excel export.

Data: the small province of tests/reports/conftest.py and its imported 2020 history (figures computed by hand
in tests/reports/test_indicators.py): Sở Tư pháp (D1–D10), the commune (D11) under the district, Sở Xây dựng
(D12), all under the province People's Committee; the provincial service centre receives for the departments.
"""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from factories import StaffMembershipFactory, SuperuserFactory, UserFactory
from reports.conftest import clock, history, province  # noqa: F401 - the report tests' province and history

from motcua.agencies.models import StaffRole
from motcua.dossiers.models import Dossier
from motcua.reports.drilldown import DOSSIER_FIGURES
from motcua.reports.selectors import report_for

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("backoffice:reports_dashboard")
DOSSIERS = reverse("backoffice:reports_dossiers")
EXPORT = reverse("backoffice:reports_export")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def member(agency, role=StaffRole.SUPERVISOR):
    return StaffMembershipFactory(agency=agency, role=role).user


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Who may open the screens ----------------------------------------------------------------------------------


def test_signed_out_visitors_go_to_the_sign_in_page(province):
    response = Client().get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


def test_citizens_and_staff_without_a_monitoring_role_are_refused(province):
    assert signed_in(UserFactory()).get(DASHBOARD).status_code == 403
    response = signed_in(province.reception).get(DASHBOARD)
    assert response.status_code == 403
    assert "dành cho cán bộ giám sát, lãnh đạo và quản trị" in text(response)
    assert signed_in(province.reception).get(DOSSIERS, {"figure": "received"}).status_code == 403
    assert signed_in(province.reception).get(EXPORT).status_code == 403


def test_the_menu_offers_the_dashboard_to_monitors_only(province):
    assert "Báo cáo, giám sát" in text(
        signed_in(member(province.justice)).get(reverse("backoffice:worklist"))
    )
    assert "Báo cáo, giám sát" not in text(signed_in(province.reception).get(reverse("backoffice:worklist")))


@pytest.mark.parametrize("role", [StaffRole.SUPERVISOR, StaffRole.LEADER, StaffRole.ADMINISTRATOR])
def test_supervisors_leaders_and_administrators_see_their_agency_by_default(history, role):
    response = signed_in(member(history.justice, role)).get(DASHBOARD, {"period": "2020-Q2"})
    assert response.status_code == 200
    choice = response.context["choice"]
    assert choice.scope.agency.code == history.justice.code
    assert response.context["total"].counts["received"] == 6
    # only their agency can be chosen
    assert [code for code, _name in choice.form.fields["agency"].choices] == [history.justice.code]


def test_a_province_level_centre_or_committee_monitors_the_whole_province(history):
    for agency in (history.center, history.root):
        response = signed_in(member(agency)).get(DASHBOARD, {"period": "2020-Q2"})
        assert response.status_code == 200
        assert response.context["choice"].scope.agency is None  # every agency
        assert (
            response.context["total"].counts["received"]
            == report_for(period="2020-Q2").total.counts["received"]
        )
    assert signed_in(SuperuserFactory()).get(DASHBOARD, {"period": "2020-Q2"}).status_code == 200


def test_a_district_supervisor_monitors_its_communes(history):
    client = signed_in(member(history.district))
    response = client.get(DASHBOARD, {"period": "2020-Q2"})
    assert response.context["choice"].scope.agency_ids == {history.district.pk, history.commune.pk}
    codes = {code for code, _name in response.context["choice"].form.fields["agency"].choices}
    assert codes == {history.district.code, history.commune.code}
    listed = client.get(DOSSIERS, {"figure": "received", "period": "2020-Q2"})
    assert [d.code for d in listed.context["page"].object_list] == ["D11"]
    # and may open that dossier from the list
    assert client.get(reverse("backoffice:dossier", args=["D11"])).status_code == 200


def test_a_supervisor_of_one_agency_never_sees_another_agencys_dossiers(history):
    client = signed_in(member(history.justice))
    listed = client.get(DOSSIERS, {"figure": "received", "period": "2020"})
    codes = {dossier.code for dossier in listed.context["page"].object_list}
    assert codes and all(Dossier.objects.get(code=c).competent_agency_id == history.justice.pk for c in codes)
    for agency in (history.construction, history.root, history.commune):
        for url in (DASHBOARD, DOSSIERS, EXPORT):
            response = client.get(url, {"figure": "received", "period": "2020", "agency": agency.code})
            assert response.status_code == 403, (url, agency)
            assert "Bạn không theo dõi số liệu của cơ quan này." in text(response)
    # a level does not widen the scope: it narrows the person's own agencies
    response = client.get(DOSSIERS, {"figure": "received", "period": "2020", "level": "commune"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    # nor does the dossier page open another agency's dossier
    assert client.get(reverse("backoffice:dossier", args=["D12"])).status_code == 404


# --- Bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2020-13"}, "Tháng của kỳ báo cáo “2020-13” phải từ 1 đến 12."),
        ({"period": "hôm qua"}, "Kỳ báo cáo “hôm qua” không hợp lệ."),
        ({"period": "2020-06-30..2020-06-01"}, "ngày kết thúc phải sau hoặc trùng ngày bắt đầu"),
        (
            {"kind": "range", "year": "2020"},
            "Vui lòng chọn cả ngày bắt đầu và ngày kết thúc của khoảng ngày.",
        ),
        ({"period": "2020", "agency": "KHONG.CO"}, "Không có cơ quan mã “KHONG.CO”."),
        ({"period": "2020", "level": "village"}, "Cấp phải là province, district hoặc commune."),
    ],
)
def test_a_bad_period_or_code_is_a_422_with_a_clear_vietnamese_message(history, params, message):
    client = signed_in(member(history.center))
    for url in (DASHBOARD, DOSSIERS):
        response = client.get(url, {"figure": "received", **params})
        assert response.status_code == 422, url
        assert message in text(response)


def test_an_unknown_figure_is_not_found(history):
    response = signed_in(member(history.center)).get(DOSSIERS, {"figure": "doanh_thu", "period": "2020"})
    assert response.status_code == 404


# --- The period picker -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"kind": "quarter", "year": "2020", "quarter": "2", "month": "1"}, "2020-Q2"),
        ({"kind": "month", "year": "2020", "month": "5"}, "2020-05"),
        ({"kind": "year", "year": "2020"}, "2020"),
        (
            {"kind": "range", "year": "2020", "start": "2020-04-01", "end": "2020-06-30"},
            "2020-04-01..2020-06-30",
        ),
    ],
)
def test_the_picker_chooses_a_month_a_quarter_a_year_or_a_range(history, params, code):
    response = signed_in(member(history.center)).get(DASHBOARD, params)
    assert response.status_code == 200
    assert response.context["choice"].period.code == code
    # the links of the page carry the period as one code
    assert f"period={code}" in response.context["export_url"]


def test_the_picker_shows_the_period_in_vietnamese(history):
    response = signed_in(member(history.center)).get(DASHBOARD, {"period": "2020-Q2"})
    page = text(response)
    assert "Quý 2 năm 2020" in page
    assert re.search(r'value="quarter"[^>]*checked', page)
    for label in ("Theo tháng", "Theo quý", "Theo năm", "Theo khoảng ngày"):
        assert f"> {label}</label>" in page


# --- Every number drills down to exactly its dossiers -----------------------------------------------------------


def _count_behind(client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    listing = (
        response.context["page"]
        if response.context["listing"] == "dossiers"
        else response.context["procedures"]
    )
    return listing.paginator.count


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("center", {"period": "2020-Q2"}),
        ("center", {"period": "2020"}),
        ("center", {"period": "2020-04-01..2020-05-31", "level": "province"}),
        ("justice", {"period": "2020-Q2"}),
    ],
)
def test_every_number_of_the_dashboard_lists_exactly_the_dossiers_it_counts(history, who, params):
    client = signed_in(member(getattr(history, who)))
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    context = response.context
    checked = 0
    for row in context["counts"] + context["catalog"]:
        assert _count_behind(client, row["href"]) == row["value"], row["code"]
        checked += row["value"]
    for row in context["rates"]:
        assert _count_behind(client, row["numerator_href"]) == row["rate"].numerator, row["rate"].code
        assert _count_behind(client, row["denominator_href"]) == row["rate"].denominator, row["rate"].code
    assert checked > 0
    assert {row["code"] for row in context["counts"]} == set(DOSSIER_FIGURES) - {"resolved_in_time"}


def test_trend_ranking_and_level_numbers_drill_down_too(history):
    client = signed_in(member(history.center))
    context = signed_in(member(history.center)).get(DASHBOARD, {"period": "2020-06"}).context
    april = next(row for row in context["trend_rows"] if row["label"] == "04/2020")
    assert (april["point"].received, april["point"].received_online) == (3, 2)  # D2, D3 online; D11
    assert _count_behind(client, april["received"]) == 3
    assert _count_behind(client, april["received_online"]) == 2
    assert _count_behind(client, april["resolved_in_time"]) == april["point"].resolved_in_time
    for row in context["ranking_rows"]:
        assert _count_behind(client, row["received_href"]) == row["group"].counts["received"]
    for bar in context["levels_chart"].bars:
        if bar.href:
            query = parse_qs(urlsplit(bar.href).query)
            group = next(g for g in context["level_groups"] if g.label == bar.category)
            assert query["level"] == [group.key]


def test_the_list_links_every_dossier_to_its_page(history):
    client = signed_in(member(history.center))
    response = client.get(DOSSIERS, {"figure": "pending_overdue", "period": "2020-Q2"})
    assert response.status_code == 200
    assert "Đang giải quyết quá hạn" in text(response)
    assert sorted(d.code for d in response.context["page"].object_list) == ["D10", "D4"]
    for code in ("D10", "D4"):
        url = reverse("backoffice:dossier", args=[code])
        assert f'href="{url}"' in response.content.decode()
        assert client.get(url).status_code == 200  # the centre's supervisor may open them


def test_a_catalog_number_lists_procedures(history):
    response = signed_in(member(history.justice)).get(
        DOSSIERS, {"figure": "full_online_procedures", "period": "2020-Q2"}
    )
    assert response.status_code == 200
    assert [p.national_code for p in response.context["procedures"].object_list] == [
        history.judicial.procedure.national_code
    ]


def test_lists_are_paginated(history):
    response = signed_in(member(history.center)).get(DOSSIERS, {"figure": "received", "period": "2020"})
    assert response.context["page"].paginator.per_page == 25


# --- Charts ---------------------------------------------------------------------------------------------------


def test_charts_are_inline_svg_with_title_description_and_a_data_table(history):
    page = signed_in(member(history.center)).get(DASHBOARD, {"period": "2020-Q2"}).content.decode()
    svgs = re.findall(r"<svg class=\"chart__svg\".*?</svg>", page, re.S)
    assert len(svgs) == 3  # trend, ranking, levels
    for svg in svgs:
        # the marks link to their dossiers: the chart is a group of links named by their own <title>
        labelled = re.search(r'role="group" aria-labelledby="(\S+)" aria-describedby="(\S+)"', svg)
        assert labelled, svg[:200]
        assert f'<title id="{labelled[1]}">' in svg and f'<desc id="{labelled[2]}">' in svg
        links = re.findall(r'<a href="([^"]+)"><title>([^<]+)</title>', svg)
        assert links and all(
            href.startswith(("/can-bo/bao-cao/", "/can-bo/bao-cao/ho-so/")) for href, _ in links
        )
        assert "<script" not in svg
    assert page.count('class="chart__data"') == 3
    assert "<script" not in page.split("<main", 1)[1]


def test_the_ranking_shows_the_tt01_bands(history):
    context = signed_in(member(history.center)).get(DASHBOARD, {"period": "2020-Q2"}).context
    chart = context["ranking_chart"]
    assert [zone.label for zone in chart.zones] == ["Yếu", "Trung bình", "Khá", "Tốt", "Xuất sắc"]
    ranked = [row["group"] for row in context["ranking_rows"] if row["group"].rank]
    assert [bar.label for bar in chart.bars] == [group.label for group in ranked]
    assert all(bar.band_label == group.tt01.band_label for bar, group in zip(chart.bars, ranked, strict=True))


def test_targets_show_met_or_not_met(history):
    response = signed_in(member(history.justice)).get(DASHBOARD, {"period": "2020-Q2"})
    rates = {row["rate"].code: row["rate"] for row in response.context["rates"]}
    assert (
        rates["online_share"].percent,
        rates["online_share"].target,
        rates["online_share"].target_met,
    ) == (
        50.0,
        20.0,
        True,
    )
    page = text(response)
    assert "50,0%" in page and "≥ 20%" in page and "Đạt" in page


# --- Excel and query counts --------------------------------------------------------------------------------------


def test_the_excel_export_is_the_province_layout_of_the_same_scope(history):
    from openpyxl import load_workbook

    client = signed_in(member(history.justice))
    dashboard = client.get(DASHBOARD, {"period": "2020-Q2"})
    response = client.get(dashboard.context["export_url"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bao-cao-2020-Q2-' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Tổng hợp", "Cấp tỉnh"]
    values = [cell for row in book["Cấp tỉnh"].iter_rows(values_only=True) for cell in row]
    assert "Sở Tư pháp" in values and "Sở Xây dựng" not in values


def test_queries_do_not_grow_with_the_number_of_dossiers(history, django_assert_max_num_queries):
    client = signed_in(member(history.center))
    with django_assert_max_num_queries(60) as few:
        client.get(DASHBOARD, {"period": "2020-Q2"})
    with django_assert_max_num_queries(len(few)):
        client.get(DASHBOARD, {"period": "2020"})  # more dossiers, months and agencies with figures
    with django_assert_max_num_queries(12) as listed:
        client.get(DOSSIERS, {"figure": "received", "period": "2020-04"})
    with django_assert_max_num_queries(len(listed)):
        client.get(DOSSIERS, {"figure": "received", "period": "2020"})
