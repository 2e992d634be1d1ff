"""The public catalog pages: home, search and filters, browsing by agency and field, the procedure page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog.models import CaseComponent, Procedure, ProcedureCase, ProcedureVersion
from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish

from .catalog_data import make_agency

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [version.name for version in response.context["page"].object_list]


def text(response) -> str:
    return response.content.decode()


# --- Home -----------------------------------------------------------------------------------------------


def test_home_shows_search_counts_and_quick_links(client, catalog):
    response = client.get("/")
    html = text(response)
    assert response.status_code == 200
    assert '<form class="search search--big" action="/thu-tuc/" method="get"' in html
    assert response.context["overview"] == {
        "total": 4,
        "online": 3,
        "fully_online": 2,
        "postal": 2,
        "province": 2,
        "district": 0,
        "commune": 2,
    }
    # Levels only when present: no district-level procedure here.
    assert 'href="/thu-tuc/?level=province"' in html
    assert 'href="/thu-tuc/?level=commune"' in html
    assert "level=district" not in html
    assert 'href="/linh-vuc/G09-HT/"' in html
    assert 'href="/co-quan/000.00.12.H42/"' in html
    assert 'action="/tra-cuu/" method="post"' in html


def test_home_lists_fully_online_procedures_first(client, catalog):
    most_used = client.get("/").context["most_used"]
    assert [v.online_service_level for v in most_used] == [4, 4, 3, 2]


def test_home_renders_with_an_empty_catalog(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["overview"]["total"] == 0


# --- Search ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["khai sinh", "KHAI SINH", "dang ky khai sinh", "Đăng  ký khai sinh"])
def test_search_ignores_diacritics_and_case(client, catalog, query):
    response = client.get("/thu-tuc/", {"q": query})
    assert response.status_code == 200
    assert names(response)[0] == "Đăng ký khai sinh"


def test_title_match_ranks_before_keyword_match(client, catalog):
    # "Cấp bản sao trích lục hộ tịch" only has "khai sinh" among its keywords.
    assert names(client.get("/thu-tuc/", {"q": "khai sinh"})) == [
        "Đăng ký khai sinh",
        "Cấp bản sao trích lục hộ tịch",
    ]


def test_search_without_match_says_so(client, catalog):
    response = client.get("/thu-tuc/", {"q": "giấy phép lái tàu vũ trụ"})
    assert names(response) == []
    assert "Không tìm thấy thủ tục nào." in text(response)
    assert "Tìm thấy 0 thủ tục" in text(response)


def test_result_rows_show_code_field_agency_badge_and_time(client, catalog):
    html = text(client.get("/thu-tuc/", {"q": "khai sinh"}))
    row = html[html.index("Đăng ký khai sinh") :]
    row = row[: row.index("</li>")]
    assert "1.001193" in row
    assert "Hộ tịch" in row
    assert "Ủy ban nhân dân xã Thạch Hạ" in row
    assert "badge--full" in row and "Toàn trình" in row
    assert "5 ngày làm việc" in row
    assert "Tìm thấy 2 thủ tục cho “khai sinh”" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agency": "000.00.12.H42"}, {"2.000635", "2.001610"}),
        ({"agency": "000.12.34.H42"}, {"1.001193", "1.000894"}),
        ({"level": "commune"}, {"1.001193", "1.000894"}),
        ({"field": "G04-DN"}, {"2.001610"}),
        ({"online": "online"}, {"1.001193", "1.000894", "2.001610"}),
        ({"online": "full"}, {"1.001193", "2.001610"}),
        ({"online": "partial"}, {"1.000894"}),
        ({"postal": "on"}, {"1.001193", "2.001610"}),
        ({"q": "dang ky", "level": "province", "online": "full"}, {"2.001610"}),
    ],
)
def test_filters(client, catalog, params, expected):
    response = client.get("/thu-tuc/", params)
    assert {v.procedure.national_code for v in response.context["page"].object_list} == expected


def test_invalid_filter_is_reported_and_left_out(client, catalog):
    response = client.get("/thu-tuc/", {"level": "galaxy", "online": "full"})
    assert response.status_code == 200
    assert response.context["form"].errors["level"]
    assert {v.procedure.national_code for v in response.context["page"].object_list} == {
        "1.001193",
        "2.001610",
    }
    assert 'role="alert"' in text(response)


def test_filter_panel_opens_when_filtered(client, catalog):
    assert '<details class="filters__more" open>' in text(client.get("/thu-tuc/", {"field": "G09-HT"}))
    assert '<details class="filters__more">' in text(client.get("/thu-tuc/"))


def test_commune_agency_stays_selectable_in_the_filter(client, catalog):
    form = client.get("/thu-tuc/", {"agency": "000.12.34.H42"}).context["form"]
    assert form.is_valid()
    groups = dict(form.fields["agency"].choices[1:])
    assert ("000.12.34.H42", "Ủy ban nhân dân xã Thạch Hạ") in groups["Cấp xã"]


def test_list_is_paginated_by_twenty_and_keeps_the_query(client, many_procedures):
    first = client.get("/thu-tuc/", {"q": "thu tuc thu"})
    assert first.context["page"].paginator.count == 45
    assert len(names(first)) == 20
    assert "Tìm thấy 45 thủ tục" in text(first)
    assert 'href="?q=thu+tuc+thu&amp;page=2"' in text(first)
    assert "Trang 1/3" in text(first)
    last = client.get("/thu-tuc/", {"q": "thu tuc thu", "page": 3})
    assert names(last) == [f"Thủ tục thử số {n}" for n in range(40, 45)]
    assert '<ol class="results" start="41">' in text(last)
    # A page out of range shows the last page rather than an error.
    assert names(client.get("/thu-tuc/", {"page": 99})) == names(last)


def test_list_query_count_does_not_grow_with_rows(
    client, catalog, many_procedures, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        client.get("/thu-tuc/", {"field": "G09-HT"})  # 3 rows
    with CaptureQueriesContext(connection) as many:
        client.get("/thu-tuc/", {"field": "G01-TEST"})  # 20 rows of 45
    assert len(many) == len(few)
    with django_assert_max_num_queries(8):
        client.get("/thu-tuc/", {"q": "thu", "level": "province"})


def test_agency_and_field_pages_have_fixed_query_counts(
    client, many_procedures, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        assert client.get("/co-quan/000.00.99.H42/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/linh-vuc/G01-TEST/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/co-quan/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/").status_code == 200


# --- Procedure page -------------------------------------------------------------------------------------


def test_procedure_page_has_what_a_citizen_needs(client, catalog):
    response = client.get("/thu-tuc/1.001193/")
    html = text(response)
    assert response.status_code == 200
    assert "<h1>Đăng ký khai sinh</h1>" in html
    assert '<span class="code">1.001193</span>' in html
    assert '<a href="/linh-vuc/G09-HT/">Hộ tịch</a>' in html
    assert "<dd>Cấp xã</dd>" in html
    assert '<a href="/co-quan/000.12.34.H42/">Ủy ban nhân dân xã Thạch Hạ</a>' in html
    assert "Cơ quan có thẩm quyền" in html and "Bộ Tư pháp" in html
    # Online level in plain words, channels and postal service.
    assert "Mức độ 4: dịch vụ công trực tuyến toàn trình" in html
    assert "không phải đến cơ quan" in html
    assert "Gửi hồ sơ qua bưu chính công ích: được" in html
    assert "Nhận kết quả qua bưu chính công ích: được" in html
    # Sequence, components, time limits, fees.
    assert "Công chức tư pháp - hộ tịch kiểm tra hồ sơ." in html
    assert "Bản chính: 1 · Bản sao: 0" in html
    assert 'Giấy chứng sinh <span class="tag">không bắt buộc</span>' in html
    assert "Nộp trực tuyến: PDF, JPG, tối đa 10 MB" in html
    assert "5 ngày làm việc; nộp trực tuyến: 0,5 ngày làm việc" in html
    assert "Lệ phí: 8.000 đ" in html
    assert "Trực tiếp · thu khi tiếp nhận hồ sơ" in html
    assert "Lệ phí: được miễn" in html
    # Result, requirements, legal basis, effective date.
    assert "Giấy khai sinh (bản chính)" in html
    assert "Trẻ em sinh ra còn sống." in html
    assert "60/2014/QH13" in html and "ban hành ngày 20/11/2014" in html
    effective = timezone.localtime(catalog["birth"].effective_from).strftime("%d/%m/%Y")
    assert f"Áp dụng từ ngày {effective} · theo Quyết định 1872/QĐ-BTP" in html
    # Forms to download and the online submission button.
    component = catalog["birth_form"]
    assert f'href="/thu-tuc/1.001193/mau/{component.pk}/"' in html
    assert "Tải mẫu: Mẫu tờ khai đăng ký khai sinh" in html
    assert '<a class="button" href="/nop-ho-so/1.001193/">Nộp hồ sơ trực tuyến</a>' in html


def test_procedure_below_level_three_has_no_online_button(client, catalog):
    html = text(client.get("/thu-tuc/2.000635/"))
    assert "/nop-ho-so/" not in html
    assert "Nộp hồ sơ trực tuyến: chưa hỗ trợ" in html
    assert "Gửi hồ sơ qua bưu chính công ích: không được" in html
    assert "Không thu phí, lệ phí." in html


def test_procedure_page_shows_each_case(client, catalog):
    version = catalog["marriage"]
    ProcedureCase.objects.create(
        version=version, order=2, name="Kết hôn có yếu tố nước ngoài", processing_time=15
    )
    html = text(client.get("/thu-tuc/1.000894/"))
    assert "Trường hợp 1: Đăng ký kết hôn" in html
    assert "Trường hợp 2: Kết hôn có yếu tố nước ngoài" in html
    assert "15 ngày làm việc" in html


def test_procedure_page_shows_the_version_in_force(client, catalog):
    procedure = catalog["company"].procedure
    draft = procedure_version_create_draft(procedure=procedure, name="Tên mới chưa hiệu lực")
    ProcedureCase.objects.create(version=draft, name="Chung", processing_time=3)
    procedure_version_publish(version=draft, effective_from=timezone.now() + timedelta(days=10))
    html = text(client.get("/thu-tuc/2.001610/"))
    assert "Đăng ký thành lập doanh nghiệp tư nhân" in html
    assert "Tên mới chưa hiệu lực" not in html


@pytest.mark.parametrize("code", ["9.999999", "không-có", "1.001193x"])
def test_unknown_procedure_is_a_clean_vietnamese_404(client, catalog, code):
    response = client.get(f"/thu-tuc/{code}/")
    html = text(response)
    assert response.status_code == 404
    assert '<html lang="vi">' in html
    assert "Không tìm thấy trang bạn cần" in html
    assert 'action="/thu-tuc/"' in html


def test_draft_and_inactive_procedures_are_not_public(client, catalog):
    procedure = Procedure.objects.create(national_code="1.111111")
    draft = procedure_version_create_draft(procedure=procedure, name="Thủ tục đang soạn")
    ProcedureCase.objects.create(version=draft, name="Chung")
    assert client.get("/thu-tuc/1.111111/").status_code == 404
    Procedure.objects.filter(pk=catalog["birth"].procedure_id).update(is_active=False)
    assert client.get("/thu-tuc/1.001193/").status_code == 404
    assert "Đăng ký khai sinh" not in names(client.get("/thu-tuc/", {"q": "khai sinh"}))


# --- Form download --------------------------------------------------------------------------------------


def test_form_download_serves_the_file_with_its_name(client, catalog):
    component = catalog["birth_form"]
    response = client.get(f"/thu-tuc/1.001193/mau/{component.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="to-khai-khai-sinh.docx"'
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert b"".join(response.streaming_content) == b"PK\x03\x04 demo form"


def test_form_download_keeps_a_vietnamese_file_name(client, catalog):
    from django.core.files.base import ContentFile

    component = catalog["birth_form"]
    component.form_file.save("Tờ khai.pdf", ContentFile(b"%PDF-1.4"), save=True)
    response = client.get(f"/thu-tuc/1.001193/mau/{component.pk}/")
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == "attachment; filename*=utf-8''T%E1%BB%9D_khai.pdf"
    )  # storage made it Tờ_khai.pdf


def test_form_download_404s(client, catalog):
    without_file = CaseComponent.objects.get(name="Giấy chứng sinh")
    with_file = catalog["birth_form"]
    assert client.get(f"/thu-tuc/1.001193/mau/{without_file.pk}/").status_code == 404
    assert client.get(f"/thu-tuc/2.001610/mau/{with_file.pk}/").status_code == 404  # another procedure
    assert client.get("/thu-tuc/1.001193/mau/999999/").status_code == 404
    with_file.form_file.storage.delete(with_file.form_file.name)
    assert client.get(f"/thu-tuc/1.001193/mau/{with_file.pk}/").status_code == 404


def test_form_of_a_draft_is_not_downloadable(client, catalog):
    from django.core.files.base import ContentFile

    draft = procedure_version_create_draft(procedure=catalog["birth"].procedure, name="Bản nháp")
    case = ProcedureCase.objects.create(version=draft, name="Chung")
    component = CaseComponent.objects.create(case=case, name="Tờ khai mới")
    component.form_file.save("moi.docx", ContentFile(b"draft"), save=True)
    assert draft.status == ProcedureVersion.Status.DRAFT
    assert client.get(f"/thu-tuc/1.001193/mau/{component.pk}/").status_code == 404


# --- Agencies and fields --------------------------------------------------------------------------------


def test_agency_list_groups_by_level_with_counts(client, catalog):
    response = client.get("/co-quan/")
    groups = [
        (label, [(a.name, a.procedure_count) for a in agencies])
        for _, label, agencies in response.context["groups"]
    ]
    assert groups == [
        ("Cấp tỉnh", [("Sở Tư pháp", 2)]),
        ("Cấp xã", [("Ủy ban nhân dân xã Thạch Hạ", 2)]),
    ]


def test_agency_page_lists_its_procedures(client, catalog):
    response = client.get("/co-quan/000.00.12.H42/")
    html = text(response)
    assert "<h1>Sở Tư pháp</h1>" in html
    assert 'href="tel:02393855000"' in html
    assert names(response) == ["Cấp bản sao trích lục hộ tịch", "Đăng ký thành lập doanh nghiệp tư nhân"]
    assert names(client.get("/co-quan/000.00.12.H42/", {"q": "doanh nghiep"})) == [
        "Đăng ký thành lập doanh nghiệp tư nhân"
    ]


def test_agency_page_accepts_the_qd20_code(client, catalog):
    assert client.get("/co-quan/H42.12/").context["agency"] == catalog["department"]


def test_unknown_agency_or_field_is_404(client, catalog):
    assert client.get("/co-quan/H99/").status_code == 404
    assert client.get("/linh-vuc/KHONG-CO/").status_code == 404


def test_field_pages(client, catalog):
    fields = client.get("/linh-vuc/").context["fields"]
    assert [(f.name, f.procedure_count) for f in fields] == [
        ("Hộ tịch", 3),
        ("Thành lập và hoạt động doanh nghiệp", 1),
    ]
    response = client.get("/linh-vuc/G09-HT/")
    assert "<h1>Lĩnh vực Hộ tịch</h1>" in text(response)
    assert names(response) == ["Cấp bản sao trích lục hộ tịch", "Đăng ký kết hôn", "Đăng ký khai sinh"]


# --- Language, accessibility, weight, errors ------------------------------------------------------------


def test_language_switch_renders_english(client, catalog):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/thu-tuc/1.001193/"})
    assert response.status_code == 302
    assert response["Location"] == "/thu-tuc/1.001193/"
    html = text(client.get("/thu-tuc/1.001193/"))
    assert '<html lang="en">' in html
    assert "How to apply" in html
    assert "5 working days; online: 0.5 working days" in html
    assert "Charge: 8,000 đ" in html  # lệ phí is a charge, phí a fee
    assert f"In force since {timezone.localtime(catalog['birth'].effective_from):%d/%m/%Y}" in html
    assert "Submit online" in html
    assert 'aria-pressed="true">English</button>' in html
    home = text(client.get("/"))
    assert "Find an administrative procedure" in home
    assert "Tra cứu thủ tục hành chính" not in home
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Tra cứu thủ tục hành chính" in text(client.get("/"))


def test_english_404(client, db):
    client.cookies["django_language"] = "en"
    response = client.get("/thu-tuc/9.999999/")
    assert response.status_code == 404
    assert "We cannot find the page you need" in text(response)


PAGES = [
    "/",
    "/thu-tuc/",
    "/thu-tuc/?q=khai+sinh",
    "/thu-tuc/1.001193/",
    "/co-quan/",
    "/co-quan/000.12.34.H42/",
    "/linh-vuc/",
    "/linh-vuc/G09-HT/",
    "/thu-tuc/9.999999/",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_accessible_basics(client, catalog, url):
    from html.parser import HTMLParser

    class Collector(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.label_for, self.controls, self.h1 = set(), set(), [], 0

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if "id" in attrs:
                self.ids.add(attrs["id"])
            if tag == "label" and attrs.get("for"):
                self.label_for.add(attrs["for"])
            if tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
                self.controls.append(attrs.get("id"))
            if tag == "h1":
                self.h1 += 1

    html = text(client.get(url))
    parser = Collector()
    parser.feed(html)
    assert re.search(r'<html lang="vi">', html)
    assert '<a class="skip" href="#main">' in html and 'id="main"' in html
    assert parser.h1 == 1
    for control in parser.controls:
        assert control and control in parser.label_for, f"{control} has no label"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


@pytest.mark.parametrize("url", PAGES)
def test_page_weight_is_under_100_kb(client, catalog, url):
    response = client.get(url)
    weight = len(response.content)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text(response))
    assert stylesheets, "every page links the site style sheet"
    for href in stylesheets:
        css = client.get(href)
        assert css.status_code == 200
        weight += len(b"".join(css.streaming_content))
    assert weight < 100 * 1024


def test_big_list_page_stays_under_100_kb(client, many_procedures):
    response = client.get("/thu-tuc/")
    css = client.get(re.search(r'<link rel="stylesheet" href="([^"]+)"', text(response)).group(1))
    assert len(response.content) + len(b"".join(css.streaming_content)) < 100 * 1024


def test_static_files_are_cacheable(client, db):
    html = text(client.get("/"))
    href = re.search(r'<link rel="stylesheet" href="(/static/motcua/site\.css\?v=[0-9a-f]{12})"', html).group(
        1
    )
    response = client.get(href)
    assert response.status_code == 200
    assert "max-age=86400" in response["Cache-Control"]


def test_server_error_page_is_vietnamese_and_standalone(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="vi">' in html
    assert "Hệ thống đang gặp sự cố" in html


def test_pages_are_read_only(client, catalog):
    assert client.post("/thu-tuc/").status_code == 405
    assert client.post("/thu-tuc/1.001193/").status_code == 405


def test_pages_stay_vietnamese_for_a_phone_set_to_english(client, catalog):
    html = text(client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="vi">' in html
    assert "Tra cứu thủ tục hành chính" in html


def test_unknown_language_cookie_falls_back_to_vietnamese(client, db):
    client.cookies["django_language"] = "fr"
    assert '<html lang="vi">' in text(client.get("/"))


def test_long_agency_lists_are_folded(client, catalog):
    from motcua.catalog.models import ProcedureAgency

    version = catalog["birth"]
    for number in range(6):
        agency = make_agency(f"000.20.{number:02d}.H42", f"Ủy ban nhân dân xã Mẫu {number}", "commune")
        ProcedureAgency.objects.create(version=version, role=ProcedureAgency.Role.IMPLEMENTING, agency=agency)
    html = text(client.get("/thu-tuc/1.001193/"))
    assert "<details><summary>7 cơ quan</summary>" in html
    assert html.count("<details><summary>") == 1  # the single competent agency stays open
