"""The public lookup selector: dossiers.selectors.dossier_public_progress plus dates, timeliness and rating."""

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.core.errors import NotFound
from motcua.dossiers.workflow import DossierStatus
from motcua.feedback import selectors, services

from .conftest import VN, at

pytestmark = pytest.mark.django_db


def test_a_dossier_in_processing_is_within_then_overdue(world, clock):
    dossier = world.in_processing()
    lookup = selectors.dossier_lookup(dossier.code)
    assert lookup.progress.code == dossier.code
    assert lookup.progress.appointment_at == at(9)
    assert lookup.received_at == at(2)
    assert (lookup.timeliness, lookup.timeliness_label) == ("within", "Đang trong hạn")
    assert not lookup.rateable and not lookup.rated
    clock.move_to(at(9, 9, 1))
    assert selectors.dossier_lookup(dossier.code).timeliness == "overdue"


def test_a_returned_dossier_is_rateable_until_rated_in_three_queries(world, django_assert_num_queries):
    dossier = world.returned()
    with django_assert_num_queries(3):
        lookup = selectors.dossier_lookup(dossier.code)
    assert selectors.dossier_lookup(f" {dossier.code.lower()} ").progress.code == dossier.code  # as typed
    assert lookup.progress.status == DossierStatus.RETURNED
    assert lookup.returned_at == at(2) and lookup.finished_at == at(2)
    assert lookup.timeliness == "early"
    assert lookup.rateable
    assert [step.name for step in lookup.progress.completed_steps][0]
    services.rating_submit(dossier=dossier, overall=2, account=world.citizen)
    lookup = selectors.dossier_lookup(dossier.code)
    assert lookup.rated and not lookup.rateable


def test_an_unknown_code_is_not_found(world):
    with pytest.raises(NotFound):
        selectors.dossier_lookup("h56-000000-0000")


APPOINTMENT = datetime(2026, 3, 9, 9, 0, tzinfo=VN)


@pytest.mark.parametrize(
    ("status", "done_at", "now", "expected"),
    [
        (DossierStatus.RETURNED, datetime(2026, 3, 6, 16, 0, tzinfo=VN), APPOINTMENT, "early"),
        (DossierStatus.RETURNED, datetime(2026, 3, 9, 8, 0, tzinfo=VN), APPOINTMENT, "on_time"),
        (DossierStatus.RESOLVED, APPOINTMENT, APPOINTMENT, "on_time"),
        (DossierStatus.RETURNED, datetime(2026, 3, 9, 9, 1, tzinfo=VN), APPOINTMENT, "late"),
        (DossierStatus.PROCESSING, None, datetime(2026, 3, 9, 9, 0, tzinfo=VN), "within"),
        (DossierStatus.PROCESSING, None, datetime(2026, 3, 9, 9, 1, tzinfo=VN), "overdue"),
        (DossierStatus.SUPPLEMENT_REQUESTED, None, datetime(2026, 3, 20, tzinfo=VN), ""),
        (DossierStatus.WITHDRAWN, None, datetime(2026, 3, 20, tzinfo=VN), ""),
    ],
)
def test_timeliness(status, done_at, now, expected):
    assert (
        selectors.timeliness_of(status=status, appointment_at=APPOINTMENT, done_at=done_at, now=now)
        == expected
    )
    assert selectors.timeliness_of(status=status, appointment_at=None, done_at=done_at, now=now) == ""
