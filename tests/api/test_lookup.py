"""GET /api/v1/lookup/{code}: public, no personal data, rate limited per client address."""

# ruff: noqa: F811  (the fixtures api_world and clock come from test_dossiers.py)

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.selectors import PublicProgress, PublicStep, dossier_public_progress

from .test_dossiers import URL, api_world, assert_problem, clock  # noqa: F401

LOOKUP = "/api/v1/lookup"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def received(api_world):
    return api_world.submit()


def test_answers_only_the_public_progress(api_world, received):
    response = Client().get(f"{LOOKUP}/{received['code']}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "dossier_code": received["code"],
        "status": {"code": 2, "label": "Được tiếp nhận"},
        "procedure_name": "Cấp Phiếu lý lịch tư pháp",
        "receiving_agency_name": api_world.center.name,
        "appointment_at": "2026-03-09T09:00:00+07:00",
        "completed_steps": [{"name": "Tiếp nhận hồ sơ", "finished_at": "2026-03-02T09:00:00+07:00"}],
    }


def test_no_personal_data_anywhere_in_the_answer(api_world, received):
    text = Client().get(f"{LOOKUP}/{received['code']}").content.decode()

    for personal in ("Nguyễn Văn An", "042090001234", "0912345678", "an@example.invalid", "Thành Sen"):
        assert personal not in text
    assert api_world.counter.name not in text  # nor who handled it


def test_completed_steps_follow_the_processing(api_world, received, clock):
    leader = api_world.session_client(api_world.leader)
    leader.post(
        f"{URL}/{received['code']}/actions/assign",
        {"revision": received["revision"], "assignee": api_world.specialist.username},
        content_type="application/json",
    )
    clock.shift(3600)
    specialist = api_world.session_client(api_world.specialist)
    specialist.post(
        f"{URL}/{received['code']}/actions/submit_for_approval",
        {"revision": received["revision"] + 1},
        content_type="application/json",
    )

    body = Client().get(f"{LOOKUP}/{received['code']}").json()

    assert body["status"] == {"code": 4, "label": "Đang xử lý"}
    assert [step["name"] for step in body["completed_steps"]] == ["Tiếp nhận hồ sơ", "Thẩm định, xử lý hồ sơ"]
    assert body["completed_steps"][1]["finished_at"] == "2026-03-02T10:00:00+07:00"


def test_unknown_code_is_a_404_problem(api_world):
    body = assert_problem(Client().get(f"{LOOKUP}/000.00.01.H56-260302-9999"), 404, "not_found")

    assert body["detail"] == "Không tìm thấy hồ sơ có mã “000.00.01.H56-260302-9999”."


def test_needs_no_authentication_and_ignores_a_bad_token(api_world, received):
    response = Client(HTTP_AUTHORIZATION="Bearer mcua_sai").get(f"{LOOKUP}/{received['code']}")

    assert response.status_code == 200


def test_too_many_lookups_from_one_address_get_a_429_with_retry_after(api_world, received, settings):
    settings.MOTCUA_LOOKUP_RATE_PER_MINUTE = 3
    one = Client(REMOTE_ADDR="203.0.113.7")
    other = Client(REMOTE_ADDR="203.0.113.8")

    answers = [one.get(f"{LOOKUP}/{received['code']}").status_code for _ in range(2)]
    answers.append(one.get(f"{LOOKUP}/000.00.01.H56-260302-9999").status_code)  # misses count too
    refused = one.get(f"{LOOKUP}/{received['code']}")

    assert answers == [200, 200, 404]
    body = assert_problem(refused, 429, "too_many_requests")
    assert body["title"] == "Quá nhiều yêu cầu"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert f"{refused['Retry-After']} giây" in body["detail"]
    assert other.get(f"{LOOKUP}/{received['code']}").status_code == 200


def test_the_limit_resets_with_the_next_minute(api_world, received, settings, clock):
    settings.MOTCUA_LOOKUP_RATE_PER_MINUTE = 1
    client = Client()
    assert client.get(f"{LOOKUP}/{received['code']}").status_code == 200
    assert client.get(f"{LOOKUP}/{received['code']}").status_code == 429

    clock.shift(61)

    assert client.get(f"{LOOKUP}/{received['code']}").status_code == 200


def test_two_queries_whatever_the_number_of_steps(api_world, received):
    with CaptureQueriesContext(connection) as queries:
        Client().get(f"{LOOKUP}/{received['code']}")

    assert len(queries) == 2


def test_the_selector_serves_the_portal_too(api_world, received):
    progress = dossier_public_progress(f"  {received['code']} ")

    assert isinstance(progress, PublicProgress)
    assert progress.status == 2
    assert progress.completed_steps == (
        PublicStep(name="Tiếp nhận hồ sơ", finished_at=progress.completed_steps[0].finished_at),
    )
    assert not hasattr(progress, "applicant_name")
