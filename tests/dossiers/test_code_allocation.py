"""The dossier code is the last thing a creating service writes before its event: the per-agency, per-day
counter row stays locked until commit, so everything else (the dossier row, its documents, its plan) is
written first. The number is still taken inside the transaction: a registration that fails gives it back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.dossiers import services
from motcua.dossiers.codes import split_dossier_code
from motcua.dossiers.models import Dossier, DossierCodeCounter
from motcua.dossiers.signals import dossier_event_recorded

pytestmark = pytest.mark.django_db

COUNTER = DossierCodeCounter._meta.db_table


def _first(queries, *needles) -> int:
    return next(index for index, query in enumerate(queries) if all(n in query["sql"] for n in needles))


def _last(queries, *needles) -> int:
    return max(index for index, query in enumerate(queries) if all(n in query["sql"] for n in needles))


def test_registration_takes_the_number_after_the_dossier_its_documents_and_its_plan(world):
    with CaptureQueriesContext(connection) as captured:
        dossier = world.register(documents=world.documents(with_files=True))
    queries = captured.captured_queries
    counter = _first(queries, COUNTER)
    assert counter > _first(queries, "INSERT INTO", Dossier._meta.db_table)
    assert counter > _last(queries, "INSERT INTO", "dossiers_dossiercomponent")
    assert counter > _last(queries, "INSERT INTO", "dossiers_dossierfile")
    assert counter > _last(queries, "INSERT INTO", "dossiers_dossierstep")
    assert counter < _first(queries, "INSERT INTO", "dossiers_dossierevent")
    assert split_dossier_code(dossier.code)[2] == "0001"
    assert Dossier.objects.get().code == dossier.code
    event = dossier.events.get()
    assert event.payload["code"] == dossier.code  # the event (and its hash) carry the real code


def test_online_submission_takes_the_number_after_its_documents(world):
    with CaptureQueriesContext(connection) as captured:
        dossier = world.submit_online()
    queries = captured.captured_queries
    assert _first(queries, COUNTER) > _last(queries, "INSERT INTO", "dossiers_dossierfile")
    assert dossier.code.startswith(world.center.code + "-")
    assert dossier.events.get().payload["code"] == dossier.code


def test_receivers_of_the_event_see_the_real_code(world):
    seen = []

    def receiver(sender, *, dossier, event, **kwargs):
        seen.append((dossier.code, Dossier.objects.get(pk=dossier.pk).code, event.payload["code"]))

    dossier_event_recorded.connect(receiver, dispatch_uid="test.codes.receiver")
    try:
        dossier = world.register()
        refused = services.dossier_refuse_at_counter(
            actor=world.reception,
            procedure_case=world.case,
            receiving_agency=world.center,
            competent_agency=world.department,
            applicant=world.applicant(),
            reason="Thiếu tờ khai",
        )
    finally:
        dossier_event_recorded.disconnect(dispatch_uid="test.codes.receiver")
    assert seen == [(d.code, d.code, d.code) for d in (dossier, refused)]
    assert [split_dossier_code(d.code)[2] for d in (dossier, refused)] == ["0001", "0002"]


def test_a_registration_that_fails_after_taking_its_number_gives_it_back(world):
    world.register()

    def failing(sender, **kwargs):
        raise RuntimeError("the printer service is down")

    dossier_event_recorded.connect(failing, dispatch_uid="test.codes.failing")
    try:
        with pytest.raises(RuntimeError):
            world.register()
    finally:
        dossier_event_recorded.disconnect(dispatch_uid="test.codes.failing")
    second = world.register()
    assert split_dossier_code(second.code)[2] == "0002"  # no gap
    assert DossierCodeCounter.objects.get(agency=world.center).last_value == 2
    assert Dossier.objects.count() == 2
    assert not Dossier.objects.filter(code__startswith="~").exists()
