"""The transition table refuses forced transitions, wrong roles and wrong agencies, and changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierCodeCounter
from motcua.dossiers.workflow import (
    NEW,
    SYSTEM,
    TRANSITIONS,
    TRANSITIONS_LIST,
    DossierStatus,
    State,
    available_transitions,
    check_transition,
)

pytestmark = pytest.mark.django_db


def _names(dossier, actor) -> set[str]:
    return {t.name for t in available_transitions(dossier, actor)}


def _unchanged(dossier, revision: int, events: int) -> None:
    dossier.refresh_from_db()
    assert dossier.revision == revision
    assert dossier.events.count() == events


def test_the_table_is_well_formed():
    for transition in TRANSITIONS_LIST:
        assert transition.sources and transition.targets and transition.permits, transition.name
        assert str(transition.label), transition.name
        for target in transition.targets:
            assert not target.is_new
        for source in transition.sources:
            assert source.is_new or source.status in DossierStatus.values
    creating = {t.name for t in TRANSITIONS_LIST if t.creates}
    assert creating == {"submit_online", "register", "refuse_at_counter"}
    # Every national status can be reached.
    reached = {target.status for t in TRANSITIONS_LIST for target in t.targets if target.status}
    assert reached == set(DossierStatus.values)


def test_state_matching():
    assert State(4).matches(State(4, "consulting"))
    assert not State(4, "in_step").matches(State(4, "consulting"))
    assert NEW.matches(NEW) and not State(1).matches(NEW)


def test_available_transitions_per_actor_on_a_submitted_dossier(world):
    dossier = world.submit_online()
    assert _names(dossier, world.reception) == {
        "receive",
        "refuse_reception",
        "request_supplement_at_reception",
        "withdraw",
        "attach_file",
    }
    assert _names(dossier, world.citizen) == {"withdraw"}
    assert _names(dossier, world.other_citizen) == set()
    assert _names(dossier, world.leader) == set()
    assert _names(dossier, world.outsider) == set()
    assert _names(dossier, SYSTEM) == {"record_payment"}  # the payments app records fees


def test_available_transitions_during_processing(world):
    dossier = world.received_online()
    assert _names(dossier, world.leader) == {"assign", "refuse", "stop", "propose_extension"}
    assert _names(dossier, world.specialist) == {"attach_file", "propose_extension"}
    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    assert _names(dossier, world.specialist) == {
        "submit_for_approval",
        "request_supplement",
        "consult",
        "request_payment",
        "propose_extension",
        "attach_file",
    }
    # Assigned to a colleague: the other specialist does not hold the step.
    assert "submit_for_approval" not in _names(dossier, world.specialist2)
    assert _names(dossier, world.other_specialist) == set()
    assert _names(dossier, world.citizen) == {"withdraw"}


@pytest.mark.parametrize(
    "actor_name", ["reception", "leader", "specialist", "citizen", "outsider", "other_leader"]
)
def test_available_transitions_agree_with_the_check(world, actor_name):
    """What the UI offers is exactly what the service would accept (reason given)."""
    actor = getattr(world, actor_name)
    dossiers = [world.submit_online(), world.received_online(), world.in_processing()]
    for dossier in dossiers:
        offered = _names(dossier, actor)
        for transition in TRANSITIONS_LIST:
            if transition.creates:
                continue
            try:
                check_transition(dossier, actor, transition.name, reason="lý do")
            except (PermissionDenied, ValidationFailed):
                assert transition.name not in offered, (actor_name, dossier.status, transition.name)
            else:
                assert transition.name in offered, (actor_name, dossier.status, transition.name)


def test_a_citizen_cannot_receive_and_nothing_changes(world):
    dossier = world.submit_online()
    with pytest.raises(PermissionDenied) as raised:
        services.dossier_receive(dossier=dossier, actor=world.citizen, revision=dossier.revision)
    assert "không có quyền" in raised.value.message
    _unchanged(dossier, 1, 1)
    assert dossier.status == DossierStatus.SUBMITTED


def test_staff_of_another_agency_cannot_act(world):
    dossier = world.received_online()
    with pytest.raises(PermissionDenied):
        services.dossier_assign(
            dossier=dossier, actor=world.outsider, revision=dossier.revision, assignee=world.specialist
        )
    with pytest.raises(PermissionDenied):
        services.dossier_stop(
            dossier=dossier, actor=world.other_leader, revision=dossier.revision, reason="x"
        )
    _unchanged(dossier, 2, 2)


def test_the_wrong_role_in_the_right_agency_is_refused(world):
    dossier = world.in_processing()
    with pytest.raises(PermissionDenied):
        services.dossier_stop(dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="x")
    with pytest.raises(PermissionDenied):
        services.dossier_refuse(dossier=dossier, actor=world.clerk, revision=dossier.revision, reason="x")
    with pytest.raises(PermissionDenied):
        services.dossier_receive(dossier=dossier, actor=world.leader, revision=dossier.revision)
    _unchanged(dossier, 3, 3)


def test_a_transition_from_the_wrong_state_is_refused(world):
    dossier = world.received_online()
    with pytest.raises(ValidationFailed) as raised:
        services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)
    assert "Được tiếp nhận" in raised.value.message
    with pytest.raises(ValidationFailed):
        services.dossier_receive(dossier=dossier, actor=world.reception, revision=dossier.revision)
    with pytest.raises(ValidationFailed):
        services.dossier_return_result(dossier=dossier, actor=world.reception, revision=dossier.revision)
    _unchanged(dossier, 2, 2)


def test_a_required_reason_cannot_be_blank(world):
    dossier = world.submit_online()
    with pytest.raises(ValidationFailed) as raised:
        services.dossier_refuse_reception(dossier=dossier, actor=world.reception, revision=1, reason="   ")
    assert raised.value.code == "reason_required"
    _unchanged(dossier, 1, 1)


def test_only_the_step_holder_hands_over(world):
    dossier = world.in_processing()
    with pytest.raises(PermissionDenied):
        services.dossier_submit_for_approval(
            dossier=dossier, actor=world.specialist2, revision=dossier.revision
        )
    with pytest.raises(PermissionDenied):
        services.dossier_submit_for_approval(dossier=dossier, actor=world.leader, revision=dossier.revision)
    # The single-step plan has nothing after this step: hand over is refused, approval is the way.
    with pytest.raises(ValidationFailed) as raised:
        services.dossier_hand_over(dossier=dossier, actor=world.specialist, revision=dossier.revision)
    assert "trình lãnh đạo" in raised.value.message
    _unchanged(dossier, 3, 3)


def test_assigning_someone_without_the_step_role_is_refused(world):
    dossier = world.received_online()
    with pytest.raises(ValidationFailed):
        services.dossier_assign(
            dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.clerk
        )
    with pytest.raises(ValidationFailed):
        services.dossier_assign(
            dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.other_specialist
        )
    _unchanged(dossier, 2, 2)
    assert dossier.status == DossierStatus.RECEIVED


def test_reassignment_keeps_the_status(world):
    dossier = world.in_processing()
    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist2
    )
    assert dossier.status == DossierStatus.PROCESSING
    event = dossier.events.last()
    assert event.payload["assignee"] == world.specialist2.pk
    assert event.payload["previous_assignee"] == world.specialist.pk
    assert "submit_for_approval" in _names(dossier, world.specialist2)
    assert "submit_for_approval" not in _names(dossier, world.specialist)


def test_a_stale_revision_is_a_conflict_and_changes_nothing(world):
    dossier = world.submit_online()
    seen = dossier.revision
    services.dossier_receive(dossier=dossier, actor=world.reception, revision=seen)
    with pytest.raises(Conflict) as raised:
        services.dossier_refuse_reception(
            dossier=dossier, actor=world.reception2, revision=seen, reason="trùng"
        )
    assert raised.value.message == "Hồ sơ vừa được thay đổi, vui lòng tải lại."
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.revision == 2


def test_people_must_say_which_revision_they_saw(world):
    dossier = world.submit_online()
    with pytest.raises(TypeError):
        services.dossier_receive(dossier=dossier, actor=world.reception, revision=None)


def test_every_transition_name_is_unique_and_indexed():
    assert len(TRANSITIONS) == len(TRANSITIONS_LIST)


def test_creation_checks_the_role_before_the_input(world):
    with pytest.raises(PermissionDenied):
        world.submit_online(actor=AnonymousUser())
    with pytest.raises(PermissionDenied):  # even with an invalid applicant, the role is checked first
        world.register(actor=world.citizen, applicant=world.applicant(identity_number="123"))
    with pytest.raises(PermissionDenied):
        services.dossier_refuse_at_counter(
            actor=world.specialist,
            procedure_case=world.case,
            receiving_agency=world.center,
            competent_agency=world.department,
            applicant=world.applicant(),
            reason="x",
        )
    assert not Dossier.objects.exists() and not DossierCodeCounter.objects.exists()


def test_submission_input_is_validated(world):
    with pytest.raises(ValidationFailed):
        world.submit_online(applicant=world.applicant(identity_number="04209000123"))
    with pytest.raises(ValidationFailed):
        world.submit_online(applicant=world.applicant(email="not-an-address"))
    with pytest.raises(ValidationFailed):
        world.submit_online(summary="x" * 1001)
    with pytest.raises(ValidationFailed):  # the centre does not receive for this agency
        world.submit_online(competent_agency=world.outsider.memberships.get().agency)
    with pytest.raises(ValidationFailed):  # the department has no one-stop unit of its own
        world.submit_online(receiving_agency=world.department)
    business = world.submit_online(
        applicant=world.applicant(
            kind="business", name="Công ty TNHH An Bình", identity_number="0101234567-001"
        ),
        submitter=services.SubmitterData(
            name="Lê Văn Bình", identity_number="042090001235", phone="0987654321"
        ),
    )
    assert business.applicant_kind == "business"
    assert business.submitter_name == "Lê Văn Bình"
    assert business.summary == "Đề nghị cấp phiếu lý lịch tư pháp"
