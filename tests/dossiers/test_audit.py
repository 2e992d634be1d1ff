"""The event log: append-only rows, a per-dossier hash chain, and ``motcua audit verify``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.dossiers import services
from motcua.dossiers.audit import event_hash, verify_all, verify_dossier
from motcua.dossiers.models import AppendOnlyError, DossierEvent
from motcua.dossiers.signals import dossier_event_recorded

pytestmark = pytest.mark.django_db


def _verify(*codes) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", *codes, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_events_form_a_hash_chain(world):
    dossier = world.in_processing()
    events = list(dossier.events.order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].prev_hash == ""
    assert events[1].prev_hash == events[0].hash
    assert events[2].hash == event_hash(events[2], events[1].hash)
    assert events[1].actor == world.reception
    assert events[1].actor_name == world.reception.full_name
    assert (events[1].from_status, events[1].to_status) == (1, 2)
    assert events[0].origin == "portal"
    assert dossier.revision == len(events)
    assert verify_dossier(dossier) is None


def test_verify_command_reports_a_whole_log(world):
    world.in_processing()
    world.register()
    out, err = _verify()
    assert "toàn vẹn" in out
    assert err == ""


def test_an_updated_row_is_named_by_verify(world):
    dossier = world.in_processing()
    tampered = dossier.events.get(sequence=2)
    DossierEvent.objects.filter(pk=tampered.pk).update(reason="sửa lén")
    world.register()  # another, intact dossier

    broken = list(verify_all())
    assert len(broken) == 1
    assert (broken[0].dossier_code, broken[0].event_id, broken[0].sequence) == (dossier.code, tampered.pk, 2)

    with pytest.raises(CommandError) as raised:
        _verify()
    assert raised.value.returncode == 1


def test_verify_command_names_the_dossier_and_event_on_stderr(world):
    dossier = world.in_processing()
    tampered = dossier.events.get(sequence=3)
    DossierEvent.objects.filter(pk=tampered.pk).update(payload={"assignee": 999})
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert dossier.code in err.getvalue()
    assert f"#{tampered.pk}" in err.getvalue()


def test_a_deleted_middle_row_and_a_deleted_last_row_are_detected(world):
    first = world.in_processing()
    second = world.in_processing()
    DossierEvent.objects.filter(dossier=first, sequence=2).delete()
    DossierEvent.objects.filter(dossier=second, sequence=3).delete()
    problems = {link.dossier_code: link for link in verify_all()}
    assert problems[first.code].sequence == 3  # the row after the gap
    assert problems[second.code].event_id is None  # the chain stops before the dossier's revision


def test_a_rewritten_hash_breaks_the_next_link(world):
    dossier = world.in_processing()
    DossierEvent.objects.filter(dossier=dossier, sequence=1).update(hash="0" * 64)
    broken = verify_dossier(dossier)
    assert broken.sequence == 1


def test_events_refuse_updates_and_deletes(world):
    dossier = world.submit_online()
    event = dossier.events.get()
    event.reason = "khác"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert dossier.events.get().reason == ""


def test_verify_limited_to_given_codes(world):
    dossier = world.in_processing()
    other = world.in_processing()
    DossierEvent.objects.filter(dossier=other, sequence=2).update(reason="x")
    out, _err = _verify(dossier.code)
    assert "toàn vẹn" in out


def test_signal_is_sent_inside_the_transaction_with_the_event(world):
    seen = []

    def receiver(sender, *, dossier, event, transition, **kwargs):
        from django.db import connection

        seen.append((event.action, dossier.code, transition.name, connection.in_atomic_block))

    dossier_event_recorded.connect(receiver, dispatch_uid="test.audit.receiver")
    try:
        dossier = world.received_online()
    finally:
        dossier_event_recorded.disconnect(dispatch_uid="test.audit.receiver")
    assert seen == [
        ("submit_online", dossier.code, "submit_online", True),
        ("receive", dossier.code, "receive", True),
    ]


def test_a_failing_receiver_refuses_the_change(world):
    dossier = world.submit_online()

    def receiver(sender, **kwargs):
        raise RuntimeError("outbox down")

    dossier_event_recorded.connect(receiver, dispatch_uid="test.audit.failing")
    try:
        with pytest.raises(RuntimeError):
            services.dossier_receive(dossier=dossier, actor=world.reception, revision=dossier.revision)
    finally:
        dossier_event_recorded.disconnect(dispatch_uid="test.audit.failing")
    dossier.refresh_from_db()
    assert dossier.status == 1 and dossier.revision == 1
    assert dossier.events.count() == 1
    assert not dossier.steps.exists()
