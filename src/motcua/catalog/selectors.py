"""Reads of the catalog."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import ProcedureVersion


def version_in_force(*, procedure, at: datetime | None = None) -> ProcedureVersion | None:
    """The published version of ``procedure`` in force at ``at`` (default: now)."""
    at = at or timezone.now()
    return (
        ProcedureVersion.objects.filter(
            procedure=procedure, status=ProcedureVersion.Status.PUBLISHED, effective_from__lte=at
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=at))
        .order_by("-effective_from", "-number")
        .first()
    )


def versions_in_force(at: datetime | None = None) -> QuerySet[ProcedureVersion]:
    """Every procedure's version in force at ``at``: the public catalog."""
    at = at or timezone.now()
    return ProcedureVersion.objects.filter(
        status=ProcedureVersion.Status.PUBLISHED, effective_from__lte=at, procedure__is_active=True
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gt=at))
