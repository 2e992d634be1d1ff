"""The access gate and the worklists (with constant query counts)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import SuperuserFactory

from motcua.catalog.models import Channel
from motcua.core.errors import NotFound, ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.selectors import (
    DossierFilters,
    Worklist,
    dossier_detail_for,
    dossier_get_for,
    dossier_queryset_for,
    dossier_search_for,
    worklist,
    worklist_counts,
)

from .conftest import at

pytestmark = pytest.mark.django_db


def _codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_access_gate(world):
    own = world.in_processing()
    counter = world.register()
    everyone = {own.code, counter.code}
    assert _codes(dossier_queryset_for(world.citizen)) == {own.code}
    assert _codes(dossier_queryset_for(world.other_citizen)) == set()
    assert _codes(dossier_queryset_for(world.reception)) == everyone
    assert _codes(dossier_queryset_for(world.specialist)) == everyone
    assert _codes(dossier_queryset_for(world.outsider)) == set()
    assert _codes(dossier_queryset_for(world.other_leader)) == set()
    assert _codes(dossier_queryset_for(SuperuserFactory())) == everyone
    assert _codes(dossier_queryset_for(AnonymousUser())) == set()

    services.dossier_consult(
        dossier=own,
        actor=world.specialist,
        revision=own.revision,
        agencies=[world.other_department],
        question="Ý kiến?",
        deadline=at(5),
    )
    assert _codes(dossier_queryset_for(world.other_leader)) == {own.code}  # consulted agency


def test_unknown_and_forbidden_dossiers_are_both_not_found(world):
    dossier = world.submit_online()
    assert dossier_get_for(world.citizen, dossier.code) == dossier
    with pytest.raises(NotFound) as forbidden:
        dossier_get_for(world.other_citizen, dossier.code)
    with pytest.raises(NotFound) as unknown:
        dossier_get_for(world.other_citizen, "000.00.00.H42-260302-9999")
    assert forbidden.value.status == unknown.value.status == 404
    assert type(forbidden.value) is type(unknown.value)


def test_detail_prefetches_the_aggregate(world):
    dossier = world.in_processing()
    detail = dossier_detail_for(world.specialist, dossier.code)
    with CaptureQueriesContext(connection) as queries:
        names = [f.original_name for c in detail.components.all() for f in c.files.all()]
        steps = [(s.name, s.agency.name) for s in detail.steps.all()]
    assert len(queries) == 0
    assert len(names) == 2 and len(steps) == 3


def _build_worklists(world, clock):
    """One dossier per worklist, as seen from the centre and the department."""
    waiting = world.submit_online()  # to receive
    received = world.received_online()  # to assign
    mine = world.in_processing()  # specialist's
    approval = world.in_processing()
    approval = services.dossier_submit_for_approval(
        dossier=approval, actor=world.specialist, revision=approval.revision
    )  # to approve
    ready = world.in_processing()
    ready = services.dossier_submit_for_approval(
        dossier=ready, actor=world.specialist, revision=ready.revision
    )
    ready = services.dossier_approve(dossier=ready, actor=world.leader, revision=ready.revision)  # to return
    consulting = world.in_processing()
    services.dossier_consult(
        dossier=consulting,
        actor=world.specialist,
        revision=consulting.revision,
        agencies=[world.other_department],
        question="Ý kiến?",
        deadline=at(6),
    )
    return {
        "waiting": waiting,
        "received": received,
        "mine": mine,
        "approval": approval,
        "ready": ready,
        "consulting": consulting,
    }


def test_worklist_counts_per_role(world, clock):
    built = _build_worklists(world, clock)
    reception = worklist_counts(world.reception)
    assert reception[Worklist.TO_RECEIVE] == 1
    assert reception[Worklist.TO_RETURN] == 1
    leader = worklist_counts(world.leader)
    assert leader[Worklist.TO_ASSIGN] == 1
    assert leader[Worklist.TO_APPROVE] == 1
    specialist = worklist_counts(world.specialist)
    assert specialist[Worklist.MINE] == 2  # processing and consulting (its step is still open)
    assert specialist[Worklist.WAITING_FOR_OTHERS] == 1
    assert _codes(worklist(world.specialist, Worklist.WAITING_FOR_OTHERS)) == {built["consulting"].code}
    assert _codes(worklist(world.leader, Worklist.TO_APPROVE)) == {built["approval"].code}
    # Nothing is due yet on Monday 02/03: appointments are on Monday 09/03.
    assert specialist[Worklist.DUE_SOON] == 0 and specialist[Worklist.OVERDUE] == 0

    clock.move_to(at(5, 10))  # Thursday: within two working days of Monday 09:00
    running = {built[name].code for name in ("received", "mine", "approval", "consulting")}
    assert worklist_counts(world.specialist)[Worklist.DUE_SOON] == len(running)
    clock.move_to(at(9, 10))
    # The clock runs in statuses 2, 4 and 6; the result-ready and the submitted dossiers are not overdue.
    assert worklist_counts(world.specialist)[Worklist.OVERDUE] == len(running)
    assert _codes(worklist(world.specialist, Worklist.OVERDUE)) == running


def test_worklists_run_a_constant_number_of_queries(world, clock):
    _build_worklists(world, clock)
    with CaptureQueriesContext(connection) as few:
        worklist_counts(world.specialist)
        list(worklist(world.specialist, Worklist.MINE))
    _build_worklists(world, clock)
    _build_worklists(world, clock)
    with CaptureQueriesContext(connection) as many:
        worklist_counts(world.specialist)
        rows = list(worklist(world.specialist, Worklist.MINE))
        labels = [(d.procedure_version.name, d.receiving_agency.name, d.procedure_case.name) for d in rows]
    assert len(labels) == 6
    assert len(few) == len(many) <= 4


def test_filters(world, clock):
    online = world.received_online()
    clock.move_to(at(3, 10))
    counter = world.register()
    everything = {online.code, counter.code}
    assert _codes(dossier_search_for(world.reception)) == everything
    search = lambda **kw: _codes(dossier_search_for(world.reception, filters=DossierFilters(**kw)))  # noqa: E731
    assert search(channel=Channel.DIRECT) == {counter.code}
    assert search(procedure=world.version.procedure.national_code) == everything
    assert search(procedure=world.version.procedure_id) == everything
    assert search(procedure="9.999999") == set()
    assert search(agency=world.department.pk) == everything
    assert search(agency=world.other_department.pk) == set()
    assert search(received_from=date(2026, 3, 3)) == {counter.code}
    assert search(received_to=date(2026, 3, 2)) == {online.code}
    assert search(query=counter.code) == {counter.code}
    assert search(query="văn an") == everything
    with pytest.raises(ValidationFailed):
        search(received_from=date(2026, 3, 5), received_to=date(2026, 3, 1))
    counts = worklist_counts(world.leader, filters=DossierFilters(channel=Channel.ONLINE))
    assert counts[Worklist.TO_ASSIGN] == 1


def test_unknown_worklist_is_refused(world):
    with pytest.raises(ValidationFailed):
        worklist(world.specialist, "everything")
