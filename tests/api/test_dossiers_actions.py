"""POST /api/v1/dossiers/{code}/actions/{action}: the back office's rules through the API."""

# ruff: noqa: F811  (the fixtures api_world and clock come from test_dossiers.py)

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.integration.services import api_client_create, api_client_update
from motcua.payments.models import PaymentRequest
from motcua.payments.services import payment_request_exempt

from .test_dossiers import PDF, URL, VN, api_world, assert_problem, b64, clock  # noqa: F401

pytestmark = pytest.mark.django_db


def act(client, code: str, action: str, **body):
    return client.post(f"{URL}/{code}/actions/{action}", body, content_type="application/json")


@pytest.fixture
def online(api_world):
    """An online dossier waiting for reception, submitted by the citizen with the session."""
    client = api_world.session_client(api_world.citizen)
    return api_world.submit(client, channel="online", receiving_agency=api_world.center.code)


def test_counter_software_receives_an_online_dossier(api_world, online):
    response = act(api_world.token_client(), online["code"], "receive", revision=online["revision"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"]["code"] == 2
    assert body["revision"] == online["revision"] + 1
    assert body["appointment_at"] == "2026-03-09T09:00:00+07:00"
    last = DossierEvent.objects.filter(dossier__code=online["code"]).order_by("-sequence").first()
    assert (last.action, last.actor_id) == ("receive", api_world.counter.account_id)


def test_a_stale_revision_is_a_409_and_changes_nothing(api_world, online):
    stale = online["revision"]
    act(api_world.token_client(), online["code"], "receive", revision=stale)
    before = Dossier.objects.get(code=online["code"])

    response = act(
        api_world.token_client(), online["code"], "withdraw", revision=stale, reason="Người nộp xin rút"
    )

    body = assert_problem(response, 409, "stale_revision")
    assert body["detail"] == "Hồ sơ vừa được thay đổi, vui lòng tải lại."
    after = Dossier.objects.get(code=online["code"])
    assert (after.status, after.revision) == (before.status, before.revision)


def test_an_unknown_action_is_422(api_world, online):
    body = assert_problem(
        act(api_world.token_client(), online["code"], "xoa", revision=1), 422, "unknown_action"
    )

    assert body["detail"] == "Thao tác “xoa” không tồn tại."
    assert body["errors"][0]["field"] == "action"


def test_creating_actions_point_to_the_submission_endpoint(api_world, online):
    body = assert_problem(
        act(api_world.token_client(), online["code"], "register", revision=1), 422, "unknown_action"
    )

    assert "POST /api/v1/dossiers" in body["detail"]


def test_an_action_the_client_is_not_allowed_is_403(api_world, online):
    act(api_world.token_client(), online["code"], "receive", revision=online["revision"])

    response = act(api_world.token_client(), online["code"], "stop", revision=2, reason="Dừng")

    body = assert_problem(response, 403, "client_action_forbidden")
    assert "Dừng xử lý" in body["detail"]
    assert Dossier.objects.get(code=online["code"]).revision == 2


def test_an_allowed_action_outside_the_clients_roles_is_403(api_world, online):
    receiving = act(api_world.token_client(), online["code"], "receive", revision=online["revision"]).json()
    api_client_update(client=api_world.counter, allowed_actions=[*api_world.counter.allowed_actions, "stop"])

    response = act(
        api_world.token_client(), online["code"], "stop", revision=receiving["revision"], reason="Dừng"
    )

    body = assert_problem(response, 403, "transition_forbidden")
    assert "Dừng xử lý" in body["detail"]
    assert Dossier.objects.get(code=online["code"]).status == 2


def test_an_action_not_available_in_this_state_is_a_409_with_the_reason(api_world, online):
    response = act(api_world.token_client(), online["code"], "return_result", revision=online["revision"])

    body = assert_problem(response, 409, "transition_not_allowed")
    assert body["detail"] == "Không thể thực hiện “Trả kết quả” khi hồ sơ đang ở trạng thái “Mới đăng ký”."
    assert Dossier.objects.get(code=online["code"]).revision == online["revision"]


def test_the_wrong_supplement_request_name_for_the_state_is_a_409(api_world, online):
    response = act(
        api_world.session_client(api_world.reception),
        online["code"],
        "request_supplement",
        revision=online["revision"],
        reason="Thiếu giấy tờ",
        items=["Bản chụp Căn cước"],
    )

    body = assert_problem(response, 409, "transition_not_allowed")
    assert "request_supplement_at_reception" in body["detail"]


def test_a_missing_reason_is_422(api_world, online):
    response = act(api_world.token_client(), online["code"], "refuse_reception", revision=online["revision"])

    assert_problem(response, 422, "reason_required")
    assert Dossier.objects.get(code=online["code"]).status == 1


def test_a_missing_revision_is_422(api_world, online):
    response = api_world.token_client().post(
        f"{URL}/{online['code']}/actions/receive", {}, content_type="application/json"
    )

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [{"field": "revision", "message": "Thiếu giá trị bắt buộc."}]


def test_acting_on_a_dossier_out_of_scope_is_the_same_404(api_world, online):
    response = act(
        api_world.token_client(api_world.outsider_token),
        online["code"],
        "receive",
        revision=online["revision"],
    )

    body = assert_problem(response, 404, "not_found")
    assert body["detail"] == f"Không tìm thấy hồ sơ “{online['code']}”."


def test_supplement_at_reception_then_the_citizen_supplements(api_world, online):
    counter = api_world.token_client()
    asked = act(
        counter,
        online["code"],
        "request_supplement_at_reception",
        revision=online["revision"],
        reason="Bản chụp Căn cước bị mờ",
        items=["Bản chụp Căn cước rõ nét"],
    ).json()
    assert asked["status"]["code"] == 5

    component = api_world.components[1]
    supplemented = act(
        api_world.session_client(api_world.citizen),
        online["code"],
        "submit_supplement",
        revision=asked["revision"],
        documents=[
            {"component_id": component.pk, "files": [{"name": "cccd.pdf", "content_base64": b64(PDF)}]}
        ],
    )

    assert supplemented.status_code == 200, supplemented.content
    body = supplemented.json()
    assert body["status"]["code"] == 1
    assert len(body["components"][1]["files"]) == 2


def test_the_whole_processing_through_the_api(api_world, online, clock):
    counter = api_world.token_client()
    leader = api_world.session_client(api_world.leader)
    specialist = api_world.session_client(api_world.specialist)
    received = act(counter, online["code"], "receive", revision=online["revision"]).json()
    process_step = next(step for step in received["steps"] if step["kind"] == "process")

    assigned = act(
        leader,
        online["code"],
        "assign",
        revision=received["revision"],
        assignee=api_world.specialist.username,
        step_id=process_step["id"],
    ).json()
    assert (assigned["status"]["code"], assigned["steps"][1]["assignee"]) == (4, str(api_world.specialist))
    assert "assign" in {a["name"] for a in assigned["actions"]}  # the leader may give the step to another

    names = {a["name"] for a in specialist.get(f"{URL}/{online['code']}").json()["actions"]}
    assert "submit_for_approval" in names
    submitted = act(
        specialist, online["code"], "submit_for_approval", revision=assigned["revision"], note="Đủ"
    )
    assert submitted.json()["substate"] == "awaiting_approval"

    result = {"name": "Phiếu lý lịch tư pháp số 1", "file": {"name": "phieu.pdf", "content_base64": b64(PDF)}}
    approved = act(leader, online["code"], "approve", revision=submitted.json()["revision"], results=[result])
    assert approved.status_code == 200, approved.content
    assert approved.json()["results"][0]["code"] == f"{online['code']}-KQ1"

    too_early = act(counter, online["code"], "return_result", revision=approved.json()["revision"])
    assert_problem(too_early, 409, "transition_precondition")
    told = act(counter, online["code"], "notify_early_return", revision=approved.json()["revision"]).json()
    returned = act(
        counter, online["code"], "return_result", revision=told["revision"], channel="online"
    ).json()
    assert returned["status"] == {"code": 10, "label": "Đã trả kết quả"}
    assert returned["returned_at"] == "2026-03-02T09:00:00+07:00"


def test_parameters_an_action_needs_are_checked(api_world, online):
    counter = api_world.token_client()
    received = act(counter, online["code"], "receive", revision=online["revision"]).json()
    leader = api_world.session_client(api_world.leader)

    unknown_user = act(
        leader, online["code"], "assign", revision=received["revision"], assignee="khong-co-ai"
    )
    assert_problem(unknown_user, 422, "unknown_user")
    unknown_step = act(
        leader,
        online["code"],
        "assign",
        revision=received["revision"],
        assignee=api_world.specialist.username,
        step_id=999999,
    )
    assert_problem(unknown_step, 422, "unknown_step")
    no_date = act(leader, online["code"], "propose_extension", revision=received["revision"], reason="Chậm")
    body = assert_problem(no_date, 422, "validation_failed")
    assert body["errors"][0]["field"] == "new_appointment"
    assert Dossier.objects.get(code=online["code"]).revision == received["revision"]


def test_detail_offers_only_the_actions_the_client_is_allowed(api_world, online):
    limited = api_client_create(name="Kiosk tra cứu", agency=api_world.center, allowed_actions=["receive"])
    full = {a["name"] for a in api_world.token_client().get(f"{URL}/{online['code']}").json()["actions"]}
    only = {
        a["name"]
        for a in api_world.token_client(limited.token).get(f"{URL}/{online['code']}").json()["actions"]
    }

    assert {"receive", "refuse_reception", "request_supplement_at_reception", "withdraw"} <= full
    assert only == {"receive"}
    refuse = next(
        a
        for a in api_world.token_client().get(f"{URL}/{online['code']}").json()["actions"]
        if a["name"] == "refuse_reception"
    )
    assert refuse == {"name": "refuse_reception", "label": "Từ chối tiếp nhận hồ sơ", "reason_required": True}


def test_consultation_and_payment_parameters(api_world, online, clock):
    counter = api_world.token_client()
    leader = api_world.session_client(api_world.leader)
    specialist = api_world.session_client(api_world.specialist)
    received = act(counter, online["code"], "receive", revision=online["revision"]).json()
    assigned = act(
        leader,
        online["code"],
        "assign",
        revision=received["revision"],
        assignee=api_world.specialist.username,
    ).json()

    consulted = act(
        specialist,
        online["code"],
        "consult",
        revision=assigned["revision"],
        agencies=[api_world.elsewhere.code],
        question="Đề nghị cho ý kiến",
        deadline=datetime(2026, 3, 4, 17, 0, tzinfo=VN).isoformat(),
    )
    assert consulted.status_code == 200, consulted.content
    assert consulted.json()["substate"] == "consulting"

    paid = act(
        specialist,
        online["code"],
        "request_payment",
        revision=consulted.json()["revision"],
        description="Lệ phí cấp phiếu",
        lines=[{"name": "Lệ phí cấp phiếu", "kind": "le_phi", "amount": 100000}],
    )
    assert_problem(paid, 409, "transition_not_allowed")  # not while consulting
    assert not PaymentRequest.objects.filter(dossier__code=online["code"], origin="obligation").exists()


def _in_step(api_world, online) -> dict:
    counter = api_world.token_client()
    received = act(counter, online["code"], "receive", revision=online["revision"]).json()
    leader = api_world.session_client(api_world.leader)
    return act(
        leader,
        online["code"],
        "assign",
        revision=received["revision"],
        assignee=api_world.specialist.username,
    ).json()


def test_request_payment_creates_the_obligation_the_applicant_pays(api_world, online):
    assigned = _in_step(api_world, online)
    specialist = api_world.session_client(api_world.specialist)
    lines = [
        {"name": "Lệ phí cấp phiếu", "kind": "le_phi", "amount": 100000},
        {"name": "Phí thẩm định", "kind": "phi", "amount": 50000},
    ]

    response = act(
        specialist,
        online["code"],
        "request_payment",
        revision=assigned["revision"],
        description="Nộp lệ phí cấp phiếu và phí thẩm định",
        lines=lines,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"]["code"] == 6 and body["substate"] == "awaiting_payment"
    payment = body["payment"]
    assert (payment["state"], payment["amount_due"]) == ("unpaid", 150000)
    (requested,) = payment["requests"]
    assert (requested["origin"], requested["online_payment_allowed"]) == ("obligation", True)
    assert [(line["name"], line["kind"], line["amount"]) for line in requested["lines"]] == [
        ("Lệ phí cấp phiếu", "le_phi", 100000),
        ("Phí thẩm định", "phi", 50000),
    ]
    assert Dossier.objects.get(code=online["code"]).paid_online is False
    # The citizen is offered the payment of exactly that request.
    mine = api_world.session_client(api_world.citizen).get(f"{URL}/{online['code']}").json()
    assert mine["payment"]["requests"][0]["id"] == requested["id"]
    # Nobody confirms by hand: the obligation ends when it is paid, collected or exempted.
    assert "confirm_payment" not in {a["name"] for a in body["actions"]}
    staff_view = api_world.token_client().get(f"{URL}/{online['code']}").json()
    assert "confirm_payment" not in {a["name"] for a in staff_view["actions"]}
    confirm = act(api_world.token_client(), online["code"], "confirm_payment", revision=body["revision"])
    assert_problem(confirm, 422, "unknown_action")
    request = PaymentRequest.objects.get(public_id=requested["id"])
    payment_request_exempt(request=request, actor=api_world.leader, reason="Người có công với cách mạng")
    after = api_world.token_client().get(f"{URL}/{online['code']}").json()
    assert after["status"]["code"] == 4
    confirmed = DossierEvent.objects.filter(dossier__code=online["code"], action="confirm_payment").get()
    assert confirmed.actor_id is None


@pytest.mark.parametrize(
    ("lines", "code", "field"),
    [
        ([], "obligation_lines_required", "lines"),
        ([{"name": "Lệ phí", "kind": "le_phi", "amount": 0}], "validation_failed", "amount"),
        ([{"name": "Lệ phí", "kind": "le_phi", "amount": -5}], "validation_failed", "amount"),
        ([{"name": "Thuế", "kind": "thue", "amount": 1000}], "validation_failed", "kind"),
        ([{"name": "", "kind": "le_phi", "amount": 1000}], "validation_failed", "name"),
        ([{"kind": "le_phi", "amount": 1000}], "validation_failed", "name"),
    ],
)
def test_request_payment_needs_lines_each_with_a_name_a_kind_and_an_amount(
    api_world, online, lines, code, field
):
    assigned = _in_step(api_world, online)
    specialist = api_world.session_client(api_world.specialist)

    response = act(
        specialist,
        online["code"],
        "request_payment",
        revision=assigned["revision"],
        description="Lệ phí cấp phiếu",
        lines=lines,
    )

    body = assert_problem(response, 422, code)
    assert field in {error["field"] for error in body["errors"]}
    dossier = Dossier.objects.get(code=online["code"])
    assert (dossier.status, dossier.revision) == (4, assigned["revision"])
    assert not PaymentRequest.objects.filter(dossier=dossier).exists()


def test_request_payment_needs_a_description(api_world, online):
    assigned = _in_step(api_world, online)
    response = act(
        api_world.session_client(api_world.specialist),
        online["code"],
        "request_payment",
        revision=assigned["revision"],
        lines=[{"name": "Lệ phí", "kind": "le_phi", "amount": 1000}],
    )
    assert_problem(response, 422, "validation_failed")
    assert Dossier.objects.get(code=online["code"]).status == 4
