"""Dossier deadlines on top of the core working-day calendar (deadlines.md).

Everything is computed with the receiving one-stop unit's schedule (office hours, Saturday opening, paper
cut-off). The results are stored on the dossier and its steps; nothing here is recomputed later from guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from motcua.catalog.models import Channel, ProcedureCase, TimeUnit
from motcua.core.calendar import WorkingCalendar, WorkingSchedule, get_calendar

from .models import Dossier, SupplementInterval, Timeliness


def schedule_for(agency) -> WorkingSchedule | None:
    """The office hours of ``agency``'s one-stop unit, or None (the default schedule) when it has none."""
    try:
        unit = agency.one_stop_unit
    except ObjectDoesNotExist:
        return None
    working_schedule = getattr(unit, "working_schedule", None)
    return working_schedule() if callable(working_schedule) else None


def calendar_for(dossier: Dossier) -> WorkingCalendar:
    return get_calendar(schedule_for(dossier.receiving_agency))


def hours_per_day(calendar: WorkingCalendar) -> Decimal:
    return calendar.schedule.hours_per_day


@dataclass(frozen=True)
class TimeLimit:
    amount: Decimal
    unit: str


def time_limit_for(case: ProcedureCase, channel: str) -> TimeLimit:
    """The case's time limit for ``channel``: the online one for online dossiers when the case has it."""
    amount = case.processing_time
    if channel == Channel.ONLINE and case.online_processing_time is not None:
        amount = case.online_processing_time
    return TimeLimit(amount=Decimal(amount), unit=case.time_unit)


@dataclass(frozen=True)
class Deadline:
    clock_started_at: datetime
    due_at: datetime | None


def statutory_deadline(
    *, calendar: WorkingCalendar, limit: TimeLimit, start: datetime, paper: bool, no_appointment: bool
) -> Deadline:
    """When counting starts for a dossier received at ``start`` and when it is due.

    Paper dossiers (counter, postal) received after the cut-off count from the next working day.
    """
    if no_appointment:
        return Deadline(clock_started_at=calendar.effective_start(start, paper=paper), due_at=None)
    due = calendar.due(start, limit.amount, limit.unit, paper=paper)
    return Deadline(clock_started_at=due.effective_start, due_at=due.due)


def step_due(calendar: WorkingCalendar, started_at: datetime, hours: Decimal | None) -> datetime | None:
    if hours is None:
        return None
    return calendar.add_working_hours(started_at, hours)


def resume_after_pause(
    *,
    calendar: WorkingCalendar,
    unit: str,
    moment: datetime | None,
    paused_at: datetime,
    resumed_at: datetime,
) -> datetime | None:
    """``moment`` moved later by the time the dossier waited (working time; calendar time for calendar days)."""
    if moment is None:
        return None
    if unit == TimeUnit.CALENDAR_DAYS:
        shifted = moment + max(resumed_at - paused_at, timedelta(0))
        return calendar.add_calendar_days(shifted, 0)
    paused_hours = max(calendar.working_hours_between(paused_at, resumed_at), Decimal(0))
    return calendar.add_working_hours(moment, paused_hours)


def has_a_working_day_left(dossier: Dossier, now: datetime) -> bool:
    """At least one working day (of the unit's schedule) between ``now`` and the appointment."""
    if dossier.appointment_at is None:
        return False
    calendar = calendar_for(dossier)
    left = calendar.working_time_between(now, dossier.appointment_at)
    return left >= timedelta(hours=float(hours_per_day(calendar)))


def supplement_notice_in_time(dossier: Dossier, now: datetime) -> bool:
    """ND 61 Art. 19(4): a supplement request after appraisal goes out within 3 working days of reception."""
    if dossier.received_at is None:
        return True
    calendar = calendar_for(dossier)
    limit = calendar.add_working_days(dossier.received_at, 3)
    return now <= limit


def timeliness(
    *,
    calendar: WorkingCalendar,
    started_at: datetime,
    finished_at: datetime,
    due_at: datetime | None,
    allotted_hours: Decimal | None,
) -> tuple[Decimal, str]:
    """(working hours spent, early / on time / late) for a finished step.

    Late when the working time spent exceeds the allotment (or it finished after its due moment); early when
    it finished on a day before the day it was due; on time otherwise.
    """
    spent = calendar.working_hours_between(started_at, finished_at)
    if due_at is None:
        return spent, ""
    if finished_at > due_at or (allotted_hours is not None and spent > allotted_hours):
        return spent, Timeliness.LATE
    from motcua.core.calendar import to_local

    if to_local(finished_at).date() < to_local(due_at).date():
        return spent, Timeliness.EARLY
    return spent, Timeliness.ON_TIME


def due_soon_bound(calendar: WorkingCalendar, now: datetime, working_days: int = 2) -> datetime:
    return calendar.add_working_days(now, working_days)


def online_reception_hours() -> Decimal:
    """Internal target to accept or refuse an online submission (8 working hours; no legal basis known)."""
    return Decimal(str(getattr(settings, "MOTCUA_ONLINE_RECEPTION_HOURS", 8)))


def supplement_resolution(
    *, dossier: Dossier, interval: SupplementInterval, calendar: WorkingCalendar, resumed_at: datetime
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(clock start, new due, new appointment) when the complete supplement arrives at ``resumed_at``.

    Restart (the legal default): the whole time limit counts again from the resubmission (cut-off applied to
    paper dossiers), and the appointment becomes the new due moment. Pause: both move by the waiting time.
    """
    if interval.rule == SupplementInterval.Rule.RESTART:
        limit = TimeLimit(
            amount=Decimal(dossier.processing_time or 0), unit=dossier.time_unit or TimeUnit.WORKING_DAYS
        )
        deadline = statutory_deadline(
            calendar=calendar,
            limit=limit,
            start=resumed_at,
            paper=dossier.is_paper,
            no_appointment=dossier.due_at is None,
        )
        return deadline.clock_started_at, deadline.due_at, deadline.due_at
    unit = dossier.time_unit or TimeUnit.WORKING_DAYS
    due = resume_after_pause(
        calendar=calendar,
        unit=unit,
        moment=dossier.due_at,
        paused_at=interval.requested_at,
        resumed_at=resumed_at,
    )
    appointment = resume_after_pause(
        calendar=calendar,
        unit=unit,
        moment=dossier.appointment_at,
        paused_at=interval.requested_at,
        resumed_at=resumed_at,
    )
    return dossier.clock_started_at, due, appointment
