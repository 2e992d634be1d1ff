"""POST/GET /api/v1/dossiers: token and session authentication, scope, submission with idempotency, files.

The world (``api_world``) is shared with test_dossiers_actions.py and test_lookup.py: a provincial centre
receiving for a department, its staff, two citizens, a published procedure, and API clients at the centre and
at an unrelated agency. The clock is frozen on Monday 02/03/2026 09:00.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from factories import (
    AgencyFactory,
    OneStopUnitFactory,
    ProcedureVersionFactory,
    StaffMembershipFactory,
    UserFactory,
)

from motcua.agencies.models import Agency, StaffRole
from motcua.catalog.models import CaseComponent, ProcedureAgency, ProcedureCase, ProcedureVersion
from motcua.core.calendar import reset_calendar_cache
from motcua.dossiers.models import Dossier, DossierEvent, DossierFile
from motcua.integration.models import ApiClient, IdempotencyKey
from motcua.integration.services import api_client_create, api_client_update

URL = "/api/v1/dossiers"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # Monday, a working day
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code"}

pytestmark = pytest.mark.django_db


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert (body["status"], body["code"]) == (status, code)
    return body


@dataclass
class ApiWorld:
    center: Agency
    department: Agency
    elsewhere: Agency
    reception: object
    leader: object
    specialist: object
    citizen: object
    other_citizen: object
    version: ProcedureVersion
    case: ProcedureCase
    counter: ApiClient  # the centre's counter software: reception officer at the centre
    counter_token: str
    outsider: ApiClient  # a client of an unrelated agency
    outsider_token: str

    @property
    def components(self) -> list[CaseComponent]:
        return list(self.case.components.order_by("order"))

    def payload(self, **overrides) -> dict:
        data = {
            "procedure": self.version.procedure.national_code,
            "channel": "direct",
            "competent_agency": self.department.code,
            "applicant": {
                "kind": "citizen",
                "name": "Nguyễn Văn An",
                "identity_number": "042090001234",
                "phone": "0912345678",
                "email": "an@example.invalid",
                "address": "Phường Thành Sen, Hà Tĩnh",
            },
            "summary": "Đề nghị cấp phiếu lý lịch tư pháp",
            "documents": [
                {
                    "component_id": component.pk,
                    "files": [{"name": f"giay-to-{component.order}.pdf", "content_base64": b64(PDF)}],
                }
                for component in self.components
            ],
        }
        data.update(overrides)
        return data

    def token_client(self, token: str | None = None) -> Client:
        token = token or self.counter_token
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def session_client(self, user, **kwargs) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    def submit(self, client: Client | None = None, *, key: str = "", **overrides) -> dict:
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        response = (client or self.token_client()).post(
            URL, self.payload(**overrides), content_type="application/json", **headers
        )
        assert response.status_code == 201, response.content
        return response.json()


@pytest.fixture(autouse=True)
def clock():
    reset_calendar_cache()
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
    reset_calendar_cache()


def _staff(agency, role):
    return StaffMembershipFactory(agency=agency, role=role).user


@pytest.fixture
def api_world(db) -> ApiWorld:
    department = AgencyFactory(name="Sở Tư pháp")
    center = OneStopUnitFactory(served_agencies=[department]).agency
    elsewhere = AgencyFactory(name="Sở Xây dựng")
    OneStopUnitFactory(agency=elsewhere)
    version = ProcedureVersionFactory(
        name="Cấp Phiếu lý lịch tư pháp",
        postal_submission_allowed=True,
        components=("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "Bản chụp Căn cước"),
        processing_time=Decimal(5),
    )
    ProcedureAgency.objects.create(version=version, role=ProcedureAgency.Role.COMPETENT, agency=department)
    counter = api_client_create(name="Phần mềm quầy Trung tâm", agency=center)
    outsider = api_client_create(name="Phần mềm quầy Sở Xây dựng", agency=elsewhere)
    return ApiWorld(
        center=center,
        department=department,
        elsewhere=elsewhere,
        reception=_staff(center, StaffRole.RECEPTION_OFFICER),
        leader=_staff(department, StaffRole.LEADER),
        specialist=_staff(department, StaffRole.SPECIALIST),
        citizen=UserFactory(),
        other_citizen=UserFactory(),
        version=version,
        case=version.cases.get(),
        counter=counter.client,
        counter_token=counter.token,
        outsider=outsider.client,
        outsider_token=outsider.token,
    )


# --- Authentication -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("get", URL), ("get", f"{URL}/000.00.01.H56-260302-0001"), ("post", URL)]
)
def test_without_token_or_session_the_answer_is_401(api_world, method, path):
    response = getattr(Client(), method)(path, {}, content_type="application/json")

    body = assert_problem(response, 401, "not_authenticated")
    assert body["title"] == "Chưa xác thực"
    assert "Authorization: Bearer" in body["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer mcua_khong-dung", "Bearer ", "Token abcdefghijk", "Bearer mcua_" + "x" * 43, "bearer"],
)
def test_a_wrong_token_is_refused_with_401(api_world, header):
    response = Client(HTTP_AUTHORIZATION=header).get(URL)

    assert_problem(response, 401, "invalid_token")


def test_an_inactive_client_or_a_replaced_token_is_refused(api_world):
    assert api_world.token_client().get(URL).status_code == 200

    api_client_update(client=api_world.counter, is_active=False)
    body = assert_problem(api_world.token_client().get(URL), 401, "invalid_token")
    assert api_world.counter_token not in body["detail"]


def test_a_bad_token_never_falls_back_to_the_session(api_world):
    client = api_world.session_client(api_world.reception, HTTP_AUTHORIZATION="Bearer mcua_sai")

    assert_problem(client.get(URL), 401, "invalid_token")


def test_signed_in_writes_need_the_csrf_token(api_world):
    client = api_world.session_client(api_world.reception, enforce_csrf_checks=True)

    response = client.post(
        URL, api_world.payload(receiving_agency=api_world.center.code), content_type="application/json"
    )

    assert_problem(response, 403, "csrf_failed")
    assert Dossier.objects.count() == 0


def test_token_is_never_written_to_the_log(api_world, caplog):
    caplog.set_level("DEBUG")
    api_world.token_client().get(URL)
    Client(HTTP_AUTHORIZATION="Bearer mcua_sai-hoan-toan").get(URL)

    assert api_world.counter_token not in caplog.text
    assert "mcua_sai-hoan-toan" not in caplog.text


# --- Submission -------------------------------------------------------------------------------------------------


def test_counter_software_registers_a_paper_dossier(api_world):
    response = api_world.token_client().post(URL, api_world.payload(), content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith(f"{api_world.center.code}-260302-")
    assert body["status"] == {"code": 2, "label": "Được tiếp nhận"}
    assert (body["substate"], body["channel"], body["revision"]) == ("awaiting_assignment", "direct", 1)
    assert body["receiving_agency"] == {"code": api_world.center.code, "name": api_world.center.name}
    assert body["competent_agency"]["code"] == api_world.department.code
    assert body["appointment_at"] == "2026-03-09T09:00:00+07:00"  # 5 working days
    assert [len(c["files"]) for c in body["components"]] == [1, 1]
    assert body["components"][0]["files"][0]["content_type"] == "application/pdf"
    assert {a["name"] for a in body["actions"]} <= set(api_world.counter.allowed_actions)
    dossier = Dossier.objects.get(code=body["code"])
    event = DossierEvent.objects.get(dossier=dossier)
    assert (event.action, event.actor_id, event.actor_name) == (
        "register",
        api_world.counter.account_id,
        "Phần mềm quầy Trung tâm",
    )
    assert event.origin == "127.0.0.1"
    assert "Idempotent-Replayed" not in response


def test_a_replayed_request_answers_the_same_dossier(api_world):
    first = api_world.token_client().post(
        URL, api_world.payload(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="quay-1-0001"
    )
    again = api_world.token_client().post(
        URL, api_world.payload(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="quay-1-0001"
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["code"] == first.json()["code"]
    assert again["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1
    assert DossierFile.objects.count() == 2


def test_keys_belong_to_their_caller(api_world):
    api_world.submit(key="cung-khoa")
    session = api_world.session_client(api_world.reception)
    api_world.submit(session, key="cung-khoa", receiving_agency=api_world.center.code)

    assert Dossier.objects.count() == 2


def test_a_key_reused_for_another_request_is_refused(api_world):
    api_world.submit(key="quay-1-0002")

    changed = api_world.payload(summary="Một hồ sơ khác")
    response = api_world.token_client().post(
        URL, changed, content_type="application/json", HTTP_IDEMPOTENCY_KEY="quay-1-0002"
    )

    assert_problem(response, 422, "idempotency_key_reused")
    assert Dossier.objects.count() == 1


def test_without_a_key_each_request_is_a_new_dossier(api_world):
    api_world.submit()
    api_world.submit()

    assert Dossier.objects.count() == 2


def _assert_nothing_saved():
    assert Dossier.objects.count() == 0
    assert DossierFile.objects.count() == 0
    assert DossierEvent.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def _assert_no_stored_files(settings):
    stored = settings.MEDIA_ROOT / "dossiers"
    assert not stored.exists() or not any(path.is_file() for path in stored.rglob("*"))


def test_a_wrong_identity_number_is_refused_and_nothing_is_saved(api_world, settings):
    payload = api_world.payload()
    payload["applicant"]["identity_number"] = "12345"

    response = api_world.token_client().post(
        URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    body = assert_problem(response, 422, "invalid_identity_number")
    assert "12 chữ số" in body["detail"]
    _assert_nothing_saved()
    _assert_no_stored_files(settings)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("to-khai.pdf", b"MZ\x90\x00" + b"\x00" * 200, "executable_file"),
        ("to-khai.exe", PDF, "file_extension_not_accepted"),
        ("to-khai.png", PDF, "file_type_mismatch"),
        ("to-khai.pdf", b"chi la van ban", "file_type_unknown"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_saved(api_world, settings, name, content, code):
    payload = api_world.payload()
    payload["documents"][1]["files"] = [{"name": name, "content_base64": b64(content)}]

    response = api_world.token_client().post(URL, payload, content_type="application/json")

    assert_problem(response, 422, code)
    _assert_nothing_saved()
    _assert_no_stored_files(settings)


def test_an_empty_file_is_refused_by_the_schema(api_world):
    payload = api_world.payload()
    payload["documents"][1]["files"] = [{"name": "rong.pdf", "content_base64": ""}]

    response = api_world.token_client().post(URL, payload, content_type="application/json")

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [{"field": "content_base64", "message": "Cần ít nhất 1 ký tự."}]
    _assert_nothing_saved()


def test_a_file_over_the_component_limit_is_refused(api_world):
    CaseComponent.objects.filter(case=api_world.case).update(max_size_mb=1)
    big = PDF + b"0" * (1024 * 1024)
    payload = api_world.payload()
    payload["documents"][0]["files"] = [{"name": "lon.pdf", "content_base64": b64(big)}]

    response = api_world.token_client().post(URL, payload, content_type="application/json")

    body = assert_problem(response, 422, "file_too_large")
    assert "1 MB" in body["detail"]
    _assert_nothing_saved()


def test_content_that_is_not_base64_is_refused(api_world):
    payload = api_world.payload()
    payload["documents"][0]["files"] = [{"name": "to-khai.pdf", "content_base64": "khong-phai-base64!"}]

    response = api_world.token_client().post(URL, payload, content_type="application/json")

    assert_problem(response, 422, "invalid_base64")
    _assert_nothing_saved()


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"procedure": "9.999999"}, "unknown_procedure"),
        ({"case_id": 999999}, "unknown_case"),
        ({"competent_agency": "KHONG.CO"}, "unknown_agency"),
        ({"documents": [{"component_id": 999999}]}, "unknown_component"),
        ({"channel": "fax"}, "validation_failed"),
    ],
)
def test_references_that_do_not_exist_are_422(api_world, override, code):
    response = api_world.token_client().post(
        URL, api_world.payload(**override), content_type="application/json"
    )

    assert_problem(response, 422, code)
    _assert_nothing_saved()


def test_online_submission_needs_the_action_allowed(api_world):
    payload = api_world.payload(channel="online")

    response = api_world.token_client().post(URL, payload, content_type="application/json")
    body = assert_problem(response, 403, "client_action_forbidden")
    assert "Nộp hồ sơ trực tuyến" in body["detail"]

    api_client_update(
        client=api_world.counter, allowed_actions=[*api_world.counter.allowed_actions, "submit_online"]
    )
    created = api_world.submit(channel="online")
    assert created["status"]["code"] == 1
    assert created["substate"] == "awaiting_reception"


def test_a_citizen_submits_online_with_the_session(api_world):
    client = api_world.session_client(api_world.citizen)

    created = api_world.submit(client, channel="online", receiving_agency=api_world.center.code)

    dossier = Dossier.objects.get(code=created["code"])
    assert dossier.owner == api_world.citizen
    assert (dossier.status, dossier.result_channel) == (1, "online")


def test_a_citizen_cannot_register_at_the_counter(api_world):
    client = api_world.session_client(api_world.citizen)

    response = client.post(
        URL, api_world.payload(receiving_agency=api_world.center.code), content_type="application/json"
    )

    assert_problem(response, 403, "transition_forbidden")
    _assert_nothing_saved()


def test_a_session_caller_must_name_the_receiving_agency(api_world):
    response = api_world.session_client(api_world.reception).post(
        URL, api_world.payload(), content_type="application/json"
    )

    assert_problem(response, 422, "receiving_agency_required")


# --- Reading ----------------------------------------------------------------------------------------------------


def test_detail_shows_the_whole_dossier(api_world):
    code = api_world.submit()["code"]

    body = api_world.token_client().get(f"{URL}/{code}").json()

    assert body["applicant"] == {
        "kind": "citizen",
        "kind_label": "Công dân",
        "name": "Nguyễn Văn An",
        "identity_number": "042090001234",
        "phone": "0912345678",
        "email": "an@example.invalid",
        "address": "Phường Thành Sen, Hà Tĩnh",
    }
    assert [step["kind"] for step in body["steps"]] == ["reception", "process", "return"]
    assert body["steps"][0]["finished_at"] == "2026-03-02T09:00:00+07:00"
    assert body["procedure"]["national_code"] == api_world.version.procedure.national_code
    assert body["submitter"] is None
    assert body["results"] == []


def test_unknown_and_forbidden_dossiers_answer_the_same_404(api_world):
    code = api_world.submit()["code"]
    unknown = code[:-4] + "9999"

    forbidden = api_world.token_client(api_world.outsider_token).get(f"{URL}/{code}")
    missing = api_world.token_client(api_world.outsider_token).get(f"{URL}/{unknown}")
    stranger = api_world.session_client(api_world.other_citizen).get(f"{URL}/{code}")

    for response, asked in ((forbidden, code), (missing, unknown), (stranger, code)):
        body = assert_problem(response, 404, "not_found")
        assert body["detail"] == f"Không tìm thấy hồ sơ “{asked}”."
    assert forbidden.json()["title"] == missing.json()["title"]


def test_list_is_scoped_to_the_callers_agency(api_world):
    ours = api_world.submit()["code"]

    assert [item["code"] for item in api_world.token_client().get(URL).json()["items"]] == [ours]
    assert api_world.token_client(api_world.outsider_token).get(URL).json()["count"] == 0
    assert api_world.session_client(api_world.other_citizen).get(URL).json()["count"] == 0
    assert api_world.session_client(api_world.specialist).get(URL).json()["count"] == 1


def test_list_filters_by_status_and_reception_dates(api_world, clock):
    first = api_world.submit()["code"]
    clock.move_to(datetime(2026, 3, 4, 10, 0, tzinfo=VN))
    second = api_world.submit()["code"]
    client = api_world.token_client()

    def codes(**params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [item["code"] for item in response.json()["items"]]

    assert codes() == [second, first]  # newest first
    assert codes(**{"from": "2026-03-03"}) == [second]
    assert codes(to="2026-03-02") == [first]
    assert codes(status=2) == [second, first]
    assert codes(status=1) == []
    assert_problem(client.get(URL, {"status": 11}), 422, "validation_failed")
    assert_problem(client.get(URL, {"from": "02/03/2026"}), 422, "validation_failed")


def test_list_item_shape(api_world):
    api_world.submit()

    item = api_world.token_client().get(URL).json()["items"][0]

    assert set(item) == {
        "code",
        "status",
        "substate",
        "substate_label",
        "revision",
        "channel",
        "channel_label",
        "procedure",
        "receiving_agency",
        "competent_agency",
        "applicant_name",
        "submitted_at",
        "received_at",
        "appointment_at",
        "finished_at",
        "returned_at",
        "is_overdue",
    }
    assert item["substate_label"] == "Chờ phân công xử lý"
    assert item["is_overdue"] is False


def _list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


def test_list_costs_the_same_number_of_queries_for_2_or_12_dossiers(api_world, clock):
    client = api_world.token_client()
    for _ in range(2):
        api_world.submit()
    clock.shift(120)  # past the once-a-minute "last used" write, so both measures include it or neither
    few = _list_queries(client, page_size=2)  # full pages: both need the count
    for _ in range(10):
        api_world.submit()
    clock.shift(120)
    many = _list_queries(client, page_size=2)

    assert few == many
    assert many <= 4  # client (+ last used), page, count


def test_detail_query_count_does_not_grow_with_files(api_world):
    client = api_world.token_client()
    small = api_world.submit()["code"]
    payload = api_world.payload()
    for document in payload["documents"]:
        document["files"] = [{"name": f"tep-{n}.pdf", "content_base64": b64(PDF)} for n in range(5)]
    large = api_world.submit(**{"documents": payload["documents"]})["code"]

    with CaptureQueriesContext(connection) as one:
        client.get(f"{URL}/{small}")
    with CaptureQueriesContext(connection) as five:
        client.get(f"{URL}/{large}")

    assert len(one) == len(five)
