"""Refusals, supplements (restart and pause), refusal after appraisal, withdrawal, stop, financial
obligation, consultation, apology and extension, early return."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from motcua.catalog.models import ProcedureCase
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.models import DossierExtension, DossierStep, SupplementInterval
from motcua.dossiers.workflow import SYSTEM, DossierStatus, Substate

from .conftest import at, pdf

pytestmark = pytest.mark.django_db


# --- Reception --------------------------------------------------------------------------------------------


def test_refusal_at_reception(world, clock):
    dossier = world.submit_online()
    clock.move_to(at(2, 11))
    dossier = services.dossier_refuse_reception(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Không thuộc thẩm quyền"
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.NOT_RECEIVED, "")
    assert dossier.refused_at == at(2, 11)
    assert dossier.events.last().reason == "Không thuộc thẩm quyền"
    with pytest.raises(ValidationFailed):  # the applicant can no longer withdraw a refused dossier
        services.dossier_withdraw(dossier=dossier, actor=world.citizen, revision=dossier.revision, reason="x")


def test_refusal_at_the_counter_is_logged_with_a_code(world):
    dossier = services.dossier_refuse_at_counter(
        actor=world.reception,
        procedure_case=world.case,
        receiving_agency=world.center,
        competent_agency=world.department,
        applicant=world.applicant(),
        reason="Hồ sơ không đúng thủ tục",
    )
    assert dossier.status == DossierStatus.NOT_RECEIVED
    assert dossier.code.endswith("-260302-0001")
    assert dossier.refused_at is not None
    assert dossier.events.get().action == "refuse_at_counter"


def test_a_citizen_cannot_register_at_the_counter(world):
    with pytest.raises(PermissionDenied):
        world.register(actor=world.citizen)
    with pytest.raises(PermissionDenied):  # staff of the competent agency are not the one-stop unit
        world.register(actor=world.leader)


def test_supplement_requested_at_reception_returns_to_reception(world, clock):
    dossier = world.submit_online()
    dossier = services.dossier_request_supplement(
        dossier=dossier,
        actor=world.reception,
        revision=dossier.revision,
        reason="Tờ khai chưa ký",
        items=["Tờ khai có chữ ký", "Bản chụp Căn cước rõ nét"],
    )
    assert (dossier.status, dossier.substate) == (
        DossierStatus.SUPPLEMENT_REQUESTED,
        Substate.AWAITING_SUPPLEMENT,
    )
    interval = dossier.supplements.get()
    assert interval.items == ["Tờ khai có chữ ký", "Bản chụp Căn cước rõ nét"]
    assert interval.from_status == DossierStatus.SUBMITTED

    with pytest.raises(ValidationFailed):  # the applicant must attach the supplement
        services.dossier_submit_supplement(dossier=dossier, actor=world.citizen, revision=dossier.revision)
    clock.move_to(at(3, 8))
    dossier = services.dossier_submit_supplement(
        dossier=dossier,
        actor=world.citizen,
        revision=dossier.revision,
        documents=[
            services.DocumentData(case_component=world.case.components.first(), files=[pdf("ky.pdf")])
        ],
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.SUBMITTED, Substate.AWAITING_RECEPTION)
    assert dossier.components.first().files.count() == 2
    interval.refresh_from_db()
    assert interval.resolved_at == at(3, 8)
    assert dossier.received_at is None


def test_a_supplement_request_needs_a_complete_list(world):
    dossier = world.submit_online()
    with pytest.raises(ValidationFailed):
        services.dossier_request_supplement(
            dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Thiếu", items=[" "]
        )


# --- Supplement during appraisal: restart vs pause ---------------------------------------------------------


def _request_supplement_on_wednesday(world, clock):
    dossier = world.in_processing()
    assert dossier.due_at == at(9)
    clock.move_to(at(4))
    return services.dossier_request_supplement(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        reason="Cần bản sao chứng thực",
        items=["Bản sao chứng thực Căn cước"],
    )


def _supplement_on_next_tuesday(world, clock, dossier):
    clock.move_to(at(10, 10))
    return services.dossier_submit_supplement(
        dossier=dossier,
        actor=world.citizen,
        revision=dossier.revision,
        documents=[services.DocumentData(name="Bản sao chứng thực Căn cước", files=[pdf("cc.pdf")])],
    )


def test_supplement_restarts_the_time_limit_by_default(world, clock):
    assert world.case.supplement_rule == ProcedureCase.SupplementRule.RESTART
    dossier = _request_supplement_on_wednesday(world, clock)
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert dossier.events.last().payload["within_legal_window"] is True
    dossier = _supplement_on_next_tuesday(world, clock, dossier)
    assert (dossier.status, dossier.substate) == (DossierStatus.PROCESSING, Substate.IN_STEP)
    assert dossier.clock_started_at == at(10, 10)
    assert dossier.due_at == at(17, 10)  # five full working days again
    assert dossier.appointment_at == at(17, 10)
    interval = dossier.supplements.get()
    assert (interval.old_due, interval.new_due) == (at(9), at(17, 10))
    assert (interval.old_appointment, interval.new_appointment) == (at(9), at(17, 10))
    assert interval.rule == SupplementInterval.Rule.RESTART
    step = dossier.steps.get(kind=DossierStep.Kind.PROCESS)
    assert step.started_at == at(10, 10) and step.due_at == at(17, 10)
    assert dossier.components.filter(name="Bản sao chứng thực Căn cước").exists()


def test_supplement_pauses_the_time_limit_when_the_case_says_so(world, clock):
    ProcedureCase.objects.filter(pk=world.case.pk).update(supplement_rule=ProcedureCase.SupplementRule.PAUSE)
    dossier = _request_supplement_on_wednesday(world, clock)
    dossier = _supplement_on_next_tuesday(world, clock, dossier)
    # 24 working hours were left on Wednesday 09:00; they resume on Tuesday 10:00.
    assert dossier.due_at == at(13, 10)
    assert dossier.appointment_at == at(13, 10)
    assert dossier.clock_started_at == at(2)
    step = dossier.steps.get(kind=DossierStep.Kind.PROCESS)
    assert step.started_at == at(2) and step.due_at == at(13, 10)
    assert dossier.supplements.get().rule == SupplementInterval.Rule.PAUSE


def test_a_late_supplement_request_is_recorded_as_such(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(6, 10))  # more than 3 working days after reception
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    assert dossier.events.last().payload["within_legal_window"] is False


def test_staff_may_record_a_paper_supplement_without_files(world, clock):
    dossier = _request_supplement_on_wednesday(world, clock)
    dossier = services.dossier_submit_supplement(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    assert dossier.status == DossierStatus.PROCESSING


# --- Refusal after appraisal, withdrawal, stop ----------------------------------------------------------


def test_refusal_after_appraisal_is_returned_as_a_result(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(5))
    dossier = services.dossier_refuse(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        reason="Không đủ điều kiện\nThiếu xác minh",
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.RESOLVED, Substate.REFUSED)
    assert dossier.refused_at == at(5) and dossier.finished_at == at(5)
    assert dossier.events.last().payload["within_time_limit"] is True
    assert not dossier.steps.filter(kind=DossierStep.Kind.PROCESS, finished_at__isnull=True).exists()
    clock.move_to(at(9))
    dossier = services.dossier_return_result(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.RETURNED, Substate.REFUSED)


def test_withdrawal_by_the_applicant_and_by_staff(world):
    own = world.in_processing()
    own = services.dossier_withdraw(
        dossier=own, actor=world.citizen, revision=own.revision, reason="Không còn nhu cầu"
    )
    assert own.status == DossierStatus.WITHDRAWN and own.withdrawn_at is not None
    assert own.events.last().payload["requested_by"] == "applicant"
    assert not own.steps.filter(kind=DossierStep.Kind.PROCESS, finished_at__isnull=True).exists()

    other = world.received_online()
    with pytest.raises(PermissionDenied):
        services.dossier_withdraw(
            dossier=other, actor=world.other_citizen, revision=other.revision, reason="x"
        )
    other = services.dossier_withdraw(
        dossier=other, actor=world.reception, revision=other.revision, reason="Đơn xin rút ngày 02/03/2026"
    )
    assert other.events.last().payload["requested_by"] == "staff"


def test_stop_by_a_leader_of_the_competent_agency(world):
    dossier = world.in_processing()
    dossier = services.dossier_stop(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="Tranh chấp"
    )
    assert dossier.status == DossierStatus.STOPPED and dossier.stopped_at is not None
    with pytest.raises(ValidationFailed):
        services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)


# --- Financial obligation ---------------------------------------------------------------------------------


def test_awaiting_financial_obligation_does_not_count_against_the_time_limit(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(3))
    dossier = services.dossier_request_payment(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        amount=1_500_000,
        description="Lệ phí trước bạ",
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.AWAITING_PAYMENT, Substate.AWAITING_PAYMENT)
    clock.move_to(at(4))
    dossier = services.dossier_confirm_payment(
        dossier=dossier, actor=SYSTEM, revision=None, reference="GD123"
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.PROCESSING, Substate.IN_STEP)
    assert dossier.due_at == at(10) and dossier.appointment_at == at(10)  # one working day later
    assert dossier.steps.get(kind=DossierStep.Kind.PROCESS).due_at == at(10)
    assert dossier.events.last().actor is None and dossier.events.last().origin == "system"


# --- Consultation ---------------------------------------------------------------------------------------------


def test_consultation_waits_for_every_answer(world, clock):
    dossier = world.in_processing()
    with pytest.raises(ValidationFailed):
        services.dossier_consult(
            dossier=dossier,
            actor=world.specialist,
            revision=dossier.revision,
            agencies=[world.other_department],
            question="Ý kiến?",
            deadline=at(1),
        )
    dossier = services.dossier_consult(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        agencies=[world.other_department],
        question="Đề nghị cho ý kiến về nghĩa vụ tài chính",
        deadline=at(4, 17),
    )
    assert dossier.substate == Substate.CONSULTING
    with pytest.raises(ValidationFailed):  # waiting for the other agency: no approval yet
        services.dossier_submit_for_approval(
            dossier=dossier, actor=world.specialist, revision=dossier.revision
        )
    with pytest.raises(PermissionDenied):
        services.dossier_answer_consultation(
            dossier=dossier, actor=world.outsider, revision=dossier.revision, answer="Đồng ý"
        )
    clock.move_to(at(5))
    dossier = services.dossier_answer_consultation(
        dossier=dossier, actor=world.other_leader, revision=dossier.revision, answer="Thống nhất"
    )
    assert dossier.substate == Substate.IN_STEP
    consultation = dossier.consultations.get()
    assert consultation.answer == "Thống nhất" and consultation.answered_by == world.other_leader
    assert consultation.is_late
    assert dossier.events.last().payload["late"] is True


# --- Apology and extension ------------------------------------------------------------------------------------


def test_apology_moves_the_appointment_once_after_leader_approval(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(5, 9))
    dossier = services.dossier_propose_extension(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        reason="Chờ kết quả xác minh của cơ quan công an",
        new_appointment=at(13, 9),
    )
    assert dossier.appointment_at == at(9)  # unchanged until approved
    with pytest.raises(PermissionDenied):
        services.dossier_approve_extension(dossier=dossier, actor=world.specialist, revision=dossier.revision)
    dossier = services.dossier_approve_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision
    )
    assert dossier.appointment_at == at(13, 9)
    assert dossier.due_at == at(9)  # the statutory deadline stays
    assert dossier.extension_count == 1
    extension = dossier.extensions.get()
    assert extension.state == DossierExtension.State.APPROVED
    assert extension.old_appointment == at(9) and extension.decided_by == world.leader

    clock.move_to(at(10, 9))
    with pytest.raises(ValidationFailed) as raised:
        services.dossier_propose_extension(
            dossier=dossier,
            actor=world.leader,
            revision=dossier.revision,
            reason="Lần hai",
            new_appointment=at(20),
        )
    assert "một lần" in raised.value.message


def test_apology_must_come_a_working_day_before_the_appointment(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(6, 9, 1))  # Friday 09:01: less than 8 working hours before Monday 09:00
    with pytest.raises(ValidationFailed) as raised:
        services.dossier_propose_extension(
            dossier=dossier,
            actor=world.leader,
            revision=dossier.revision,
            reason="Chậm",
            new_appointment=at(12),
        )
    assert "một ngày làm việc" in raised.value.message
    clock.move_to(at(6, 9))  # exactly one working day before
    dossier = services.dossier_propose_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="Chậm", new_appointment=at(12)
    )
    clock.move_to(at(6, 10))  # the leader is too late to approve it
    with pytest.raises(ValidationFailed):
        services.dossier_approve_extension(dossier=dossier, actor=world.leader, revision=dossier.revision)


def test_new_appointment_must_be_later_and_pending_proposals_are_unique(world, clock):
    dossier = world.in_processing()
    with pytest.raises(ValidationFailed):
        services.dossier_propose_extension(
            dossier=dossier, actor=world.leader, revision=dossier.revision, reason="x", new_appointment=at(9)
        )
    dossier = services.dossier_propose_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="x", new_appointment=at(11)
    )
    with pytest.raises(ValidationFailed):
        services.dossier_propose_extension(
            dossier=dossier, actor=world.leader, revision=dossier.revision, reason="y", new_appointment=at(12)
        )
    dossier = services.dossier_reject_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="Không có căn cứ"
    )
    assert dossier.extensions.get().state == DossierExtension.State.REJECTED
    assert dossier.extension_count == 0 and dossier.appointment_at == at(9)


# --- Early return ----------------------------------------------------------------------------------------------


def _resolved(world):
    dossier = world.in_processing()
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    return services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)


def test_early_return_needs_notice_first(world, clock):
    dossier = _resolved(world)
    with pytest.raises(ValidationFailed) as raised:
        services.dossier_return_result(dossier=dossier, actor=world.reception, revision=dossier.revision)
    assert "thông báo trước" in raised.value.message
    dossier = services.dossier_notify_early_return(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    with pytest.raises(ValidationFailed):  # once is enough
        services.dossier_notify_early_return(
            dossier=dossier, actor=world.reception, revision=dossier.revision
        )
    dossier = services.dossier_return_result(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    assert dossier.status == DossierStatus.RETURNED


def test_the_system_only_returns_online(world, clock):
    dossier = _resolved(world)
    clock.move_to(dossier.appointment_at + timedelta(minutes=1))
    with pytest.raises(ValidationFailed):
        services.dossier_return_result(dossier=dossier, actor=SYSTEM, revision=None, channel="counter")


def test_several_results_are_numbered(world):
    dossier = world.in_processing()
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    dossier = services.dossier_approve(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        results=[
            services.ResultData(name="Phiếu số 1"),
            services.ResultData(name="Phiếu số 2", file=pdf("2.pdf")),
        ],
    )
    codes = list(dossier.results.values_list("code", flat=True))
    assert codes == [f"{dossier.code}-KQ1", f"{dossier.code}-KQ2"]
    assert dossier.results.get(number=2).sha256
    assert dossier.events.last().payload["results"] == codes
    assert Decimal(dossier.steps.get(kind=DossierStep.Kind.PROCESS).spent_hours) == Decimal(0)


# --- Send back ---------------------------------------------------------------------------------------------------


def test_the_leader_sends_the_draft_back_to_its_author(world, clock):
    services.process_template_create(
        case=world.case,
        name="Quy trình có bước phê duyệt",
        steps=[
            services.ProcessStepData("Thẩm định", "specialist", Decimal(24), 1, uses_competent_agency=True),
            services.ProcessStepData("Phê duyệt", "leader", Decimal(8), 2, uses_competent_agency=True),
        ],
    )
    dossier = world.in_processing()
    clock.move_to(at(3))
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    clock.move_to(at(3, 14))
    with pytest.raises(PermissionDenied):
        services.dossier_send_back(
            dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="x"
        )
    dossier = services.dossier_send_back(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="Bổ sung căn cứ pháp lý"
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.PROCESSING, Substate.IN_STEP)
    first_round = dossier.steps.filter(name="Phê duyệt").order_by("pk")
    assert [s.finished_at for s in first_round] == [at(3, 14), None]
    rework = dossier.steps.filter(name="Thẩm định").order_by("pk").last()
    assert (
        rework.started_at == at(3, 14) and rework.assignee == world.specialist and rework.finished_at is None
    )

    clock.move_to(at(4))
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    assert dossier.steps.filter(name="Phê duyệt").order_by("pk").last().started_at == at(4)
    dossier = services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)
    assert dossier.status == DossierStatus.RESOLVED
    assert not dossier.steps.filter(
        kind=DossierStep.Kind.PROCESS, started_at__isnull=False, finished_at__isnull=True
    ).exists()
