"""What keeps the worklists cheap at a million dossiers (docs/benchmarks.md) stays true."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
from factories import StaffMembershipFactory

from motcua.agencies.models import StaffRole
from motcua.dossiers.models import DossierStep
from motcua.dossiers.selectors import WORKLIST_STATUSES, _bucket_conditions, _Roles, dossier_queryset_for

pytestmark = pytest.mark.django_db


def _statuses(condition: Q) -> set[int] | None:
    """The statuses a condition allows when its top level requires them (AND), else None."""
    if condition.connector != Q.AND or condition.negated:
        return None
    allowed = None
    for child in condition.children:
        found = None
        if isinstance(child, Q):
            found = _statuses(child)
        elif not isinstance(child, tuple):  # an expression such as Exists(...)
            continue
        elif child[0] == "status":
            found = {int(child[1])}
        elif child[0] == "status__in":
            found = {int(value) for value in child[1]}
        if found is not None:
            allowed = found if allowed is None else allowed & found
    return allowed


def test_every_worklist_is_within_the_counted_statuses():
    user = StaffMembershipFactory(role=StaffRole.LEADER).user
    conditions = _bucket_conditions(
        user, _Roles(user), datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    )

    for bucket, condition in conditions.items():
        statuses = _statuses(condition)
        assert statuses, f"worklist {bucket} must restrict the status (worklist_counts relies on it)"
        assert statuses <= set(WORKLIST_STATUSES), bucket


def test_only_processing_steps_widen_the_access_gate(world):
    """Reception and return steps are always at the receiving agency, which the gate covers on its own."""
    dossier = world.in_processing()

    kinds = {(step.kind, step.agency_id == dossier.receiving_agency_id) for step in dossier.steps.all()}
    assert {kind for kind, at_receiving in kinds if not at_receiving} <= {DossierStep.Kind.PROCESS}
    assert dossier_queryset_for(world.reception).filter(pk=dossier.pk).exists()
