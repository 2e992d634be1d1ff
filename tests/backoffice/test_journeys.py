"""Whole journeys through the pages only: counter entry to return, online reception, supplement, refusal,
apology with the leader's approval, and two officers working on the same dossier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.agencies.models import StaffRole
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierExtension, DossierStep, SupplementInterval
from motcua.dossiers.workflow import DossierStatus, Substate

from .conftest import Desk, at, fresh, offered_actions, pdf

pytestmark = pytest.mark.django_db

COUNTER = "/can-bo/tiep-nhan/moi/"


def _counter_data(world, **overrides) -> dict:
    data = {
        "competent_agency": world.department.pk,
        "applicant_kind": "citizen",
        "applicant_name": "Trần Văn Quầy",
        "applicant_identity_number": "042090009999",
        "applicant_phone": "0987654321",
        "applicant_address": "Xã Thạch Hạ, Hà Tĩnh",
        "channel": "direct",
        "result_channel": "counter",
        "tiep_nhan": "1",
    }
    for component in world.case.components.order_by("order"):
        data[f"c{component.pk}_received"] = "on"
        data[f"c{component.pk}_copy_type"] = "original"
        data[f"c{component.pk}_quantity"] = "1"
        data[f"c{component.pk}_files"] = [
            pdf(f"quet-{component.order}-a.pdf"),
            pdf(f"quet-{component.order}-b.pdf"),
        ]
    data.update(overrides)
    return data


def _template(world):
    return services.process_template_create(
        case=world.case,
        name="Quy trình liên thông",
        steps=[
            services.ProcessStepData(
                "Thẩm định hồ sơ",
                StaffRole.SPECIALIST,
                Decimal(16),
                1,
                uses_competent_agency=True,
                is_lead=True,
            ),
            services.ProcessStepData(
                "Ý kiến Sở Tài chính", StaffRole.SPECIALIST, Decimal(8), 2, agency=world.other_department
            ),
            services.ProcessStepData(
                "Lãnh đạo Sở phê duyệt", StaffRole.LEADER, Decimal(4), 3, uses_competent_agency=True
            ),
        ],
    )


def test_counter_journey_from_paper_to_returned_result(world, clock):
    _template(world)
    reception = Desk(world.reception)

    # 1. Find the procedure; its single case opens the form directly, with the fee shown.
    found = reception.get(COUNTER, {"q": "lý lịch tư pháp"})
    assert world.version in found.context["versions"]
    form_page = reception.get(COUNTER, {"thu_tuc": world.version.procedure.national_code})
    assert form_page.context["step"] == "dossier"
    assert "200.000 đ" in form_page.content.decode()
    assert "multiple" in form_page.content.decode()

    # 2. Register: code, appointment, scanned files; the page offers the receipt (Mẫu 01).
    url = f"{COUNTER}?thu_tuc={world.version.procedure.national_code}"
    response = reception.post(url, _counter_data(world))
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/can-bo/ho-so/{dossier.code}/?moi=1"
    assert (dossier.status, dossier.channel) == (DossierStatus.RECEIVED, "direct")
    assert dossier.applicant_name == "Trần Văn Quầy"
    assert sorted(f.original_name for c in dossier.components.all() for f in c.files.all()) == [
        "quet-1-a.pdf",
        "quet-1-b.pdf",
        "quet-2-a.pdf",
        "quet-2-b.pdf",
    ]
    page = reception.get(response["Location"])
    html = page.content.decode()
    assert "In Mẫu 01" in html and f"/can-bo/ho-so/{dossier.code}/mau/01/" in html

    # 3. The leader assigns the first step.
    leader = Desk(world.leader)
    assert offered_actions(leader.page(dossier))[0] == "assign"
    first = dossier.steps.get(name="Thẩm định hồ sơ")
    response = leader.act(dossier, "assign", target=f"{first.pk}:{world.specialist.pk}")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(dossier).status == DossierStatus.PROCESSING

    # 4. The specialist hands over to the other department's specialist.
    clock.move_to(at(3, 9))
    specialist = Desk(world.specialist)
    page = specialist.page(dossier)
    assert "hand_over" in offered_actions(page)
    assert "Đỗ Văn Phối Hợp" in page.content.decode()  # the next stage's people are offered
    response = specialist.act(
        dossier, "hand_over", step=first.pk, next_assignee=world.other_specialist.pk, note="Đủ điều kiện"
    )
    assert response.status_code == 302
    second = dossier.steps.get(name="Ý kiến Sở Tài chính")
    assert second.assignee == world.other_specialist

    # 5. The other department submits for approval; the leader approves with the signed result.
    clock.move_to(at(3, 14))
    response = Desk(world.other_specialist).act(dossier, "submit_for_approval", step=second.pk)
    assert response.status_code == 302
    assert fresh(dossier).substate == Substate.AWAITING_APPROVAL
    clock.move_to(at(3, 15))
    response = leader.act(
        dossier, "approve", name_1="Phiếu lý lịch tư pháp số 1", file_1=pdf("phieu-llTP.pdf")
    )
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert (dossier.status, dossier.substate) == (DossierStatus.RESOLVED, Substate.RESULT_READY)
    assert dossier.results.get().original_name == "phieu-llTP.pdf"

    # 6. The one-stop unit tells the applicant and returns the result at the counter.
    assert offered_actions(reception.page(dossier)) == ["notify_early_return"]
    assert reception.act(dossier, "notify_early_return").status_code == 302
    assert reception.act(dossier, "return_result", channel="counter").status_code == 302
    dossier = fresh(dossier)
    assert (dossier.status, dossier.substate) == (DossierStatus.RETURNED, Substate.RETURNED)
    assert dossier.returned_via == "counter"

    events = list(dossier.events.order_by("sequence"))
    assert [e.action for e in events] == [
        "register",
        "assign",
        "hand_over",
        "submit_for_approval",
        "approve",
        "notify_early_return",
        "return_result",
    ]
    assert {e.origin for e in events} == {"127.0.0.1"}  # every event carries the officer's address
    control = reception.page(dossier).context["control_rows"]
    assert [row["holder"] for row in control] == [
        world.reception,
        world.specialist,
        world.other_specialist,
        world.leader,
        world.reception,
    ]
    assert control[2]["from_agencies"] == [world.department]


def test_postal_dossier_at_the_counter_keeps_the_hand_over_time(world):
    reception = Desk(world.reception)
    url = f"{COUNTER}?thu_tuc={world.version.procedure.national_code}"
    response = reception.post(url, _counter_data(world, channel="postal", submitted_at="2026-03-02T08:15"))
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.channel == "postal"
    assert dossier.submitted_at == at(2, 8, 15)


def test_counter_shows_domain_and_file_errors_and_creates_nothing(world):
    reception = Desk(world.reception)
    url = f"{COUNTER}?thu_tuc={world.version.procedure.national_code}"
    component = world.case.components.order_by("order").first()

    response = reception.post(url, _counter_data(world, applicant_identity_number="12345"))
    assert response.status_code == 422
    assert "Số định danh cá nhân phải gồm 12 chữ số" in response.content.decode()

    program = SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = reception.post(url, _counter_data(world, **{f"c{component.pk}_files": [program]}))
    assert response.status_code == 422
    assert "chương trình chạy được" in response.content.decode()

    data = _counter_data(world)
    del data[f"c{component.pk}_received"]
    data[f"c{component.pk}_files"] = []
    response = reception.post(url, data)
    assert response.status_code == 422
    assert "Hồ sơ còn thiếu giấy tờ bắt buộc" in response.content.decode()
    assert response.context["form"]["applicant_name"].value() == "Trần Văn Quầy"  # what was typed stays

    assert not Dossier.objects.exists()


def test_refusal_at_the_counter(world):
    reception = Desk(world.reception)
    url = f"{COUNTER}?thu_tuc={world.version.procedure.national_code}"
    data = _counter_data(world, refusal_reason="Hồ sơ không thuộc thẩm quyền tiếp nhận")
    del data["tiep_nhan"]
    data["tu_choi"] = "1"
    response = reception.post(url, data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.status == DossierStatus.NOT_RECEIVED
    page = reception.get(response["Location"])
    assert "In Mẫu 03" in page.content.decode()


def test_counter_is_for_reception_officers(world):
    assert Desk(world.specialist).get(COUNTER).status_code == 403


def test_several_cases_are_chosen_first(world):
    from motcua.catalog.models import ProcedureCase

    ProcedureCase.objects.create(
        version=world.version, order=2, name="Trường hợp người nước ngoài", processing_time=10
    )
    page = Desk(world.reception).get(COUNTER, {"thu_tuc": world.version.procedure.national_code})
    assert page.context["step"] == "case"
    assert "Trường hợp người nước ngoài" in page.content.decode()


def test_online_journey_reception_from_the_queue(world):
    dossier = world.submit_online()
    reception = Desk(world.reception)
    queue = reception.get("/can-bo/viec/cho-tiep-nhan/")
    assert [d.code for d in queue.context["page"].object_list] == [dossier.code]
    response = reception.act(dossier, "receive", follow=True)
    assert response.status_code == 200
    assert "Đã thực hiện: Tiếp nhận hồ sơ trực tuyến." in response.content.decode()
    dossier = fresh(dossier)
    assert (dossier.status, dossier.substate) == (DossierStatus.RECEIVED, Substate.AWAITING_ASSIGNMENT)
    assert dossier.appointment_at == at(9)
    assert reception.get("/can-bo/viec/cho-tiep-nhan/").context["page"].paginator.count == 0


def test_supplement_request_and_the_supplement_recorded_at_the_counter(world):
    dossier = world.in_processing()
    specialist = Desk(world.specialist)

    response = specialist.act(dossier, "request_supplement", reason="Hồ sơ chưa đủ", items="")
    assert response.status_code == 422  # the list is required
    response = specialist.act(dossier, "request_supplement", reason="Hồ sơ chưa đủ", items=" \n - \n")
    assert response.status_code == 422
    assert "Phải liệt kê đầy đủ, một lần" in response.content.decode()  # the domain's message
    assert fresh(dossier).status == DossierStatus.PROCESSING

    response = specialist.act(
        dossier,
        "request_supplement",
        reason="Bản chụp Căn cước bị mờ",
        items="- Bản chụp Căn cước rõ nét\n- Tờ khai có chữ ký",
    )
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert SupplementInterval.objects.get(dossier=dossier).items == [
        "Bản chụp Căn cước rõ nét",
        "Tờ khai có chữ ký",
    ]
    assert "02" in [f["number"] for f in specialist.page(dossier).context["paperwork"]]

    component = world.case.components.order_by("order").last()
    reception = Desk(world.reception)
    assert "submit_supplement" in offered_actions(reception.page(dossier))
    response = reception.act(
        dossier, "submit_supplement", component=component.pk, copy_type="copy", files=[pdf("cccd-ro.pdf")]
    )
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert (dossier.status, dossier.substate) == (DossierStatus.PROCESSING, Substate.IN_STEP)
    assert "cccd-ro.pdf" in [f.original_name for c in dossier.components.all() for f in c.files.all()]


def test_refusal_after_appraisal(world):
    dossier = world.in_processing()
    leader = Desk(world.leader)
    response = leader.act(dossier, "refuse", reason="")
    assert response.status_code == 422
    response = leader.act(dossier, "refuse", reason="Người yêu cầu không thuộc đối tượng được cấp")
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert (dossier.status, dossier.substate) == (DossierStatus.RESOLVED, Substate.REFUSED)
    page = leader.page(dossier)
    assert "03" in [f["number"] for f in page.context["paperwork"]]
    assert "Người yêu cầu không thuộc đối tượng được cấp" in page.content.decode()


def test_apology_proposed_by_the_specialist_and_approved_by_the_leader(world):
    dossier = world.in_processing()  # appointment 09/03 09:00
    specialist = Desk(world.specialist)
    response = specialist.act(
        dossier, "propose_extension", reason="Chờ xác minh", new_appointment="2026-03-05T09:00"
    )
    assert response.status_code == 422
    assert "Ngày hẹn mới phải sau ngày hẹn trả hiện tại" in response.content.decode()
    response = specialist.act(
        dossier,
        "propose_extension",
        reason="Cần xác minh thêm tại địa phương",
        new_appointment="2026-03-12T15:00",
    )
    assert response.status_code == 302
    assert DossierExtension.objects.get(dossier=dossier).state == DossierExtension.State.PROPOSED

    leader = Desk(world.leader)
    page = leader.page(dossier)
    assert {"approve_extension", "reject_extension"} <= set(offered_actions(page))
    assert "Cần xác minh thêm tại địa phương" in page.content.decode()
    assert "04" not in [f["number"] for f in page.context["paperwork"]]  # Mẫu 04 needs the leader's approval
    assert leader.act(dossier, "approve_extension", note="Đồng ý").status_code == 302
    dossier = fresh(dossier)
    assert dossier.appointment_at == at(12, 15)
    assert dossier.extension_count == 1
    assert "04" in [f["number"] for f in leader.page(dossier).context["paperwork"]]
    assert "propose_extension" not in offered_actions(specialist.page(dossier))  # only once


def test_conflict_keeps_what_was_typed(world):
    dossier = world.in_processing()
    seen = dossier.revision
    leader, specialist = Desk(world.leader), Desk(world.specialist)
    leader.page(dossier), specialist.page(dossier)

    # The leader acts first; the specialist still holds the old revision.
    assert (
        leader.act(
            dossier, "propose_extension", reason="Chờ ý kiến", new_appointment="2026-03-12T15:00"
        ).status_code
        == 302
    )
    response = specialist.act(
        dossier,
        "request_supplement",
        revision=seen,
        reason="Thiếu bản sao giấy khai sinh",
        items="Giấy khai sinh",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Hồ sơ vừa được thay đổi" in html
    assert "Thiếu bản sao giấy khai sinh" in html  # the reason typed is still in the form
    form = next(f for f in response.context["action_forms"] if f.action == "request_supplement")
    assert form["revision"].value() == str(seen + 1)
    assert fresh(dossier).status == DossierStatus.PROCESSING  # the stale request changed nothing
    assert not SupplementInterval.objects.exists()

    # Sending the reloaded form again works.
    response = specialist.act(
        dossier,
        "request_supplement",
        revision=seen + 1,
        reason="Thiếu bản sao giấy khai sinh",
        items="Giấy khai sinh",
    )
    assert response.status_code == 302
    assert fresh(dossier).status == DossierStatus.SUPPLEMENT_REQUESTED


def test_conflict_when_the_action_is_gone_shows_the_typed_text(world):
    dossier = world.in_processing()
    seen = dossier.revision
    assert (
        Desk(world.specialist).act(dossier, "request_supplement", reason="Thiếu", items="Tờ khai").status_code
        == 302
    )
    response = Desk(world.leader).act(dossier, "refuse", revision=seen, reason="Lý do từ chối đã soạn")
    assert response.status_code == 409
    html = response.content.decode()
    assert fresh(dossier).status == DossierStatus.SUPPLEMENT_REQUESTED
    assert "Hồ sơ vừa được thay đổi" in html
    assert "không còn thực hiện được" in html and "Lý do từ chối đã soạn" in html
    assert "refuse" not in offered_actions(response)


def test_assign_choices_are_people_with_the_role(world):
    dossier = world.received_online()
    page = Desk(world.leader).page(dossier)
    form = next(f for f in page.context["action_forms"] if f.action == "assign")
    step = dossier.steps.get(kind=DossierStep.Kind.PROCESS)
    values = [value for value, _label in form.fields["target"].choices if value]
    assert set(values) == {f"{step.pk}:{world.specialist.pk}", f"{step.pk}:{world.specialist2.pk}"}
