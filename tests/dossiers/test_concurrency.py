"""Concurrency on PostgreSQL: distinct codes under concurrent submissions, one winner per dossier change."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from motcua.core.errors import Conflict
from motcua.dossiers import services
from motcua.dossiers.codes import split_dossier_code
from motcua.dossiers.models import Dossier, DossierCodeCounter
from motcua.dossiers.signals import dossier_event_recorded
from motcua.dossiers.workflow import DossierStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def test_200_concurrent_submissions_to_one_agency_get_200_distinct_codes(world):
    officers = [world.reception, world.reception2]

    @_in_thread
    def register(n: int) -> str:
        return world.register(actor=officers[n % 2], documents=[]).code

    with ThreadPoolExecutor(max_workers=24) as pool:
        codes = list(pool.map(register, range(200)))

    assert len(set(codes)) == 200
    numbers = sorted(int(split_dossier_code(code)[2]) for code in codes)
    assert numbers == list(range(1, 201))
    assert {split_dossier_code(code)[0] for code in codes} == {world.center.code}
    assert DossierCodeCounter.objects.get(agency=world.center).last_value == 200
    assert Dossier.objects.count() == 200


def test_two_staff_acting_at_once_one_wins_the_other_gets_a_conflict(world):
    dossier = world.submit_online()
    seen = dossier.revision
    barrier = threading.Barrier(2)

    def slow_receiver(sender, **kwargs):
        time.sleep(0.3)  # hold the row lock so the other request has to wait for it

    @_in_thread
    def act(which: str):
        barrier.wait()
        try:
            if which == "receive":
                services.dossier_receive(dossier=dossier, actor=world.reception, revision=seen)
            else:
                services.dossier_refuse_reception(
                    dossier=dossier, actor=world.reception2, revision=seen, reason="Hồ sơ trùng"
                )
        except Conflict as error:
            return error
        return "ok"

    dossier_event_recorded.connect(slow_receiver, dispatch_uid="test.concurrency.slow")
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(act, ["receive", "refuse"]))
    finally:
        dossier_event_recorded.disconnect(dispatch_uid="test.concurrency.slow")

    assert outcomes.count("ok") == 1
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1
    assert conflicts[0].message == "Hồ sơ vừa được thay đổi, vui lòng tải lại."
    dossier.refresh_from_db()
    assert dossier.revision == 2
    assert dossier.events.count() == 2
    assert dossier.status in (DossierStatus.RECEIVED, DossierStatus.NOT_RECEIVED)
