"""The dossier page: what it shows, the actions it offers (exactly available_transitions), downloads, access."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.backoffice.actions import ACTION_FORMS
from motcua.backoffice.views.dossier import paperwork_for
from motcua.dossiers import services
from motcua.dossiers.models import DossierFile
from motcua.dossiers.selectors import dossier_detail_for
from motcua.dossiers.workflow import SYSTEM_ROLE, TRANSITIONS_LIST, available_transitions

from .conftest import Desk, at, fresh, offered_actions, pdf

pytestmark = pytest.mark.django_db


def test_every_staff_transition_has_a_form():
    staff_transitions = {
        t.name
        for t in TRANSITIONS_LIST
        if not t.creates and any(p.role not in ("applicant", SYSTEM_ROLE) for p in t.permits)
    }
    assert set(ACTION_FORMS) == staff_transitions


def test_page_shows_the_dossier_as_received(world):
    dossier = world.in_processing()
    response = Desk(world.specialist).page(dossier)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        dossier.code,
        "Nguyễn Văn An",
        "042090001234",
        "Cấp Phiếu lý lịch tư pháp",
        world.version.procedure.national_code,
        "Phiên bản 1",
        "Trường hợp chung",
        "Trực tuyến",  # channel
        "Đang xử lý · Đang xử lý tại bước",  # status in Vietnamese
        "200.000 đ",  # fee
        "09:00 09/03/2026",  # appointment
        "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
        "giay-to-1.pdf",
        "Phiếu kiểm soát",
        "Tiếp nhận hồ sơ trực tuyến",  # timeline label of "receive"
        "Lê Thị Tiếp Nhận",  # who received it
    ):
        assert text in html, text


def test_control_sheet_rows_record_holders_hours_and_timeliness(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(4, 15))
    services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=fresh(dossier).revision
    )
    response = Desk(world.leader).page(dossier)
    rows = response.context["control_rows"]
    assert [row["step"].kind for row in rows] == ["reception", "process", "return"]
    reception, process, back = rows
    assert reception["holder"] == world.reception and reception["state"] == "done"
    assert process["holder"] == world.specialist
    assert process["from_agencies"] == [world.center]
    assert process["step"].get_timeliness_display() == "Trước hạn"
    assert back["state"] == "planned"
    html = response.content.decode()
    assert "Trước hạn" in html and "40 giờ" in html


def test_actions_are_exactly_the_available_transitions(world):
    dossier = world.in_processing()
    for user in (world.specialist, world.leader, world.reception, world.specialist2):
        response = Desk(user).page(dossier)
        expected = [t.name for t in available_transitions(dossier_detail_for(user, dossier.code), user)]
        assert offered_actions(response) == expected, user
    assert "dossier_submit_for_approval" not in offered_actions(Desk(world.leader).page(dossier))


def test_receiving_an_online_dossier_is_one_button(world):
    dossier = world.submit_online()
    page = Desk(world.reception).page(dossier)
    assert offered_actions(page) == [
        "receive",
        "refuse_reception",
        "request_supplement_at_reception",
        "withdraw",
        "attach_file",
    ]
    assert 'class="bo-action bo-action--quick"' in page.content.decode()


def test_other_agencies_get_not_found(world):
    dossier = world.register()
    outsider = Desk(world.outsider)
    assert outsider.page(dossier).status_code == 404
    assert outsider.get("/can-bo/ho-so/KHONG-TON-TAI/").status_code == 404
    response = outsider.act(dossier, "withdraw", reason="thử")
    assert response.status_code == 404
    assert fresh(dossier).revision == dossier.revision


def test_forced_action_is_refused_and_changes_nothing(world):
    dossier = world.in_processing()
    before = fresh(dossier)
    # A specialist may not approve; a reception officer may not assign.
    response = Desk(world.specialist).act(dossier, "approve", name_1="Phiếu")
    assert response.status_code == 403
    assert "Hồ sơ không thay đổi" in response.content.decode()
    response = Desk(world.reception).act(dossier, "assign", target=f"1:{world.specialist.pk}")
    assert response.status_code == 403
    after = fresh(dossier)
    assert (after.status, after.substate, after.revision) == (before.status, before.substate, before.revision)
    assert after.events.count() == before.events.count()


def test_unknown_action_is_not_found(world):
    dossier = world.in_processing()
    assert Desk(world.leader).act(dossier, "explode").status_code == 404


def test_get_on_an_action_is_not_allowed(world):
    dossier = world.in_processing()
    url = reverse("backoffice:dossier_action", args=[dossier.code, "refuse"])
    assert Desk(world.leader).get(url).status_code == 405


def test_missing_revision_is_reported(world):
    dossier = world.in_processing()
    url = reverse("backoffice:dossier_action", args=[dossier.code, "refuse"])
    response = Desk(world.leader).post(url, {"refuse-reason": "Không đủ điều kiện"})
    assert response.status_code == 422
    assert "vui lòng tải lại trang" in response.content.decode()
    assert fresh(dossier).status == dossier.status


def test_file_download_checks_access(world):
    dossier = world.register()
    stored = DossierFile.objects.filter(component__dossier=dossier).first()
    url = reverse("backoffice:dossier_file", args=[dossier.code, stored.pk])
    response = Desk(world.specialist).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Desk(world.outsider).get(url).status_code == 404
    other = world.register()
    wrong = reverse("backoffice:dossier_file", args=[other.code, stored.pk])  # a file of another dossier
    assert Desk(world.specialist).get(wrong).status_code == 404


def test_result_download(world):
    dossier = world.in_processing()
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    dossier = services.dossier_approve(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        results=[services.ResultData(name="Phiếu lý lịch tư pháp số 1", file=pdf("phieu.pdf"))],
    )
    result = dossier.results.get()
    url = reverse("backoffice:result_file", args=[dossier.code, result.pk])
    response = Desk(world.reception).get(url)
    assert response.status_code == 200
    assert 'filename="phieu.pdf"' in response["Content-Disposition"]
    assert Desk(world.outsider).get(url).status_code == 404


def test_paperwork_offered_follows_the_state(world):
    submitted = world.submit_online()
    assert [f["number"] for f in paperwork_for(dossier_detail_for(world.reception, submitted.code))] == []
    received = world.register()
    assert [f["number"] for f in paperwork_for(dossier_detail_for(world.reception, received.code))] == [
        "01",
        "05",
        "06",
    ]
    refused = services.dossier_refuse_reception(
        dossier=submitted, actor=world.reception, revision=submitted.revision, reason="Sai thẩm quyền"
    )
    assert [f["number"] for f in paperwork_for(dossier_detail_for(world.reception, refused.code))] == ["03"]
    html = Desk(world.reception).page(refused).content.decode()
    assert f"/can-bo/ho-so/{refused.code}/mau/03/" in html


def test_dossier_page_queries_do_not_grow_with_files_and_events(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dossier = world.in_processing()
    officer = Desk(world.specialist)
    officer.page(dossier)
    with CaptureQueriesContext(connection) as few:
        officer.page(dossier)
    component = world.case.components.first()
    for number in range(4):
        dossier = services.dossier_attach_files(
            dossier=fresh(dossier),
            actor=world.specialist,
            revision=fresh(dossier).revision,
            documents=[services.DocumentData(case_component=component, files=[pdf(f"them-{number}.pdf")])],
        )
    with django_assert_max_num_queries(len(few)):
        response = officer.page(dossier)
    assert "them-3.pdf" in response.content.decode()
