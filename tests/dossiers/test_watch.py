"""The overdue watch: due within a working day, overdue; the people in charge are told once per appointment."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import StaffMembershipFactory

from motcua.agencies.models import StaffRole
from motcua.dossiers import services
from motcua.dossiers.models import DeadlineWarning, Dossier
from motcua.dossiers.watch import overdue_watch_run, people_in_charge
from motcua.notifications import watch as notifications_watch
from motcua.notifications.models import OutboxMessage

from .conftest import at

pytestmark = pytest.mark.django_db

# The world's dossiers are received on Monday 02/03 09:00 with 5 working days: appointment Monday 09/03 09:00.
APPOINTMENT = at(9)


def staff_messages():
    return OutboxMessage.objects.filter(template__in=["staff_due_soon", "staff_overdue"])


def test_an_overdue_dossier_is_warned_once_to_the_assignee_and_the_leader(world, clock):
    dossier = world.in_processing()
    assert dossier.appointment_at == APPOINTMENT
    clock.move_to(at(9, 10))

    report = overdue_watch_run()

    assert (report.overdue, report.due_soon, report.failed) == (1, 0, 0)
    warning = DeadlineWarning.objects.get()
    assert (warning.dossier_id, warning.kind, warning.appointment_at) == (
        dossier.pk,
        "overdue",
        APPOINTMENT,
    )
    sent = set(staff_messages().values_list("user_id", "channel", "template"))
    assert sent == {
        (world.specialist.pk, "portal", "staff_overdue"),
        (world.specialist.pk, "email", "staff_overdue"),
        (world.leader.pk, "portal", "staff_overdue"),
        (world.leader.pk, "email", "staff_overdue"),
    }
    message = staff_messages().get(user=world.specialist, channel="email")
    assert message.subject == f"Hồ sơ {dossier.code} đã quá hạn trả kết quả"
    assert "ngày hẹn trả là 09/03/2026 09:00" in message.body
    assert message.body.startswith(f"Kính gửi {world.specialist},")
    assert message.recipient == world.specialist.email

    clock.move_to(at(10, 10))
    again = overdue_watch_run()

    assert (again.overdue, again.due_soon) == (0, 0)
    assert DeadlineWarning.objects.count() == 1
    assert staff_messages().count() == 4


def test_due_within_one_working_day_then_overdue(world, clock):
    world.in_processing()
    clock.move_to(at(5, 10))  # Thursday: more than a working day left
    assert overdue_watch_run().due_soon == 0

    clock.move_to(at(6, 10))  # Friday 10:00: 5 h on Friday + 2 h on Monday morning
    report = overdue_watch_run()

    assert (report.due_soon, report.overdue) == (1, 0)
    assert set(staff_messages().values_list("template", flat=True)) == {"staff_due_soon"}
    assert overdue_watch_run().due_soon == 0  # once

    clock.move_to(at(9, 9, 1))
    assert overdue_watch_run().overdue == 1
    assert sorted(DeadlineWarning.objects.values_list("kind", flat=True)) == ["due_soon", "overdue"]


def test_a_new_appointment_is_warned_about_again(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(9, 10))
    overdue_watch_run()

    Dossier.objects.filter(pk=dossier.pk).update(appointment_at=at(10))  # e.g. a restarted time limit
    clock.move_to(at(10, 10))

    assert overdue_watch_run().overdue == 1
    assert DeadlineWarning.objects.filter(kind="overdue").count() == 2


def test_only_dossiers_whose_clock_runs_are_watched(world, clock):
    waiting = world.submit_online()  # status 1: not received, no appointment
    supplement = world.in_processing()
    services.dossier_request_supplement(
        dossier=supplement,
        actor=world.specialist,
        revision=supplement.revision,
        reason="Thiếu",
        items=["Bản sao"],
    )
    clock.move_to(at(20))

    assert overdue_watch_run().overdue == 0
    assert not DeadlineWarning.objects.filter(dossier__in=[waiting, supplement]).exists()


def test_before_assignment_the_leaders_of_the_step_agency_are_told(world, clock):
    dossier = world.received_online()
    second_leader = StaffMembershipFactory(agency=world.department, role=StaffRole.LEADER).user
    StaffMembershipFactory(agency=world.department, role=StaffRole.LEADER, is_active=False)

    assert people_in_charge(dossier) == sorted([world.leader, second_leader], key=lambda user: user.pk)

    clock.move_to(at(9, 10))
    overdue_watch_run()
    assert set(staff_messages().values_list("user_id", flat=True)) == {world.leader.pk, second_leader.pk}


def test_staff_without_a_valid_address_get_the_portal_message_only(world, clock):
    world.leader.email = ""
    world.leader.save()
    world.in_processing()
    clock.move_to(at(9, 10))

    overdue_watch_run()

    assert list(staff_messages().filter(user=world.leader).values_list("channel", flat=True)) == ["portal"]


def test_a_failing_receiver_keeps_the_warning_for_the_next_run(world, clock, monkeypatch):
    world.in_processing()
    world.register()
    clock.move_to(at(9, 10))
    calls = []
    original = notifications_watch.notification_enqueue

    def flaky(**kwargs):
        calls.append(kwargs["reference"])
        if len(calls) == 1:
            raise RuntimeError("outbox unavailable")
        return original(**kwargs)

    monkeypatch.setattr(notifications_watch, "notification_enqueue", flaky)

    report = overdue_watch_run()

    assert (report.overdue, report.failed) == (1, 1)
    monkeypatch.setattr(notifications_watch, "notification_enqueue", original)
    assert overdue_watch_run().overdue == 1
    assert DeadlineWarning.objects.count() == 2


def test_candidate_search_costs_the_same_for_more_dossiers(world, clock):
    def queries_for_an_empty_run() -> int:
        with CaptureQueriesContext(connection) as queries:
            overdue_watch_run()
        return len(queries)

    world.in_processing()
    clock.move_to(at(9, 10))
    overdue_watch_run()
    few = queries_for_an_empty_run()
    for _ in range(3):
        world.register()
    clock.move_to(at(23, 10))
    overdue_watch_run()
    many = queries_for_an_empty_run()

    assert few == many


def test_command_reports_what_it_did(world, clock, capsys):
    world.in_processing()
    clock.move_to(at(9, 10))

    call_command("overdue-watch")

    assert "0 hồ sơ sắp đến hạn và 1 hồ sơ quá hạn" in capsys.readouterr().out


def test_the_worker_runs_the_watch_every_interval(world, clock, settings, monkeypatch):
    world.in_processing()
    clock.move_to(at(9, 10))
    monkeypatch.setattr(notifications_watch, "_last_run", None)
    settings.MOTCUA_OVERDUE_WATCH_SECONDS = 600

    first = notifications_watch.run_overdue_watch_if_due()
    soon_after = notifications_watch.run_overdue_watch_if_due()

    assert first is not None and first.overdue == 1
    assert soon_after is None  # within the interval
    settings.MOTCUA_OVERDUE_WATCH_SECONDS = 0
    monkeypatch.setattr(notifications_watch, "_last_run", None)
    assert notifications_watch.run_overdue_watch_if_due() is None  # turned off


def test_a_backlog_is_worked_off_in_slices(world, clock):
    for _ in range(3):
        world.in_processing()
    clock.move_to(at(9, 10))

    first = overdue_watch_run(limit=2)
    second = overdue_watch_run(limit=2)

    assert (first.overdue, first.complete) == (2, False)
    assert (second.overdue, second.complete) == (1, True)
    assert DeadlineWarning.objects.count() == 3


def test_the_worker_goes_on_with_a_backlog_at_the_next_loop(world, clock, settings, monkeypatch):
    for _ in range(3):
        world.in_processing()
    clock.move_to(at(9, 10))
    monkeypatch.setattr(notifications_watch, "_last_run", None)
    settings.MOTCUA_OVERDUE_WATCH_SECONDS = 600
    settings.MOTCUA_OVERDUE_WATCH_SLICE = 2

    slices = [notifications_watch.run_overdue_watch_if_due() for _ in range(3)]

    assert [(r.overdue, r.complete) for r in slices[:2]] == [(2, False), (1, True)]
    assert slices[2] is None  # done: wait for the interval again
