"""Full journeys for each channel, from submission to the return of the result."""

from __future__ import annotations

from decimal import Decimal

import pytest

from motcua.agencies.models import StaffRole
from motcua.catalog.models import Channel
from motcua.dossiers import services
from motcua.dossiers.audit import verify_dossier
from motcua.dossiers.models import DossierStep, ResultChannel, Timeliness
from motcua.dossiers.workflow import SYSTEM, DossierStatus, Substate

from .conftest import at, pdf

pytestmark = pytest.mark.django_db


def _actions(dossier):
    return list(dossier.events.order_by("sequence").values_list("action", flat=True))


def test_online_dossier_from_submission_to_online_return(world, clock):
    dossier = world.submit_online()
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.substate == Substate.AWAITING_RECEPTION
    assert dossier.code == f"{world.center.code}-260302-0001"
    assert dossier.owner == world.citizen
    assert dossier.submitted_at == at(2)
    assert dossier.received_at is None and dossier.due_at is None
    assert dossier.components.count() == 2
    stored = dossier.components.first().files.get()
    assert stored.content_type == "application/pdf"
    assert stored.original_name == "giay-to-1.pdf"
    assert len(stored.sha256) == 64

    clock.move_to(at(2, 10))
    dossier = services.dossier_receive(dossier=dossier, actor=world.reception, revision=dossier.revision)
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.substate == Substate.AWAITING_ASSIGNMENT
    assert dossier.received_at == at(2, 10)
    assert dossier.clock_started_at == at(2, 10)
    # 5 working days from Monday 10:00 (online: no paper cut-off).
    assert dossier.due_at == at(9, 10)
    assert dossier.appointment_at == dossier.due_at
    assert dossier.processing_time == Decimal(5)

    reception_step = dossier.steps.get(kind=DossierStep.Kind.RECEPTION)
    assert reception_step.finished_at == at(2, 10)
    assert reception_step.spent_hours == Decimal("1.00")
    assert reception_step.due_at == at(3, 9)  # 8 working hours after the online submission
    assert reception_step.timeliness == Timeliness.EARLY

    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.PROCESSING, Substate.IN_STEP)
    step = dossier.steps.get(kind=DossierStep.Kind.PROCESS)
    assert step.assignee == world.specialist
    assert step.started_at == at(2, 10)
    assert step.allotted_hours == Decimal(40)
    assert step.due_at == at(9, 10)

    clock.move_to(at(4, 15))
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    assert dossier.substate == Substate.AWAITING_APPROVAL
    step.refresh_from_db()
    assert step.finished_at == at(4, 15) and step.finished_by == world.specialist
    assert step.timeliness == Timeliness.EARLY

    dossier = services.dossier_approve(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        results=[services.ResultData(name="Phiếu lý lịch tư pháp số 1", file=pdf("phieu.pdf"))],
    )
    assert (dossier.status, dossier.substate) == (DossierStatus.RESOLVED, Substate.RESULT_READY)
    assert dossier.finished_at == at(4, 15)
    result = dossier.results.get()
    assert result.code == f"{dossier.code}-KQ1"
    assert result.file.name.startswith("results/")
    assert dossier.steps.get(kind=DossierStep.Kind.RETURN).started_at == at(4, 15)

    dossier = services.dossier_notify_early_return(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    assert dossier.early_return_notified_at == at(4, 15)
    clock.move_to(at(5, 8))
    dossier = services.dossier_return_result(dossier=dossier, actor=SYSTEM, revision=None)
    assert (dossier.status, dossier.substate) == (DossierStatus.RETURNED, Substate.RETURNED)
    assert dossier.returned_at == at(5, 8)
    assert dossier.returned_via == ResultChannel.ONLINE
    return_step = dossier.steps.get(kind=DossierStep.Kind.RETURN)
    assert return_step.timeliness == Timeliness.EARLY

    assert _actions(dossier) == [
        "submit_online",
        "receive",
        "assign",
        "submit_for_approval",
        "approve",
        "notify_early_return",
        "return_result",
    ]
    assert dossier.revision == 7
    assert verify_dossier(dossier) is None


def test_counter_dossier_after_the_paper_cut_off_counts_from_the_next_morning(world, clock):
    clock.move_to(at(2, 16))
    dossier = world.register()
    assert (dossier.status, dossier.substate) == (DossierStatus.RECEIVED, Substate.AWAITING_ASSIGNMENT)
    assert dossier.channel == Channel.DIRECT
    assert dossier.code == f"{world.center.code}-260302-0001"
    assert dossier.submitted_at == dossier.received_at == at(2, 16)
    assert dossier.clock_started_at == at(3, 7)
    assert dossier.due_at == at(10, 7)
    assert dossier.owner is None
    first = dossier.steps.get(kind=DossierStep.Kind.PROCESS)
    assert first.started_at == at(3, 7)

    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    clock.move_to(at(10, 9))
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    first.refresh_from_db()
    assert first.timeliness == Timeliness.LATE
    dossier = services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)
    assert (
        dossier.results.get().name == "Kết quả giải quyết thủ tục hành chính"
    )  # the version names no result
    dossier = services.dossier_return_result(
        dossier=dossier, actor=world.reception2, revision=dossier.revision, channel=ResultChannel.COUNTER
    )
    assert dossier.status == DossierStatus.RETURNED
    assert dossier.returned_via == ResultChannel.COUNTER
    assert dossier.steps.get(kind=DossierStep.Kind.RETURN).timeliness == Timeliness.LATE
    assert verify_dossier(dossier) is None


def test_counter_dossier_before_the_cut_off_counts_from_reception(world, clock):
    clock.move_to(at(2, 14, 59))
    dossier = world.register()
    assert dossier.clock_started_at == at(2, 14, 59)
    assert dossier.due_at == at(9, 14, 59)


def test_postal_dossier_is_received_at_the_hand_over_time_and_returned_by_post(world, clock):
    clock.move_to(at(3, 10))
    dossier = world.register(
        channel=Channel.POSTAL,
        submitted_at=at(2, 15, 30),
        result_channel=ResultChannel.POSTAL,
        origin="bưu chính",
    )
    assert dossier.channel == Channel.POSTAL
    assert dossier.received_at == at(2, 15, 30)
    assert dossier.clock_started_at == at(3, 7)
    assert dossier.code.endswith("-260303-0001")  # numbered on the day it is entered
    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist2
    )
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist2, revision=dossier.revision
    )
    dossier = services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)
    clock.move_to(dossier.appointment_at)
    dossier = services.dossier_return_result(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    assert dossier.returned_via == ResultChannel.POSTAL
    assert dossier.events.first().origin == "bưu chính"


def test_interconnected_template_runs_parallel_steps_and_an_approval_stage(world, clock):
    template = services.process_template_create(
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
                "Xác minh tại Sở Tư pháp", StaffRole.SPECIALIST, Decimal(8), 2, agency=world.department
            ),
            services.ProcessStepData(
                "Ý kiến Sở Tài chính", StaffRole.SPECIALIST, Decimal(8), 2, agency=world.other_department
            ),
            services.ProcessStepData(
                "Lãnh đạo Sở phê duyệt", StaffRole.LEADER, Decimal(4), 3, uses_competent_agency=True
            ),
        ],
    )
    dossier = world.received_online()
    assert dossier.process_template == template
    steps = {s.name: s for s in dossier.steps.all()}
    assert steps["Thẩm định hồ sơ"].started_at == at(2)
    assert steps["Thẩm định hồ sơ"].due_at == at(4)  # 16 working hours
    assert steps["Xác minh tại Sở Tư pháp"].started_at is None

    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    clock.move_to(at(3, 9))
    dossier = services.dossier_hand_over(dossier=dossier, actor=world.specialist, revision=dossier.revision)
    stage_two = dossier.steps.filter(stage=2)
    assert all(step.started_at == at(3, 9) for step in stage_two)
    assert all(step.due_at == at(4, 9) for step in stage_two)

    clock.move_to(at(3, 11))
    dossier = services.dossier_hand_over(dossier=dossier, actor=world.specialist2, revision=dossier.revision)
    assert (
        dossier.steps.get(name="Lãnh đạo Sở phê duyệt").started_at is None
    )  # the other agency is still working
    clock.move_to(at(3, 14))
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.other_specialist, revision=dossier.revision
    )
    assert dossier.substate == Substate.AWAITING_APPROVAL
    approval = dossier.steps.get(name="Lãnh đạo Sở phê duyệt")
    assert approval.started_at == at(3, 14)
    clock.move_to(at(3, 15))
    dossier = services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)
    approval.refresh_from_db()
    assert approval.finished_by == world.leader
    assert approval.spent_hours == Decimal("1.00")
    verification = dossier.steps.get(name="Xác minh tại Sở Tư pháp")
    assert verification.finished_by == world.specialist2
    assert verification.spent_hours == Decimal("2.00")
    hand_over = dossier.events.filter(action="hand_over").first()
    assert hand_over.payload["step"]["held_by"] == world.specialist.pk
    assert hand_over.payload["step"]["spent_hours"] == "8.00"
