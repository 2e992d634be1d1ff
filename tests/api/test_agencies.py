"""GET /api/v1/agencies."""

from __future__ import annotations

import pytest

from motcua.agencies.models import Agency, Level

from .conftest import make_agency

URL = "/api/v1/agencies"
pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_lists_active_agencies_province_level_first_then_by_name(client, agencies):
    body = client.get(URL).json()

    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (4, 1, 20, 1)
    assert [item["name"] for item in body["items"]] == [
        "Sở Tư pháp",
        "Trung tâm Phục vụ hành chính công tỉnh",
        "Ủy ban nhân dân huyện Đông Hòa",
        "Ủy ban nhân dân xã Hòa Hiệp",
    ]


def test_agency_shape(client, agencies):
    items = {item["code"]: item for item in client.get(URL).json()["items"]}

    assert items["001.21.21.H42"] == {
        "code": "001.21.21.H42",
        "code_qd20": "H42.21.01",
        "name": "Ủy ban nhân dân xã Hòa Hiệp",
        "short_name": "",
        "level": "commune",
        "level_label": "Cấp xã",
        "kind": "people_committee",
        "kind_label": "Ủy ban nhân dân",
        "parent_code": "000.00.21.H42",
        "address": "",
        "phone": "",
        "email": "",
        "is_one_stop_unit": False,
        "working_hours": None,
    }
    assert items["000.00.12.H42"]["parent_code"] is None


def test_one_stop_unit_with_its_working_hours(client, agencies):
    center = next(i for i in client.get(URL).json()["items"] if i["code"] == "000.00.01.H42")

    assert center["is_one_stop_unit"] is True
    assert center["kind"] == "service_center"
    assert center["address"] == "Số 1 Trần Phú"
    assert center["working_hours"] == {
        "morning_start": "07:30:00",
        "morning_end": "11:30:00",
        "afternoon_start": "13:30:00",
        "afternoon_end": "17:00:00",
        "paper_cutoff": "15:30:00",
        "saturday_morning_open": True,
    }


def test_filter_by_level_and_kind(client, agencies):
    assert codes(client.get(URL, {"level": "district"})) == ["000.00.21.H42"]
    assert codes(client.get(URL, {"kind": "people_committee"})) == ["000.00.21.H42", "001.21.21.H42"]
    assert codes(client.get(URL, {"kind": "people_committee", "level": "commune"})) == ["001.21.21.H42"]


@pytest.mark.parametrize("query", ["so tu phap", "SỞ TƯ PHÁP", "tư pháp", "stp", "h42.12", "000.00.12"])
def test_search_by_name_short_name_or_code_ignoring_diacritics(client, agencies, query):
    assert codes(client.get(URL, {"q": query})) == ["000.00.12.H42"]


def test_search_every_term_must_match(client, agencies):
    assert codes(client.get(URL, {"q": "uy ban hoa hiep"})) == ["001.21.21.H42"]
    assert codes(client.get(URL, {"q": "uy ban"})) == ["000.00.21.H42", "001.21.21.H42"]
    assert codes(client.get(URL, {"q": "uy ban tu phap"})) == []


def test_inactive_agencies_are_not_listed(client, agencies):
    assert codes(client.get(URL, {"q": "giai the"})) == []


def test_pages(client, agencies):
    body = client.get(URL, {"page_size": 3, "page": 2}).json()

    assert (body["count"], body["pages"]) == (4, 2)
    assert [i["code"] for i in body["items"]] == ["001.21.21.H42"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "bo"}, "kind"), ({"level": "ward"}, "level"), ({"page": "-1"}, "page")],
)
def test_invalid_parameters_are_422_problems(client, db, params, field):
    response = client.get(URL, params)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_unknown_kind_names_the_choices(client, db):
    message = client.get(URL, {"kind": "bo"}).json()["errors"][0]["message"]

    assert message.startswith("Giá trị “bo” không hợp lệ; chọn một trong: people_committee, department,")


def test_query_count_does_not_grow_with_page_size(client, agencies, django_assert_max_num_queries):
    parent = agencies["district"]
    for n in range(30):
        make_agency(
            f"{n + 2:03d}.21.21.H42",
            f"Ủy ban nhân dân xã Số {n}",
            level=Level.COMMUNE,
            kind=Agency.Kind.PEOPLE_COMMITTEE,
            parent=parent,
        )

    # count and page (parent and one-stop unit joined in); a search adds one query for the candidates
    for page_size in (2, 40):
        with django_assert_max_num_queries(2):
            body = client.get(URL, {"page_size": page_size}).json()
        assert len(body["items"]) == min(page_size, 34)
        with django_assert_max_num_queries(3):
            body = client.get(URL, {"page_size": page_size, "q": "xa so"}).json()
        assert len(body["items"]) == min(page_size, 30)
        assert all(item["parent_code"] == "000.00.21.H42" for item in body["items"])


def test_labels_follow_the_request_language_codes_do_not(client, agencies):
    vietnamese = client.get(URL, {"level": "commune"}).json()["items"][0]
    english = client.get(URL, {"level": "commune"}, headers={"accept-language": "en"}).json()["items"][0]

    assert (vietnamese["level"], vietnamese["level_label"]) == ("commune", "Cấp xã")
    assert (english["level"], english["level_label"]) == ("commune", "Commune level")
    assert client.get(URL, {"level": "commune"}).json()["items"][0]["level_label"] == "Cấp xã"
