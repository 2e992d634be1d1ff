"""What the indicators count about one dossier: its ``Fact`` (docs/indicators.md, "Counting rules").

The same rules are written twice on purpose, checked against each other by ``aggregates.verify``:
:func:`fact_for` computes one dossier's fact in Python (in the transaction of each change) and
:func:`fact_rows` computes every dossier's fact in one SQL query (rebuild and exactness check).

* **received** on the local day of ``received_at`` (statuses 1 and 3 were never received);
* **closed** (left the pending stock) on the local day of ``finished_at`` (result, including a refusal after
  appraisal), else ``withdrawn_at`` or ``stopped_at``, for received dossiers only;
* **early / on time / late**: ``finished_at`` after the appointment (``appointment_at``, the date on the
  receipt, moved at most once by an approved apology) is late; finished on an earlier local day is early;
  otherwise on time (also when the dossier has no appointment);
* **overdue from** the local day of the appointment (not before reception) when the dossier was still
  pending at the end of that day; a dossier waiting for a supplement is not overdue (its time limit restarts);
* TT 01/2018 indicator 2 (each unit's time) = the lowest score of the dossier's timed steps and answered
  consultations (2 earlier day, 1 in time, 0 late); indicator 3 (contacts to complete the dossier) = 2 with no
  supplement request, 1 with one, 0 with more; both for resolved native dossiers only (imported ones have
  no step or supplement history: missing data, left out).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from motcua.dossiers.models import (
    Consultation,
    Dossier,
    DossierResult,
    DossierStep,
    ResultChannel,
    SupplementInterval,
    Timeliness,
)
from motcua.dossiers.workflow import DossierStatus, Substate

from .models import RESOLVED_OUTCOMES, ImportedRating, Outcome

LOCAL = ZoneInfo(settings.TIME_ZONE)
TIMED_STEP_KINDS = (DossierStep.Kind.RECEPTION, DossierStep.Kind.PROCESS)
STEP_POINTS = {Timeliness.EARLY: 2, Timeliness.ON_TIME: 1, Timeliness.LATE: 0}


@dataclass(frozen=True)
class Fact:
    """Mirrors ``models.DossierFact`` (without the dossier)."""

    agency_id: int
    procedure_id: int
    field_id: int
    channel: str
    received_on: date | None = None
    closed_on: date | None = None
    outcome: str = ""
    overdue_on: date | None = None
    not_received_on: date | None = None
    refused: bool = False
    obligation: bool = False
    paid_online: bool = False
    postal_return: bool = False
    step_score: int | None = None
    contact_score: int | None = None
    e_result: bool | None = None
    rated_on: date | None = None
    satisfied: bool | None = None

    @property
    def resolved(self) -> bool:
        return self.outcome in RESOLVED_OUTCOMES


FACT_FIELDS = tuple(f.name for f in fields(Fact))


def fact_from_row(row) -> Fact:
    """A ``Fact`` from a ``DossierFact`` instance or a dict with the same names."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return Fact(**{name: get(name) for name in FACT_FIELDS})


def fact_values(fact: Fact) -> tuple:
    return astuple(fact)


def local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(LOCAL).date() if moment is not None else None


def timeliness(finished_at: datetime, appointment_at: datetime | None) -> str:
    if appointment_at is None:
        return Outcome.ON_TIME
    if finished_at > appointment_at:
        return Outcome.LATE
    if local_day(finished_at) < local_day(appointment_at):
        return Outcome.EARLY
    return Outcome.ON_TIME


def _closing(dossier: Dossier, received_on: date | None) -> tuple[date | None, str]:
    if received_on is None:
        return None, ""
    if dossier.finished_at is not None:
        outcome, moment = timeliness(dossier.finished_at, dossier.appointment_at), dossier.finished_at
    elif dossier.withdrawn_at is not None:
        outcome, moment = Outcome.WITHDRAWN, dossier.withdrawn_at
    elif dossier.stopped_at is not None:
        outcome, moment = Outcome.STOPPED, dossier.stopped_at
    else:
        return None, ""
    return max(local_day(moment), received_on), outcome


def _overdue_on(dossier: Dossier, received_on, closed_on) -> date | None:
    if received_on is None or dossier.appointment_at is None:
        return None
    if closed_on is None and dossier.status == DossierStatus.SUPPLEMENT_REQUESTED:
        return None
    overdue = max(local_day(dossier.appointment_at), received_on)
    return overdue if closed_on is None or overdue < closed_on else None


def _step_score(dossier: Dossier) -> int | None:
    scores = [
        STEP_POINTS[value]
        for value in dossier.steps.filter(
            kind__in=TIMED_STEP_KINDS, timeliness__in=list(STEP_POINTS)
        ).values_list("timeliness", flat=True)
    ]
    for answered_at, deadline in dossier.consultations.filter(answered_at__isnull=False).values_list(
        "answered_at", "deadline"
    ):
        if answered_at > deadline:
            scores.append(0)
        else:
            scores.append(2 if local_day(answered_at) < local_day(deadline) else 1)
    return min(scores) if scores else None


def _contact_score(dossier: Dossier) -> int:
    requests = dossier.supplements.count()
    return 2 if requests == 0 else 1 if requests == 1 else 0


_LOOK_UP = object()


def fact_for(dossier: Dossier, *, imported_rating: int | None | object = _LOOK_UP) -> Fact:
    """The fact of ``dossier`` as it is now (a few queries, for one dossier).

    The importer passes ``imported_rating`` (and a dossier whose version is already loaded), so an imported
    dossier's fact costs no query.
    """
    version = dossier.procedure_version
    received_on = local_day(dossier.received_at)
    closed_on, outcome = _closing(dossier, received_on)
    resolved = outcome in RESOLVED_OUTCOMES
    native_resolved = resolved and not dossier.imported
    if not dossier.imported:
        rating = None
    elif imported_rating is _LOOK_UP:
        rating = ImportedRating.objects.filter(dossier=dossier).values_list("overall", flat=True).first()
    else:
        rating = imported_rating
    rated_on = (closed_on or received_on) if rating is not None else None
    return Fact(
        agency_id=dossier.competent_agency_id,
        procedure_id=version.procedure_id,
        field_id=version.field_id or 0,
        channel=dossier.channel,
        received_on=received_on,
        closed_on=closed_on,
        outcome=outcome,
        overdue_on=_overdue_on(dossier, received_on, closed_on),
        not_received_on=local_day(dossier.refused_at)
        if dossier.status == DossierStatus.NOT_RECEIVED
        else None,
        refused=resolved and dossier.substate == Substate.REFUSED,
        obligation=dossier.paid_online is not None,
        paid_online=dossier.paid_online is True,
        postal_return=dossier.result_channel == ResultChannel.POSTAL,
        step_score=_step_score(dossier) if native_resolved else None,
        contact_score=_contact_score(dossier) if native_resolved else None,
        e_result=dossier.results.exclude(file="").exists() if native_resolved else None,
        rated_on=rated_on,
        satisfied=(rating >= 2) if rated_on is not None else None,
    )


# --- The same rules in SQL ------------------------------------------------------------------------------------


def _day(name: str):
    return TruncDate(name, tzinfo=LOCAL)


def _later(a: str, b: str):
    """The later of two non-null dates (both annotations)."""
    return Case(When(**{f"{a}__lt": F(b)}, then=F(b)), default=F(a), output_field=DateField())


def fact_rows(dossiers: QuerySet[Dossier] | None = None) -> QuerySet:
    """Every dossier's fact as one query: ``values_list("dossier_id", *FACT_FIELDS)`` in that order."""
    dossiers = Dossier.objects.all() if dossiers is None else dossiers
    resolved = Q(r_outcome__in=RESOLVED_OUTCOMES)
    native_resolved = resolved & Q(imported=False)
    step_points = Case(
        *(When(timeliness=value, then=Value(points)) for value, points in STEP_POINTS.items()),
        output_field=IntegerField(),
    )
    steps = (
        DossierStep.objects.filter(
            dossier=OuterRef("pk"), kind__in=TIMED_STEP_KINDS, timeliness__in=list(STEP_POINTS)
        )
        .values("dossier")
        .annotate(low=Min(step_points))
        .values("low")
    )
    consultation_points = Case(
        When(answered_at__gt=F("deadline"), then=Value(0)),
        When(answered_day__lt=F("deadline_day"), then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    consultations = (
        Consultation.objects.filter(dossier=OuterRef("pk"), answered_at__isnull=False)
        .annotate(answered_day=_day("answered_at"), deadline_day=_day("deadline"))
        .values("dossier")
        .annotate(low=Min(consultation_points))
        .values("low")
    )
    supplements = (
        SupplementInterval.objects.filter(dossier=OuterRef("pk"))
        .values("dossier")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ratings = ImportedRating.objects.filter(dossier=OuterRef("pk")).values("overall")[:1]
    received = Q(received_at__isnull=False)
    rows = (
        dossiers.annotate(
            d_received=_day("received_at"),
            d_finished=_day("finished_at"),
            d_withdrawn=_day("withdrawn_at"),
            d_stopped=_day("stopped_at"),
            d_appointment=_day("appointment_at"),
            d_refused=_day("refused_at"),
        )
        .annotate(
            r_closed_raw=Case(
                When(received & Q(finished_at__isnull=False), then=F("d_finished")),
                When(received & Q(withdrawn_at__isnull=False), then=F("d_withdrawn")),
                When(received & Q(stopped_at__isnull=False), then=F("d_stopped")),
                default=None,
                output_field=DateField(),
            ),
            r_outcome=Case(
                When(~received, then=Value("")),
                When(Q(finished_at__isnull=False, appointment_at__isnull=True), then=Value(Outcome.ON_TIME)),
                When(Q(finished_at__gt=F("appointment_at")), then=Value(Outcome.LATE)),
                When(
                    Q(finished_at__isnull=False, d_finished__lt=F("d_appointment")), then=Value(Outcome.EARLY)
                ),
                When(Q(finished_at__isnull=False), then=Value(Outcome.ON_TIME)),
                When(Q(withdrawn_at__isnull=False), then=Value(Outcome.WITHDRAWN)),
                When(Q(stopped_at__isnull=False), then=Value(Outcome.STOPPED)),
                default=Value(""),
            ),
            r_rating=Case(
                When(imported=True, then=Subquery(ratings)), default=None, output_field=IntegerField()
            ),
            r_step_low=Subquery(steps, output_field=IntegerField()),
            r_consultation_low=Subquery(consultations, output_field=IntegerField()),
            r_supplements=Coalesce(Subquery(supplements, output_field=IntegerField()), Value(0)),
        )
        .annotate(
            r_closed=Case(
                When(r_closed_raw__isnull=True, then=None),
                default=_later("r_closed_raw", "d_received"),
                output_field=DateField(),
            ),
            r_overdue_raw=Case(
                When(Q(d_received__isnull=True) | Q(appointment_at__isnull=True), then=None),
                When(Q(r_closed_raw__isnull=True, status=DossierStatus.SUPPLEMENT_REQUESTED), then=None),
                default=_later("d_appointment", "d_received"),
                output_field=DateField(),
            ),
        )
        .annotate(
            f_dossier=F("pk"),
            f_agency=F("competent_agency_id"),
            f_procedure=F("procedure_version__procedure_id"),
            f_field=Coalesce(F("procedure_version__field_id"), Value(0)),
            f_channel=F("channel"),
            f_received=F("d_received"),
            f_closed=F("r_closed"),
            f_outcome=F("r_outcome"),
            f_overdue=Case(
                When(r_overdue_raw__isnull=True, then=None),
                When(r_closed__isnull=True, then=F("r_overdue_raw")),
                When(r_overdue_raw__lt=F("r_closed"), then=F("r_overdue_raw")),
                default=None,
                output_field=DateField(),
            ),
            f_not_received=Case(
                When(status=DossierStatus.NOT_RECEIVED, then=F("d_refused")),
                default=None,
                output_field=DateField(),
            ),
            f_refused=Case(
                When(resolved & Q(substate=Substate.REFUSED), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            f_obligation=Case(When(paid_online__isnull=False, then=Value(True)), default=Value(False)),
            f_paid_online=Case(When(paid_online=True, then=Value(True)), default=Value(False)),
            f_postal_return=Case(
                When(result_channel=ResultChannel.POSTAL, then=Value(True)), default=Value(False)
            ),
            f_step=Case(
                When(~native_resolved, then=None),
                When(r_step_low__isnull=True, then=F("r_consultation_low")),
                When(r_consultation_low__isnull=True, then=F("r_step_low")),
                When(r_step_low__lt=F("r_consultation_low"), then=F("r_step_low")),
                default=F("r_consultation_low"),
                output_field=IntegerField(),
            ),
            f_contact=Case(
                When(~native_resolved, then=None),
                When(r_supplements=0, then=Value(2)),
                When(r_supplements=1, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            f_e_result=Case(
                When(~resolved | Q(imported=True), then=None),
                When(
                    Exists(DossierResult.objects.filter(dossier=OuterRef("pk")).exclude(file="")),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
            f_rated=Case(
                When(r_rating__isnull=True, then=None),
                When(r_closed__isnull=False, then=F("r_closed")),
                default=F("d_received"),
                output_field=DateField(),
            ),
        )
        .annotate(
            f_satisfied=Case(
                When(f_rated__isnull=True, then=None),
                When(r_rating__gte=2, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    return rows.values_list(*SQL_COLUMNS).order_by("pk")


# The annotation of ``fact_rows`` for dossier_id and each FACT_FIELDS name, in that order.
SQL_COLUMNS = (
    "f_dossier",
    "f_agency",
    "f_procedure",
    "f_field",
    "f_channel",
    "f_received",
    "f_closed",
    "f_outcome",
    "f_overdue",
    "f_not_received",
    "f_refused",
    "f_obligation",
    "f_paid_online",
    "f_postal_return",
    "f_step",
    "f_contact",
    "f_e_result",
    "f_rated",
    "f_satisfied",
)
assert len(SQL_COLUMNS) == len(FACT_FIELDS) + 1
