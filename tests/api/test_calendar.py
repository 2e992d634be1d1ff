"""GET /api/v1/calendar/due and /api/v1/calendar/years/{year}."""

from __future__ import annotations

import pytest

from motcua.core.calendar import reset_calendar_cache

pytestmark = pytest.mark.django_db

DUE_URL = "/api/v1/calendar/due"


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    reset_calendar_cache()
    yield
    reset_calendar_cache()


def test_due_in_working_days(client):
    response = client.get(DUE_URL, {"start": "2026-02-13 16:10", "amount": "3", "unit": "working_days"})
    assert response.status_code == 200
    assert response.json() == {
        "start": "2026-02-13T16:10:00+07:00",
        "effective_start": "2026-02-13T16:10:00+07:00",
        "amount": 3,
        "unit": "working_days",
        "unit_label": "ngày làm việc",
        "due": "2026-02-25T16:10:00+07:00",
    }


@pytest.mark.parametrize(
    ("params", "effective_start", "due"),
    [
        ({"amount": "3", "paper": "true"}, "2026-02-23T07:00:00+07:00", "2026-02-26T07:00:00+07:00"),
        ({"amount": "8", "unit": "working_hours"}, "2026-02-13T16:10:00+07:00", "2026-02-23T16:10:00+07:00"),
        ({"amount": "3", "unit": "calendar_days"}, "2026-02-13T16:10:00+07:00", "2026-02-23T16:10:00+07:00"),
        ({"amount": "0.5"}, "2026-02-13T16:10:00+07:00", "2026-02-23T10:10:00+07:00"),
    ],
)
def test_due_in_other_units(client, params, effective_start, due):
    body = client.get(DUE_URL, {"start": "2026-02-13T16:10", **params}).json()
    assert (body["effective_start"], body["due"]) == (effective_start, due)


def test_due_reads_utc_and_answers_in_local_time(client):
    body = client.get(DUE_URL, {"start": "2026-02-13T09:10:00Z", "amount": "3"}).json()
    assert body["start"] == "2026-02-13T16:10:00+07:00"
    assert body["due"] == "2026-02-25T16:10:00+07:00"


@pytest.mark.parametrize(
    ("params", "code", "detail"),
    [
        (
            {"start": "2026-02-30 10:00", "amount": "3"},
            "invalid_moment",
            "Thời điểm “2026-02-30 10:00” không hợp lệ",
        ),
        ({"start": "ngày mai", "amount": "3"}, "invalid_moment", "không hợp lệ"),
        ({"start": "2026-02-13 10:00", "amount": "-1"}, "invalid_amount", "không được âm"),
        (
            {"start": "2026-02-13 10:00", "amount": "1e9"},
            "invalid_amount",
            "quá lớn: tối đa 1000 ngày làm việc",
        ),
        ({"start": "2026-02-13 10:00", "amount": "ba"}, "invalid_amount", "không phải là một số"),
        (
            {"start": "2026-02-13 10:00", "amount": "1.5", "unit": "calendar_days"},
            "invalid_amount",
            "phải là số nguyên",
        ),
        (
            {"start": "2026-02-13 10:00", "amount": "3", "unit": "weeks"},
            "invalid_unit",
            "“weeks” không hợp lệ",
        ),
        ({"start": "2150-02-13 10:00", "amount": "3"}, "year_out_of_range", "2000–2099"),
        ({"amount": "3"}, "validation_failed", "start"),
    ],
)
def test_bad_input_answers_422_problem_json(client, params, code, detail):
    response = client.get(DUE_URL, params)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422
    assert body["code"] == code
    assert detail in body["detail"]


def test_year_lists_days_off_and_swapped_saturdays(client):
    body = client.get("/api/v1/calendar/years/2026").json()
    assert body["year"] == 2026
    assert len(body["days_off"]) == 14
    assert body["days_off"][1] == {
        "date": "2026-02-16",
        "weekday": "Thứ Hai",
        "name": "Giao thừa Tết Nguyên Đán",
        "source": "generated",
    }
    assert body["working_days"] == [
        {
            "date": "2026-08-22",
            "weekday": "Thứ Bảy",
            "name": "Làm việc bù cho ngày nghỉ 31/08/2026",
            "source": "generated",
        }
    ]


def test_year_out_of_range_answers_422(client):
    response = client.get("/api/v1/calendar/years/1990")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "2000–2099" in response.json()["detail"]


def test_openapi_types_the_calendar(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/calendar/due"]["get"]
    assert operation["summary"] == "Tính thời điểm đến hạn"
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"start", "amount", "unit", "paper"}
    assert parameters["unit"]["schema"]["enum"] == ["working_days", "working_hours", "calendar_days"]
    due_out = schema["components"]["schemas"]["DueOut"]["properties"]
    assert due_out["due"]["format"] == "date-time"
    assert due_out["unit"]["enum"] == ["working_days", "working_hours", "calendar_days"]
    assert "422" in operation["responses"]
