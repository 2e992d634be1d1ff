"""GET /api/v1/procedures and /api/v1/procedures/{code}."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from motcua.catalog.models import ProcedureAgency, TimeUnit

from .conftest import make_procedure

URL = "/api/v1/procedures"
pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["national_code"] for item in response.json()["items"]]


# --- List and pagination ----------------------------------------------------------------------------------


def test_lists_only_procedures_in_force_by_name(client, catalog):
    body = client.get(URL).json()

    assert body["count"] == 5
    assert body["page"] == 1
    assert body["page_size"] == 20
    assert body["pages"] == 1
    # By folded name: "cap giay phep..." < "cap phieu..." < "dang ky ket hon" < "dang ky khai sinh"...
    assert [item["national_code"] for item in body["items"]] == [
        "1.009994",
        "2.000488",
        "1.000894",
        "1.001193",
        "1.001695",
    ]


def test_summary_shape(client, catalog, agencies):
    item = next(i for i in client.get(URL).json()["items"] if i["national_code"] == "1.009994")

    assert item == {
        "national_code": "1.009994",
        "local_code": "1.009994.000.00.00.H42",
        "name": "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "field": {"code": "G13-XD", "name": "Xây dựng"},
        "levels": ["district"],
        "online_service_level": 2,
        "fully_online": False,
        "processing_time": {
            "amount": 15.0,
            "unit": "calendar_days",
            "unit_label": "ngày",
            "online_amount": None,
            "text": "15 ngày",
        },
        # Implementing agencies first, whatever the order they were recorded in.
        "agencies": [
            {
                "role": "implementing",
                "role_label": "Cơ quan thực hiện",
                "code": "000.00.21.H42",
                "code_qd20": "H42.21",
                "name": "Ủy ban nhân dân huyện Đông Hòa",
                "in_province": True,
            },
            {
                "role": "competent",
                "role_label": "Cơ quan có thẩm quyền",
                "code": "000.00.00.G13",
                "code_qd20": "",
                "name": "Bộ Xây dựng",
                "in_province": False,
            },
        ],
    }


def test_fully_online_and_fractional_processing_time(client, catalog):
    items = {i["national_code"]: i for i in client.get(URL).json()["items"]}

    assert items["1.001193"]["fully_online"] is True
    assert items["1.001193"]["online_service_level"] == 4
    assert items["1.000894"]["processing_time"]["amount"] == 0.5
    assert items["1.000894"]["processing_time"]["text"] == "0,5 ngày làm việc"


def test_pages(client, catalog):
    first = client.get(URL, {"page_size": 2}).json()
    last = client.get(URL, {"page_size": 2, "page": 3}).json()

    assert (first["count"], first["pages"], first["page_size"]) == (5, 3, 2)
    assert [i["national_code"] for i in first["items"]] == ["1.009994", "2.000488"]
    assert [i["national_code"] for i in last["items"]] == ["1.001695"]
    assert last["page"] == 3


def test_page_past_the_end_is_empty_not_an_error(client, catalog):
    body = client.get(URL, {"page": 9}).json()

    assert body["items"] == []
    assert (body["count"], body["page"], body["pages"]) == (5, 9, 1)


def test_empty_catalog(client, db):
    assert client.get(URL).json() == {"count": 0, "page": 1, "page_size": 20, "pages": 0, "items": []}


# --- Search and filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["khai sinh", "KHAI SINH", "khái sinh", "Khai  Sinh "])
def test_search_ignores_diacritics_case_and_spaces(client, catalog, query):
    assert codes(client.get(URL, {"q": query})) == ["1.001193", "1.001695"]


def test_search_without_diacritics_finds_vietnamese_names(client, catalog):
    assert codes(client.get(URL, {"q": "dang ky ket hon"})) == ["1.000894"]
    assert codes(client.get(URL, {"q": "ly lich tu phap"})) == ["2.000488"]


def test_search_every_term_must_match(client, catalog):
    assert codes(client.get(URL, {"q": "khai sinh nuoc ngoai"})) == ["1.001695"]
    assert codes(client.get(URL, {"q": "khai sinh xay dung"})) == []


def test_search_by_code_keyword_and_field(client, catalog):
    assert codes(client.get(URL, {"q": "1.001193"})) == ["1.001193"]
    assert codes(client.get(URL, {"q": "tre em"})) == ["1.001193"]
    assert codes(client.get(URL, {"q": "xây dựng"})) == ["1.009994"]


def test_search_ranks_whole_phrase_in_name_first(client, catalog, fields):
    # The keywords hold "khai sinh" but the name does not: it comes after the name matches.
    make_procedure("1.004000", "Cấp bản sao trích lục hộ tịch", field=fields["civil"], keywords="khai sinh")

    assert codes(client.get(URL, {"q": "khai sinh"})) == ["1.001193", "1.001695", "1.004000"]


def test_search_counts_and_pages_the_matches(client, catalog):
    body = client.get(URL, {"q": "dang ky", "page_size": 1, "page": 2}).json()

    assert (body["count"], body["pages"]) == (3, 3)
    assert [i["national_code"] for i in body["items"]] == ["1.001193"]


def test_filter_by_level(client, catalog):
    assert codes(client.get(URL, {"level": "district"})) == ["1.009994", "1.001695"]
    assert codes(client.get(URL, {"level": "province"})) == ["2.000488"]


def test_filter_by_field(client, catalog):
    assert codes(client.get(URL, {"field": "G13-XD"})) == ["1.009994"]
    assert codes(client.get(URL, {"field": "KHONG-CO"})) == []


@pytest.mark.parametrize("code", ["000.00.21.H42", "H42.21", "000.00.00.G13"])
def test_filter_by_agency_either_code_or_outside_unit(client, catalog, code):
    expected = ["1.009994"] if code == "000.00.00.G13" else ["1.009994", "1.001695"]
    assert codes(client.get(URL, {"agency": code})) == expected


def test_agency_filter_lists_a_procedure_once_even_with_two_roles(client, catalog, agencies):
    make_procedure(
        "1.005000",
        "Thủ tục liên thông",
        roles=(
            (agencies["department"], ProcedureAgency.Role.IMPLEMENTING),
            (agencies["department"], ProcedureAgency.Role.COMPETENT),
        ),
    )

    body = client.get(URL, {"agency": "H42.12"}).json()

    assert [i["national_code"] for i in body["items"]] == ["2.000488", "1.005000"]
    assert body["count"] == 2


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_filter_online(client, catalog, value):
    assert codes(client.get(URL, {"online": value})) == ["2.000488", "1.000894", "1.001193", "1.001695"]


def test_filters_combine(client, catalog):
    assert codes(client.get(URL, {"q": "dang ky", "level": "commune", "online": "true"})) == [
        "1.000894",
        "1.001193",
    ]


# --- Invalid parameters -----------------------------------------------------------------------------------


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["instance"] == URL
    return body


def test_unknown_level_is_a_clear_vietnamese_422(client, db):
    body = problem(client.get(URL, {"level": "planet"}), 422)

    assert body["code"] == "validation_failed"
    assert body["title"] == "Dữ liệu không hợp lệ"
    assert body["errors"] == [
        {
            "field": "level",
            "message": "Giá trị “planet” không hợp lệ; chọn một trong: province, district, commune.",
        }
    ]
    assert "level: Giá trị “planet” không hợp lệ" in body["detail"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page": "0"}, "page", "Phải lớn hơn hoặc bằng 1."),
        ({"page": "hai"}, "page", "Phải là một số nguyên."),
        ({"page_size": "0"}, "page_size", "Phải lớn hơn hoặc bằng 1."),
        ({"page_size": "101"}, "page_size", "Phải nhỏ hơn hoặc bằng 100."),
        ({"online": "maybe"}, "online", "Phải là true hoặc false."),
        ({"q": "x" * 201}, "q", "Dài tối đa 200 ký tự."),
    ],
)
def test_invalid_parameters(client, db, params, field, message):
    body = problem(client.get(URL, params), 422)

    assert body["errors"] == [{"field": field, "message": message}]


def test_every_invalid_parameter_is_reported_at_once(client, db):
    body = problem(client.get(URL, {"level": "planet", "page": "0"}), 422)

    assert {error["field"] for error in body["errors"]} == {"level", "page"}


def test_page_size_limit_follows_the_setting(client, catalog, settings):
    settings.MOTCUA_API_PAGE_SIZE_MAX = 3

    body = problem(client.get(URL, {"page_size": "4"}), 422)

    assert body["errors"] == [{"field": "page_size", "message": "Số mục mỗi trang tối đa là 3."}]
    assert client.get(URL, {"page_size": "3"}).json()["pages"] == 2


# --- Query counts -----------------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_page_size(
    client, catalog, agencies, fields, django_assert_max_num_queries
):
    for n in range(30):
        make_procedure(
            f"3.{n:06d}",
            f"Thủ tục thử số {n}",
            field=fields["civil"],
            roles=(
                (agencies["department"], ProcedureAgency.Role.IMPLEMENTING),
                (agencies["district"], ProcedureAgency.Role.COORDINATING),
            ),
            cases=(
                ("Trường hợp 1", Decimal(3), TimeUnit.WORKING_DAYS),
                ("Trường hợp 2", Decimal(5), TimeUnit.WORKING_DAYS),
            ),
        )

    # count, page, cases, agency roles with their agencies
    for page_size in (2, 35):
        with django_assert_max_num_queries(4):
            body = client.get(URL, {"page_size": page_size, "q": "thu tuc"}).json()
        assert len(body["items"]) == min(page_size, 30)
        assert all(len(item["agencies"]) == 2 for item in body["items"])


# --- Detail -----------------------------------------------------------------------------------------------


def test_detail_is_the_version_in_force_with_everything(client, full_procedure):
    response = client.get(f"{URL}/1.003005")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Chứng thực bản sao từ bản chính giấy tờ, văn bản"
    assert body["version"]["number"] == 2
    assert body["version"]["publication_decision"] == "Quyết định số 123/QĐ-UBND ngày 20/12/2025"
    assert body["version"]["effective_from"].endswith("+07:00")
    effective = datetime.fromisoformat(body["version"]["effective_from"])
    assert abs(effective - full_procedure.effective_from) < timedelta(milliseconds=1)
    assert body["levels"] == ["province", "commune"]
    assert body["fully_online"] is True
    assert body["postal_return_allowed"] is True
    assert body["postal_submission_allowed"] is False
    assert body["sequence"] == "Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả."
    assert [step["text"] for step in body["sequence_steps"]] == [
        "Nộp hồ sơ tại Bộ phận Một cửa.",
        "Nhận kết quả.",
    ]
    assert [(a["role"], a["name"]) for a in body["agencies"]] == [
        ("implementing", "Sở Tư pháp"),
        ("competent", "Bộ Tư pháp"),
        ("coordinating", "Ủy ban nhân dân xã Hòa Hiệp"),
    ]
    assert body["results"] == [
        {"code": "KQ01", "name": "Bản sao được chứng thực", "template_name": "", "template_url": ""}
    ]
    assert body["legal_bases"] == [
        {
            "number": "23/2015/NĐ-CP",
            "title": "Nghị định về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính",
            "issuer": "Chính phủ",
            "issued_on": "2015-02-16",
            "effective_on": "2015-04-10",
            "url": "",
        }
    ]


def test_detail_cases_and_components(client, full_procedure):
    body = client.get(f"{URL}/1.003005").json()
    first, second = body["cases"]

    assert first["name"] == "Chứng thực tại Phòng Tư pháp"
    assert first["processing_time"]["text"] == "2 ngày làm việc"
    assert second["processing_time"]["text"] == "4 giờ làm việc"
    assert body["processing_time"] == first["processing_time"]
    assert [c["name"] for c in first["components"]] == ["Tờ khai", "Tờ khai yêu cầu chứng thực"]
    plain, form = first["components"]
    assert plain["form_download_url"] is None
    assert plain["accepted_types"] == ["pdf", "jpg", "jpeg", "png", "doc", "docx"]
    assert form["form_name"] == "Mẫu số 01"
    assert (form["originals"], form["copies"], form["is_required"]) == (1, 2, True)
    assert form["accepted_types"] == ["pdf", "png"]
    assert form["form_download_url"] == f"http://testserver/thu-tuc/1.003005/mau/{form['id']}/"


def test_detail_fees_for_every_case_come_first(client, full_procedure):
    body = client.get(f"{URL}/1.003005").json()
    second_case_id = body["cases"][1]["id"]

    assert body["fees"] == [
        {
            "kind": "le_phi",
            "kind_label": "Lệ phí",
            "code": "",
            "amount": 2000,
            "description": "Mỗi trang",
            "timing": "before",
            "timing_label": "Thu trước",
            "channel": None,
            "case_id": None,
            "exemptions": "",
        },
        {
            "kind": "phi",
            "kind_label": "Phí",
            "code": "",
            "amount": 200000,
            "description": "Tối đa mỗi bản",
            "timing": "after",
            "timing_label": "Thu sau",
            "channel": "online",
            "case_id": second_case_id,
            "exemptions": "",
        },
    ]


def test_detail_query_count_is_fixed(client, full_procedure, django_assert_max_num_queries):
    # version, cases, components, agency roles, fees, results, legal bases, steps
    with django_assert_max_num_queries(8):
        assert client.get(f"{URL}/1.003005").status_code == 200


@pytest.mark.parametrize("code", ["9.999999", "1.000001", "1.000002", "khong-co"])
def test_unknown_draft_or_unused_procedure_is_a_404_problem(client, catalog, code):
    response = client.get(f"{URL}/{code}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["title"] == "Không tìm thấy"
    assert body["detail"] == f"Không tìm thấy thủ tục hành chính có mã {code} đang áp dụng."
    assert body["instance"] == f"{URL}/{code}"
