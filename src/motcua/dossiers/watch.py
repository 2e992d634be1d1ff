"""The overdue watch: dossiers due within one working day, and overdue ones, are warned about once.

A dossier whose clock runs (statuses 2, 4, 6) is *due soon* when less than one working day of its receiving
unit's schedule is left before its appointment, and *overdue* once the appointment has passed. Each finding is
recorded as a ``DeadlineWarning`` (dossier, kind, appointment) and announced with the signal
``deadline_warning_recorded``, sent inside the transaction that wrote the row (the notifications app connects
to it and queues messages to the people in charge, see ``notifications.watch``). A run writes nothing for a
dossier already warned about for the same appointment, so running it every few minutes re-notifies no one;
a new appointment (an approved apology, a restarted time limit) is warned about again.

Run it with ``motcua overdue-watch``; the outbox worker also runs it periodically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from motcua.agencies.models import StaffMembership, StaffRole
from motcua.core.calendar import get_calendar

from .deadlines import due_soon_bound, has_a_working_day_left
from .models import DeadlineWarning, Dossier, DossierStep
from .workflow import CLOCK_RUNNING_STATUSES

logger = logging.getLogger(__name__)

# Sent inside the transaction that recorded a warning: ``sender`` is DeadlineWarning, with ``dossier`` and
# ``warning``. Receivers write durable rows only (outbox messages); if one raises, that warning rolls back
# and the next run tries again.
deadline_warning_recorded = Signal()

BATCH_SIZE = 200


@dataclass
class WatchReport:
    due_soon: int = 0
    overdue: int = 0
    failed: int = 0
    complete: bool = True  # False when ``limit`` stopped the run: call again for the rest

    @property
    def warned(self) -> int:
        return self.due_soon + self.overdue


def _not_yet_warned(kind: str):
    return ~Exists(
        DeadlineWarning.objects.filter(
            dossier=OuterRef("pk"), kind=kind, appointment_at=OuterRef("appointment_at")
        )
    )


def overdue_candidates(now: datetime) -> QuerySet[Dossier]:
    return Dossier.objects.filter(status__in=CLOCK_RUNNING_STATUSES, appointment_at__lt=now).filter(
        _not_yet_warned(DeadlineWarning.Kind.OVERDUE)
    )


def due_soon_candidates(now: datetime) -> QuerySet[Dossier]:
    """A superset (two working days of the default schedule); each unit's own schedule decides exactly."""
    bound = due_soon_bound(get_calendar(), now, working_days=2)
    return Dossier.objects.filter(
        status__in=CLOCK_RUNNING_STATUSES, appointment_at__gte=now, appointment_at__lte=bound
    ).filter(_not_yet_warned(DeadlineWarning.Kind.DUE_SOON))


def is_due_soon(dossier: Dossier, now: datetime) -> bool:
    return (
        dossier.appointment_at is not None
        and dossier.appointment_at >= now
        and not has_a_working_day_left(dossier, now)
    )


def overdue_watch_run(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, limit: int | None = None
) -> WatchReport:
    """Record (and announce) every new due-soon and overdue finding; returns how many of each.

    ``limit`` caps the warnings of one run (overdue ones first), so that a backlog (the first run on a
    province's history) is worked off in slices; ``report.complete`` says whether anything was left.
    """
    now = now or timezone.now()
    report = WatchReport()
    report.overdue, failed, done = _warn_all(
        overdue_candidates(now),
        kind=DeadlineWarning.Kind.OVERDUE,
        now=now,
        batch_size=batch_size,
        limit=limit,
    )
    report.failed += failed
    if not done:
        report.complete = False
        return report
    report.due_soon, failed, done = _warn_all(
        due_soon_candidates(now),
        kind=DeadlineWarning.Kind.DUE_SOON,
        now=now,
        batch_size=batch_size,
        check=lambda dossier: is_due_soon(dossier, now),
        limit=None if limit is None else limit - report.overdue,
    )
    report.failed += failed
    report.complete = done
    return report


def _warn_all(
    candidates: QuerySet[Dossier],
    *,
    kind: str,
    now: datetime,
    batch_size: int,
    check: Callable[[Dossier], bool] | None = None,
    limit: int | None = None,
) -> tuple[int, int, bool]:
    """(warned, failed, done): done is False when ``limit`` warnings were recorded before the end."""
    warned = failed = 0
    last_pk = 0
    candidates = candidates.select_related(
        "receiving_agency__one_stop_unit", "competent_agency", "procedure_version"
    ).order_by("pk")
    while True:
        batch = list(candidates.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return warned, failed, True
        last_pk = batch[-1].pk
        for dossier in batch:
            if limit is not None and warned >= limit:
                return warned, failed, False
            if check is not None and not check(dossier):
                continue
            outcome = _warn_one(dossier, kind=kind, now=now)
            warned += outcome is True
            failed += outcome is None


def _warn_one(dossier: Dossier, *, kind: str, now: datetime) -> bool | None:
    """True when warned now, False when another run already did, None when a receiver failed."""
    try:
        with transaction.atomic():
            warning = DeadlineWarning.objects.create(
                dossier=dossier, kind=kind, appointment_at=dossier.appointment_at, warned_at=now
            )
            deadline_warning_recorded.send(sender=DeadlineWarning, dossier=dossier, warning=warning)
    except IntegrityError:
        return False  # a concurrent run (another worker) recorded it first
    except Exception:
        logger.exception(
            "overdue watch: dossier %s, %s warning not recorded, retried next run", dossier.pk, kind
        )
        return None
    return True


def people_in_charge(dossier: Dossier) -> list:
    """Who is told about a deadline: the assignees of the open processing steps and the leaders of the
    agencies holding them (the competent agency's leaders when no step is open), active accounts only."""
    steps = list(
        DossierStep.objects.filter(
            dossier=dossier, kind=DossierStep.Kind.PROCESS, started_at__isnull=False, finished_at__isnull=True
        ).values_list("agency_id", "assignee_id")
    )
    agencies = {agency for agency, _assignee in steps} or {dossier.competent_agency_id}
    assignees = {assignee for _agency, assignee in steps if assignee is not None}
    leaders = StaffMembership.objects.filter(
        agency_id__in=agencies, role=StaffRole.LEADER, is_active=True
    ).values("user_id")
    users = get_user_model().objects.filter(Q(pk__in=assignees) | Q(pk__in=leaders), is_active=True)
    return list(users.order_by("pk"))
