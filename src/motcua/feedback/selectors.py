"""Reads of ratings and petitions: the criteria in force, satisfaction shares per agency and period
(satisfaction.md §7), petition worklists for staff (only their agencies' petitions) and the public search of
published answers.

Formulas (satisfaction.md §7, rounded half-up to one decimal):

* a form's points are its level − 1: rất hài lòng 2, hài lòng 1, chưa hài lòng 0 (TT 01/2018's 2 / 1 / 0);
* **% satisfied** = forms rated hài lòng or rất hài lòng / number of forms × 100;
* **% per level** = forms at that level / number of forms × 100;
* **criterion average** = the criterion's points / number of forms that answered it (a form that gave no
  opinion on a criterion is left out of that criterion, as TT 01/2018 Art. 15 leaves out missing data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Agency, StaffMembership
from motcua.catalog.models import Channel
from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.text import search_terms
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import PublicProgress, dossier_public_progress
from motcua.dossiers.workflow import CLOCK_RUNNING_STATUSES, DossierStatus

from .models import (
    SATISFIED_LEVELS,
    Petition,
    PetitionState,
    Rating,
    RatingAnswer,
    SatisfactionCriterion,
    SatisfactionLevel,
)

ONE_DECIMAL = Decimal("0.1")
# The dossier has its result (lifecycle.md §6.1): 9 result ready, 10 result delivered.
RESULT_STATUSES = frozenset({DossierStatus.RESOLVED, DossierStatus.RETURNED})


def round1(numerator, denominator, *, scale: int = 1) -> Decimal | None:
    """numerator × scale / denominator rounded half-up to one decimal; None when there is nothing to divide."""
    if not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


# --- Criteria and ratings ---------------------------------------------------------------------------------------


def criteria_in_force(day: date | None = None) -> QuerySet[SatisfactionCriterion]:
    day = day or timezone.localdate()
    return SatisfactionCriterion.objects.filter(
        Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gt=day))
    ).order_by("order", "code")


def criteria_for(dossier: Dossier, *, day: date | None = None) -> list[SatisfactionCriterion]:
    """The criteria asked about ``dossier`` on ``day``: those in force, online-only ones for online dossiers."""
    criteria = criteria_in_force(day)
    if dossier.channel != Channel.ONLINE:
        criteria = criteria.filter(online_only=False)
    return list(criteria)


def rating_for(dossier: Dossier) -> Rating | None:
    return Rating.objects.filter(dossier=dossier).first()


def dossier_for_rating(code: str) -> Dossier:
    """The dossier ``code`` (exact, case-insensitive) for the rating page; NotFound when unknown."""
    code = "".join((code or "").split())
    dossier = (
        Dossier.objects.select_related("procedure_version", "receiving_agency", "competent_agency")
        .filter(code__iexact=code)
        .first()
        if code
        else None
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ có mã %(code)s.") % {"code": code}, code="unknown_dossier")
    return dossier


# --- Satisfaction shares ------------------------------------------------------------------------------------------


AGENCY_ROLES = {"competent": "dossier__competent_agency", "receiving": "dossier__receiving_agency"}


@dataclass(frozen=True)
class CriterionScore:
    criterion: SatisfactionCriterion
    forms: int  # forms that answered this criterion
    points: int
    average: Decimal | None  # points / forms, one decimal (0–2)
    satisfied_percent: Decimal | None


@dataclass(frozen=True)
class SatisfactionSummary:
    forms: int
    by_level: dict[int, int]  # SatisfactionLevel value → number of forms
    points: int
    satisfied_percent: Decimal | None
    level_percent: dict[int, Decimal | None]
    average: Decimal | None  # overall points / forms (0–2)
    criteria: list[CriterionScore] = field(default_factory=list)


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in local time."""
    if start > end:
        raise ValidationFailed(_("Ngày bắt đầu phải trước ngày kết thúc."))
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def ratings_in_period(
    *, start: date, end: date, agency: Agency | int | None = None, agency_role: str = "competent"
) -> QuerySet[Rating]:
    """Ratings given between ``start`` and ``end`` (inclusive, local days), optionally of one agency's dossiers.

    ``agency_role`` says which agency of the dossier counts: "competent" (the deciding agency, default) or
    "receiving" (the one-stop unit's agency).
    """
    if agency_role not in AGENCY_ROLES:
        raise ValidationFailed(_("Vai trò cơ quan phải là competent hoặc receiving."))
    low, high = _period_bounds(start, end)
    ratings = Rating.objects.filter(rated_at__gte=low, rated_at__lt=high)
    if agency is not None:
        ratings = ratings.filter(**{f"{AGENCY_ROLES[agency_role]}_id": getattr(agency, "pk", agency)})
    return ratings


def _summary(forms: int, by_level: dict[int, int], criteria: list[CriterionScore]) -> SatisfactionSummary:
    points = sum(SatisfactionLevel(level).points * count for level, count in by_level.items())
    satisfied = sum(by_level.get(level, 0) for level in SATISFIED_LEVELS)
    return SatisfactionSummary(
        forms=forms,
        by_level={level: by_level.get(level, 0) for level in SatisfactionLevel.values},
        points=points,
        satisfied_percent=round1(satisfied, forms, scale=100),
        level_percent={
            level: round1(by_level.get(level, 0), forms, scale=100) for level in SatisfactionLevel.values
        },
        average=round1(points, forms),
        criteria=criteria,
    )


def _level_counts(field_name: str) -> dict:
    """Aggregates level_1 … level_3: how many rows have each level in ``field_name``."""
    return {
        f"level_{level}": Count("pk", filter=Q(**{field_name: level})) for level in SatisfactionLevel.values
    }


def satisfaction_summary(
    *, start: date, end: date, agency: Agency | int | None = None, agency_role: str = "competent"
) -> SatisfactionSummary:
    """The satisfaction figures of one agency (or all) for one period, with the per-criterion averages."""
    ratings = ratings_in_period(start=start, end=end, agency=agency, agency_role=agency_role)
    totals = ratings.aggregate(forms=Count("pk"), **_level_counts("overall"))
    by_level = {level: totals[f"level_{level}"] for level in SatisfactionLevel.values}
    rows = (
        RatingAnswer.objects.filter(rating__in=ratings)
        .values("criterion")
        .annotate(
            forms=Count("pk"),
            points=Sum("level") - Count("pk"),
            satisfied=Count("pk", filter=Q(level__in=SATISFIED_LEVELS)),
        )
    )
    by_criterion = {row["criterion"]: row for row in rows}
    criteria = SatisfactionCriterion.objects.filter(pk__in=by_criterion).order_by("order", "code")
    scores = [
        CriterionScore(
            criterion=criterion,
            forms=by_criterion[criterion.pk]["forms"],
            points=by_criterion[criterion.pk]["points"],
            average=round1(by_criterion[criterion.pk]["points"], by_criterion[criterion.pk]["forms"]),
            satisfied_percent=round1(
                by_criterion[criterion.pk]["satisfied"], by_criterion[criterion.pk]["forms"], scale=100
            ),
        )
        for criterion in criteria
    ]
    return _summary(totals["forms"], by_level, scores)


@dataclass(frozen=True)
class AgencySatisfaction:
    agency_id: int
    agency_name: str
    summary: SatisfactionSummary


def satisfaction_by_agency(
    *, start: date, end: date, agency_role: str = "competent"
) -> list[AgencySatisfaction]:
    """Overall satisfaction per agency for one period (one query), agencies with ratings only, by name."""
    ratings = ratings_in_period(start=start, end=end, agency_role=agency_role)
    key = AGENCY_ROLES[agency_role]
    rows = (
        ratings.values(f"{key}_id", f"{key}__name")
        .annotate(forms=Count("pk"), **_level_counts("overall"))
        .order_by(f"{key}__name", f"{key}_id")
    )
    return [
        AgencySatisfaction(
            agency_id=row[f"{key}_id"],
            agency_name=row[f"{key}__name"],
            summary=_summary(
                row["forms"], {level: row[f"level_{level}"] for level in SatisfactionLevel.values}, []
            ),
        )
        for row in rows
    ]


def satisfaction_summaries_by_agency(
    *, start: date, end: date, agency_role: str = "competent"
) -> dict[int, SatisfactionSummary]:
    """:func:`satisfaction_summary` of every agency with ratings in the period, criteria included, in three
    queries whatever the number of agencies (the report screens rank every agency of a province)."""
    ratings = ratings_in_period(start=start, end=end, agency_role=agency_role)
    key = f"{AGENCY_ROLES[agency_role]}_id"
    totals = {
        row[key]: row
        for row in ratings.values(key).annotate(forms=Count("pk"), **_level_counts("overall")).order_by()
        if row[key] is not None
    }
    answers: dict[int, list[dict]] = {}
    rows = (
        RatingAnswer.objects.filter(rating__in=ratings)
        .values(f"rating__{key}", "criterion")
        .annotate(
            forms=Count("pk"),
            points=Sum("level") - Count("pk"),
            satisfied=Count("pk", filter=Q(level__in=SATISFIED_LEVELS)),
        )
        .order_by()
    )
    for row in rows:
        answers.setdefault(row[f"rating__{key}"], []).append(row)
    criteria = {
        criterion.pk: criterion
        for criterion in SatisfactionCriterion.objects.filter(
            pk__in={row["criterion"] for found in answers.values() for row in found}
        )
    }
    summaries = {}
    for agency_id, row in totals.items():
        scores = [
            CriterionScore(
                criterion=criteria[answer["criterion"]],
                forms=answer["forms"],
                points=answer["points"],
                average=round1(answer["points"], answer["forms"]),
                satisfied_percent=round1(answer["satisfied"], answer["forms"], scale=100),
            )
            for answer in answers.get(agency_id, [])
        ]
        scores.sort(key=lambda score: (score.criterion.order, score.criterion.code))
        by_level = {level: row[f"level_{level}"] for level in SatisfactionLevel.values}
        summaries[agency_id] = _summary(row["forms"], by_level, scores)
    return summaries


# --- Petitions: figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PetitionSummary:
    received: int  # received in the period
    answered: int  # of those, answered
    answered_on_time: int
    answered_late: int
    declined: int
    waiting: int  # not answered yet
    overdue: int  # not answered and past the due date (at ``now``)
    on_time_percent: Decimal | None  # answered on time / answered × 100
    handling_ratings: int
    handling_satisfied_percent: Decimal | None
    handling_satisfied: int = 0  # handling ratings hài lòng or rất hài lòng


def petition_summary(
    *, start: date, end: date, agency: Agency | int | None = None, now: datetime | None = None
) -> PetitionSummary:
    """Petition handling figures for petitions received in the period (TT 01/2018 indicator 8, Decision 766)."""
    now = now or timezone.now()
    petitions = _petitions_received(start, end)
    if agency is not None:
        petitions = petitions.filter(agency_id=getattr(agency, "pk", agency))
    return _petition_summary(petitions.aggregate(**_petition_counts(now)))


def petition_summaries_by_agency(
    *, start: date, end: date, now: datetime | None = None
) -> dict[int, PetitionSummary]:
    """:func:`petition_summary` of every agency that received petitions in the period, in one query."""
    now = now or timezone.now()
    rows = _petitions_received(start, end).values("agency_id").annotate(**_petition_counts(now)).order_by()
    return {row["agency_id"]: _petition_summary(row) for row in rows if row["agency_id"] is not None}


def _petitions_received(start: date, end: date) -> QuerySet[Petition]:
    low, high = _period_bounds(start, end)
    return Petition.objects.filter(received_at__gte=low, received_at__lt=high)


def _petition_counts(now: datetime) -> dict:
    answered = Q(answered_at__isnull=False)
    waiting = Q(state=PetitionState.RECEIVED)
    return {
        "received": Count("pk"),
        "answered": Count("pk", filter=answered),
        "on_time": Count("pk", filter=answered & Q(answered_at__lte=F("due_at"))),
        "declined": Count("pk", filter=Q(state=PetitionState.DECLINED)),
        "waiting": Count("pk", filter=waiting),
        "overdue": Count("pk", filter=waiting & Q(due_at__lt=now)),
        "rated": Count("pk", filter=Q(handling_rating__isnull=False)),
        "rated_satisfied": Count("pk", filter=Q(handling_rating__in=SATISFIED_LEVELS)),
    }


def _petition_summary(totals: dict) -> PetitionSummary:
    return PetitionSummary(
        received=totals["received"],
        answered=totals["answered"],
        answered_on_time=totals["on_time"],
        answered_late=totals["answered"] - totals["on_time"],
        declined=totals["declined"],
        waiting=totals["waiting"],
        overdue=totals["overdue"],
        on_time_percent=round1(totals["on_time"], totals["answered"], scale=100),
        handling_ratings=totals["rated"],
        handling_satisfied_percent=round1(totals["rated_satisfied"], totals["rated"], scale=100),
        handling_satisfied=totals["rated_satisfied"],
    )


# --- Petitions: staff -----------------------------------------------------------------------------------------


def staff_agency_ids(user) -> list[int]:
    """Agencies where ``user`` has an active membership."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        StaffMembership.objects.filter(user=user, is_active=True)
        .values_list("agency_id", flat=True)
        .distinct()
    )


def petition_queryset_for(user) -> QuerySet[Petition]:
    """The access gate: petitions of the user's agencies; superusers all; everyone else none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Petition.objects.none()
    if user.is_superuser:
        return Petition.objects.all()
    return Petition.objects.filter(agency_id__in=staff_agency_ids(user))


class PetitionFilter:
    WAITING = "waiting"
    OVERDUE = "overdue"
    ANSWERED = "answered"
    PUBLISHED = "published"
    DECLINED = "declined"
    ALL = "all"


PETITION_FILTER_LABELS = {
    PetitionFilter.WAITING: gettext_lazy("Chờ trả lời"),
    PetitionFilter.OVERDUE: gettext_lazy("Quá hạn trả lời"),
    PetitionFilter.ANSWERED: gettext_lazy("Đã trả lời, chưa công khai"),
    PetitionFilter.PUBLISHED: gettext_lazy("Đã công khai"),
    PetitionFilter.DECLINED: gettext_lazy("Không thụ lý"),
    PetitionFilter.ALL: gettext_lazy("Tất cả"),
}


def petition_worklist(
    user,
    *,
    show: str = PetitionFilter.WAITING,
    query: str = "",
    agency_id: int | None = None,
    now: datetime | None = None,
) -> QuerySet[Petition]:
    """The petitions ``user`` may handle, filtered; waiting ones with the nearest due date first.

    ``agency_id`` narrows the list to one of the user's agencies (the desk they work at); it never widens
    access. Rows carry ``overdue`` (still waiting after the due date) for highlighting.
    """
    now = now or timezone.now()
    petitions = (
        _narrowed(petition_queryset_for(user), agency_id)
        .select_related("agency")
        .annotate(
            overdue=Case(
                When(state=PetitionState.RECEIVED, due_at__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    if show == PetitionFilter.WAITING:
        petitions = petitions.filter(state=PetitionState.RECEIVED)
    elif show == PetitionFilter.OVERDUE:
        petitions = petitions.filter(state=PetitionState.RECEIVED, due_at__lt=now)
    elif show in (PetitionFilter.ANSWERED, PetitionFilter.PUBLISHED, PetitionFilter.DECLINED):
        petitions = petitions.filter(state=show)
    elif show != PetitionFilter.ALL:
        raise ValidationFailed(_("Bộ lọc không hợp lệ."))
    text = " ".join((query or "").split())
    if text:
        petitions = petitions.filter(
            Q(tracking_code__iexact=text)
            | Q(dossier_code__iexact=text)
            | Q(subject__icontains=text)
            | Q(sender_name__icontains=text)
        )
    order = (
        ["due_at", "pk"]
        if show in (PetitionFilter.WAITING, PetitionFilter.OVERDUE)
        else ["-received_at", "-pk"]
    )
    return petitions.order_by(*order)


def _narrowed(petitions: QuerySet[Petition], agency_id: int | None) -> QuerySet[Petition]:
    return petitions.filter(agency_id=agency_id) if agency_id else petitions


def petition_counts(user, *, agency_id: int | None = None, now: datetime | None = None) -> dict[str, int]:
    """How many petitions of ``user``'s agencies (or of one of them) are waiting and overdue (one query)."""
    now = now or timezone.now()
    waiting = Q(state=PetitionState.RECEIVED)
    return _narrowed(petition_queryset_for(user), agency_id).aggregate(
        waiting=Count("pk", filter=waiting), overdue=Count("pk", filter=waiting & Q(due_at__lt=now))
    )


def petition_get_for(user, pk: int) -> Petition:
    """One petition of ``user``'s agencies with its answers and events; NotFound for others' petitions."""
    petition = (
        petition_queryset_for(user)
        .select_related("agency", "dossier", "sender_account")
        .prefetch_related("answers__answered_by", "events")
        .filter(pk=pk)
        .first()
    )
    if petition is None:
        raise NotFound(_("Không tìm thấy phản ánh, kiến nghị."))
    return petition


# --- Petitions: public -----------------------------------------------------------------------------------------


def petition_track(tracking_code: str) -> Petition:
    """The petition with ``tracking_code`` (for its sender); NotFound when unknown."""
    code = "".join((tracking_code or "").split()).upper()
    petition = (
        Petition.objects.select_related("agency")
        .prefetch_related("answers")
        .filter(tracking_code=code)
        .first()
        if code
        else None
    )
    if petition is None:
        raise NotFound(
            _("Không tìm thấy phản ánh, kiến nghị có mã theo dõi %(code)s.") % {"code": code},
            code="unknown_petition",
        )
    return petition


def published_petitions(*, query: str = "", agency_code: str = "") -> QuerySet[Petition]:
    """Published petitions, newest answer first; every query term must match, diacritics and case ignored."""
    petitions = Petition.objects.filter(state=PetitionState.PUBLISHED).select_related("agency")
    for term in search_terms(query):
        petitions = petitions.filter(search_text__contains=term)
    if agency_code:
        petitions = petitions.filter(Q(agency__code=agency_code) | Q(agency__code_qd20=agency_code))
    return petitions.order_by("-published_at", "-pk")


def published_petition(pk: int) -> Petition:
    petition = (
        Petition.objects.filter(state=PetitionState.PUBLISHED, pk=pk)
        .select_related("agency")
        .prefetch_related("answers")
        .first()
    )
    if petition is None:
        raise NotFound(_("Không tìm thấy phản ánh, kiến nghị."))
    return petition


def agencies_with_published_petitions() -> QuerySet[Agency]:
    return (
        Agency.objects.filter(petitions__state=PetitionState.PUBLISHED)
        .annotate(published=Count("petitions"))
        .order_by("name")
    )


# --- Public dossier lookup (no personal data) --------------------------------------------------------------------


@dataclass(frozen=True)
class DossierLookup:
    """``dossiers.selectors.dossier_public_progress`` plus what the lookup page adds: the dates of reception,
    result and return, whether the dossier is on time, and whether it has been rated. Never personal data."""

    progress: PublicProgress
    received_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    timeliness: str  # "early" | "on_time" | "late" | "within" | "overdue" | ""
    timeliness_label: str
    rated: bool

    @property
    def rateable(self) -> bool:
        return self.progress.status in RESULT_STATUSES and not self.rated


TIMELINESS_LABELS = {
    "early": gettext_lazy("Trước hạn"),
    "on_time": gettext_lazy("Đúng hạn"),
    "late": gettext_lazy("Trễ hạn"),
    "within": gettext_lazy("Đang trong hạn"),
    "overdue": gettext_lazy("Đã quá hạn"),
}


def timeliness_of(
    *, status: int, appointment_at: datetime | None, done_at: datetime | None, now: datetime
) -> str:
    """On time or not: against the appointment once the result exists (result or return moment), else
    whether the running clock has passed it. "" when there is no appointment or the clock does not run."""
    if appointment_at is None:
        return ""
    if status in RESULT_STATUSES and done_at is not None:
        if done_at > appointment_at:
            return "late"
        return "early" if timezone.localdate(done_at) < timezone.localdate(appointment_at) else "on_time"
    if status in CLOCK_RUNNING_STATUSES:
        return "overdue" if now > appointment_at else "within"
    return ""


def dossier_lookup(code: str, *, now: datetime | None = None) -> DossierLookup:
    """The public lookup of dossier ``code`` (three queries); NotFound for an unknown code.

    Codes are printed in capitals; a code typed in lower case is tried again in capitals.
    """
    now = now or timezone.now()
    code = "".join((code or "").split())
    try:
        progress = dossier_public_progress(code)
    except NotFound:
        if code == code.upper():
            raise
        progress = dossier_public_progress(code.upper())
    row = (
        Dossier.objects.filter(code=progress.code)
        .annotate(rated=Exists(Rating.objects.filter(dossier=OuterRef("pk"))))
        .values("received_at", "finished_at", "returned_at", "rated")
        .get()
    )
    timeliness = timeliness_of(
        status=progress.status,
        appointment_at=progress.appointment_at,
        done_at=row["returned_at"] or row["finished_at"],
        now=now,
    )
    return DossierLookup(
        progress=progress,
        received_at=row["received_at"],
        finished_at=row["finished_at"],
        returned_at=row["returned_at"],
        timeliness=timeliness,
        timeliness_label=str(TIMELINESS_LABELS.get(timeliness, "")),
        rated=row["rated"],
    )
