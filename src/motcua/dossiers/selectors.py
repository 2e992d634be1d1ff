"""Reads of dossiers. The access gate is :func:`dossier_queryset_for`; every list and lookup starts from it.

An unknown dossier and a dossier the user may not see both answer ``NotFound``, so codes cannot be probed.
Worklists and their counts run a constant number of queries whatever the number of dossiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import StaffMembership, StaffRole
from motcua.core.calendar import get_calendar
from motcua.core.errors import NotFound, ValidationFailed

from .deadlines import due_soon_bound
from .models import Consultation, Dossier, DossierEvent, DossierStep, ProcessTemplate
from .workflow import CLOCK_RUNNING_STATUSES, DossierStatus, Substate

LIST_RELATED = (
    "procedure_version",
    "procedure_version__procedure",
    "procedure_case",
    "receiving_agency",
    "competent_agency",
)


def process_template_for(case, channel: str) -> ProcessTemplate | None:
    """The active template for ``case``: the online one for online dossiers when it exists, else the general one."""
    templates = {t.for_online: t for t in ProcessTemplate.objects.filter(case=case, is_active=True)}
    if channel == "online" and True in templates:
        return templates[True]
    return templates.get(False)


def _memberships(user) -> QuerySet[StaffMembership]:
    return StaffMembership.objects.filter(user=user, is_active=True)


def dossier_queryset_for(user) -> QuerySet[Dossier]:
    """Dossiers ``user`` may see: staff those their agencies receive, decide, hold a step of or are consulted
    on; applicants their own; superusers all; anonymous users none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    if user.is_superuser:
        return Dossier.objects.all()
    agencies = _memberships(user).values("agency_id")
    visible = (
        Q(owner=user)
        | Q(receiving_agency_id__in=agencies)
        | Q(competent_agency_id__in=agencies)
        | Q(Exists(DossierStep.objects.filter(dossier=OuterRef("pk"), agency_id__in=agencies)))
        | Q(Exists(Consultation.objects.filter(dossier=OuterRef("pk"), asked_agency_id__in=agencies)))
    )
    return Dossier.objects.filter(visible)


def dossier_get_for(user, code: str) -> Dossier:
    """The dossier ``code`` if ``user`` may see it; NotFound for unknown and forbidden alike."""
    dossier = (
        dossier_queryset_for(user)
        .select_related(*LIST_RELATED, "owner", "process_template")
        .filter(code=(code or "").strip())
        .first()
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code})
    return dossier


def dossier_detail_for(user, code: str) -> Dossier:
    """Like :func:`dossier_get_for` with components, files, steps, results and consultations prefetched."""
    dossier = dossier_get_for(user, code)
    return (
        Dossier.objects.filter(pk=dossier.pk)
        .select_related(*LIST_RELATED, "owner", "process_template")
        .prefetch_related(
            "components__files",
            "components__case_component",
            "steps__agency",
            "steps__assignee",
            "results",
            "consultations__asked_agency",
            "supplements",
            "extensions",
        )
        .get()
    )


def dossier_events(dossier: Dossier) -> QuerySet[DossierEvent]:
    """The audit trail in order, with the actors."""
    return dossier.events.select_related("actor").order_by("sequence")


def control_sheet(dossier: Dossier) -> QuerySet[DossierStep]:
    """The step history (electronic Mẫu 05): every step with agency and holder, in plan order."""
    return dossier.steps.select_related("agency", "assignee", "finished_by").order_by("stage", "order", "pk")


# --- Worklists ------------------------------------------------------------------------------------------


class Worklist:
    TO_RECEIVE = "to_receive"
    TO_ASSIGN = "to_assign"
    MINE = "mine"
    TO_APPROVE = "to_approve"
    TO_RETURN = "to_return"
    WAITING_FOR_OTHERS = "waiting_for_others"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


WORKLIST_LABELS = {
    Worklist.TO_RECEIVE: gettext_lazy("Chờ tiếp nhận"),
    Worklist.TO_ASSIGN: gettext_lazy("Chờ phân công"),
    Worklist.MINE: gettext_lazy("Tôi đang xử lý"),
    Worklist.TO_APPROVE: gettext_lazy("Chờ phê duyệt"),
    Worklist.TO_RETURN: gettext_lazy("Chờ trả kết quả"),
    Worklist.WAITING_FOR_OTHERS: gettext_lazy("Chờ cơ quan khác"),
    Worklist.DUE_SOON: gettext_lazy("Đến hạn trong 2 ngày làm việc"),
    Worklist.OVERDUE: gettext_lazy("Quá hạn"),
}


@dataclass(frozen=True)
class DossierFilters:
    procedure: int | str | None = None  # Procedure id or national code
    agency: int | None = None  # receiving or competent agency
    channel: str = ""
    status: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    query: str = ""  # dossier code or applicant name / identity number


def _apply_filters(queryset: QuerySet[Dossier], filters: DossierFilters | None) -> QuerySet[Dossier]:
    if filters is None:
        return queryset
    if filters.procedure not in (None, ""):
        if isinstance(filters.procedure, int) or str(filters.procedure).isdigit():
            queryset = queryset.filter(procedure_version__procedure_id=int(filters.procedure))
        else:
            queryset = queryset.filter(procedure_version__procedure__national_code=filters.procedure)
    if filters.agency:
        queryset = queryset.filter(
            Q(receiving_agency_id=filters.agency) | Q(competent_agency_id=filters.agency)
        )
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.received_from:
        queryset = queryset.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        queryset = queryset.filter(received_at__lt=_day_start(filters.received_to, next_day=True))
    if filters.received_from and filters.received_to and filters.received_from > filters.received_to:
        raise ValidationFailed(_("Ngày bắt đầu phải trước ngày kết thúc."))
    text = " ".join((filters.query or "").split())
    if text:
        queryset = queryset.filter(
            Q(code__iexact=text) | Q(applicant_identity_number=text) | Q(applicant_name__icontains=text)
        )
    return queryset


def _day_start(day: date, *, next_day: bool = False) -> datetime:
    from datetime import timedelta

    moment = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return moment + timedelta(days=1) if next_day else moment


class _Roles:
    """The user's agencies per role, read once."""

    def __init__(self, user):
        self.pairs = list(_memberships(user).values_list("agency_id", "role"))
        self.agencies = {agency for agency, _role in self.pairs}

    def at(self, role: str) -> set[int]:
        return {agency for agency, r in self.pairs if r == role}

    def held_steps_q(self, user) -> Q:
        """Open processing steps this user holds: assigned to them, or unassigned with one of their roles."""
        holds = Q(assignee=user)
        unassigned = Q(pk__in=[])
        for agency, role in self.pairs:
            unassigned |= Q(agency_id=agency, role=role)
        return holds | (Q(assignee__isnull=True) & unassigned)


def _bucket_conditions(user, roles: _Roles, now: datetime) -> dict[str, Q]:
    open_steps = DossierStep.objects.filter(
        dossier=OuterRef("pk"),
        kind=DossierStep.Kind.PROCESS,
        started_at__isnull=False,
        finished_at__isnull=True,
    )
    bound = due_soon_bound(get_calendar(), now)  # default office hours: one bound for every unit
    leads = roles.at(StaffRole.LEADER)
    return {
        Worklist.TO_RECEIVE: Q(
            status=DossierStatus.SUBMITTED,
            substate=Substate.AWAITING_RECEPTION,
            receiving_agency_id__in=roles.at(StaffRole.RECEPTION_OFFICER),
        ),
        Worklist.TO_ASSIGN: Q(status__in=[DossierStatus.RECEIVED, DossierStatus.PROCESSING])
        & Q(
            Exists(
                open_steps.filter(agency_id__in=leads, assignee__isnull=True).exclude(role=StaffRole.LEADER)
            )
        ),
        Worklist.MINE: Q(status=DossierStatus.PROCESSING)
        & Q(Exists(open_steps.filter(roles.held_steps_q(user)))),
        Worklist.TO_APPROVE: Q(
            status=DossierStatus.PROCESSING,
            substate=Substate.AWAITING_APPROVAL,
            competent_agency_id__in=leads,
        ),
        Worklist.TO_RETURN: Q(
            status=DossierStatus.RESOLVED, receiving_agency_id__in=roles.at(StaffRole.RECEPTION_OFFICER)
        ),
        Worklist.WAITING_FOR_OTHERS: Q(status=DossierStatus.PROCESSING)
        & (
            Q(Exists(open_steps.exclude(agency_id__in=roles.agencies)))
            | Q(
                Exists(
                    Consultation.objects.filter(dossier=OuterRef("pk"), answered_at__isnull=True).exclude(
                        asked_agency_id__in=roles.agencies
                    )
                )
            )
        ),
        Worklist.DUE_SOON: Q(
            status__in=CLOCK_RUNNING_STATUSES, appointment_at__gte=now, appointment_at__lte=bound
        ),
        Worklist.OVERDUE: Q(status__in=CLOCK_RUNNING_STATUSES, appointment_at__lt=now),
    }


def worklist_counts(
    user, *, filters: DossierFilters | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Number of dossiers in each worklist of ``user`` (two queries: memberships, then one aggregate)."""
    now = now or timezone.now()
    roles = _Roles(user)
    conditions = _bucket_conditions(user, roles, now)
    queryset = _apply_filters(dossier_queryset_for(user), filters)
    return queryset.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in conditions.items()}
    )


def worklist(
    user, bucket: str, *, filters: DossierFilters | None = None, now: datetime | None = None
) -> QuerySet[Dossier]:
    """The dossiers of one worklist, most urgent first, ready to list without further queries per row."""
    now = now or timezone.now()
    roles = _Roles(user)
    conditions = _bucket_conditions(user, roles, now)
    if bucket not in conditions:
        raise ValidationFailed(_("Danh sách công việc không hợp lệ."))
    queryset = _apply_filters(dossier_queryset_for(user), filters).filter(conditions[bucket])
    return queryset.select_related(*LIST_RELATED).order_by("appointment_at", "received_at", "pk")


def dossier_search_for(user, *, filters: DossierFilters | None = None) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see, filtered; newest first."""
    return (
        _apply_filters(dossier_queryset_for(user), filters)
        .select_related(*LIST_RELATED)
        .order_by("-submitted_at", "-pk")
    )
