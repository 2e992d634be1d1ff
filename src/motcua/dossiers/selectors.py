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
from motcua.agencies.selectors import monitored_agencies
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
    on, and those decided by the agencies they monitor (``agencies.selectors.monitored_agencies``); applicants
    their own; superusers all; anonymous users none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    if user.is_superuser:
        return Dossier.objects.all()
    agencies = _memberships(user).values("agency_id")
    visible = (
        Q(owner=user)
        | Q(receiving_agency_id__in=agencies)
        | Q(competent_agency_id__in=agencies)
        # Reception and return steps sit at the receiving agency (covered above); only processing steps add
        # agencies, and looking at those alone keeps this check cheap at a million dossiers (docs/benchmarks.md).
        | Q(
            Exists(
                DossierStep.objects.filter(
                    dossier=OuterRef("pk"), kind=DossierStep.Kind.PROCESS, agency_id__in=agencies
                )
            )
        )
        | Q(Exists(Consultation.objects.filter(dossier=OuterRef("pk"), asked_agency_id__in=agencies)))
        # Supervisors, leaders and administrators open the dossiers behind the figures they monitor
        # (the dossiers their agencies and sub-agencies decide; every one for province-wide monitoring).
        | Q(competent_agency_id__in=monitored_agencies(user).values("pk"))
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


# The statuses any worklist can hold (see _bucket_conditions); a test keeps them in step.
WORKLIST_STATUSES = (
    DossierStatus.SUBMITTED,
    DossierStatus.RECEIVED,
    DossierStatus.PROCESSING,
    DossierStatus.AWAITING_PAYMENT,
    DossierStatus.RESOLVED,
)

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
    # Every worklist holds dossiers in one of these statuses: counting only them spares reading the closed
    # ones (most of a province's history).
    queryset = _apply_filters(dossier_queryset_for(user), filters).filter(status__in=WORKLIST_STATUSES)
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


# --- Back office: one agency at a time, choices for the action forms -----------------------------------------
# The back office shows the worklists of the agency an officer chose (a person may belong to several); the
# access gate stays dossier_queryset_for, the agency only narrows what is listed.


def staff_memberships_of(user) -> list[StaffMembership]:
    """The user's active memberships with their agencies (and one-stop units), by agency name then role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        _memberships(user).select_related("agency", "agency__one_stop_unit").order_by("agency__name", "role")
    )


def _involves_agency(agency_id: int) -> Q:
    return (
        Q(receiving_agency_id=agency_id)
        | Q(competent_agency_id=agency_id)
        | Q(
            Exists(
                DossierStep.objects.filter(
                    dossier=OuterRef("pk"), kind=DossierStep.Kind.PROCESS, agency_id=agency_id
                )
            )
        )
        | Q(Exists(Consultation.objects.filter(dossier=OuterRef("pk"), asked_agency_id=agency_id)))
    )


def dossier_queryset_at(user, agency_id: int | None) -> QuerySet[Dossier]:
    """``dossier_queryset_for(user)`` narrowed to the dossiers one agency receives, decides, holds a step of or
    is consulted on; ``agency_id=None`` narrows nothing."""
    queryset = dossier_queryset_for(user)
    return queryset if agency_id is None else queryset.filter(_involves_agency(agency_id))


class _AgencyRoles(_Roles):
    """The user's roles at one agency only (all agencies when ``agency_id`` is None)."""

    def __init__(self, user, agency_id: int | None):
        super().__init__(user)
        self.scoped = agency_id is not None
        if self.scoped:
            self.pairs = [(agency, role) for agency, role in self.pairs if agency == agency_id]
            self.agencies = {agency for agency, _role in self.pairs}

    def held_steps_q(self, user) -> Q:
        held = super().held_steps_q(user)
        return held & Q(agency_id__in=self.agencies) if self.scoped else held


def agency_worklist_counts(
    user, agency_id: int | None, *, filters: DossierFilters | None = None, now: datetime | None = None
) -> dict[str, int]:
    """:func:`worklist_counts` for the user's roles at one agency (two queries)."""
    now = now or timezone.now()
    conditions = _bucket_conditions(user, _AgencyRoles(user, agency_id), now)
    queryset = _apply_filters(dossier_queryset_at(user, agency_id), filters).filter(
        status__in=WORKLIST_STATUSES
    )
    return queryset.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in conditions.items()}
    )


def agency_worklist(
    user,
    agency_id: int | None,
    bucket: str,
    *,
    filters: DossierFilters | None = None,
    now: datetime | None = None,
) -> QuerySet[Dossier]:
    """:func:`worklist` for the user's roles at one agency, most urgent first."""
    now = now or timezone.now()
    conditions = _bucket_conditions(user, _AgencyRoles(user, agency_id), now)
    if bucket not in conditions:
        raise ValidationFailed(_("Danh sách công việc không hợp lệ."))
    queryset = _apply_filters(dossier_queryset_at(user, agency_id), filters).filter(conditions[bucket])
    return queryset.select_related(*LIST_RELATED).order_by("appointment_at", "received_at", "pk")


def agency_dossier_search(
    user, agency_id: int | None, *, filters: DossierFilters | None = None
) -> QuerySet[Dossier]:
    """Every dossier of one agency the user may see, filtered; newest first."""
    return (
        _apply_filters(dossier_queryset_at(user, agency_id), filters)
        .select_related(*LIST_RELATED)
        .order_by("-submitted_at", "-pk")
    )


def worklist_filter_choices(user, agency_id: int | None) -> dict[str, list]:
    """Procedures and agencies found on the agency's dossiers, for the worklist filters (two queries)."""
    from motcua.agencies.models import Agency
    from motcua.catalog.models import Procedure

    dossiers = dossier_queryset_at(user, agency_id)
    procedures = (
        Procedure.objects.filter(pk__in=dossiers.values("procedure_version__procedure_id"))
        .select_related("current_version")
        .order_by("national_code")
    )
    agencies = Agency.objects.filter(
        Q(pk__in=dossiers.values("receiving_agency_id")) | Q(pk__in=dossiers.values("competent_agency_id"))
    ).order_by("name")
    return {"procedures": list(procedures), "agencies": list(agencies)}


def dossier_file_get(dossier: Dossier, file_id: int):
    """A file of one of the dossier's components; NotFound otherwise."""
    from .models import DossierFile

    row = DossierFile.objects.filter(pk=file_id, component__dossier=dossier).first()
    if row is None:
        raise NotFound(_("Không tìm thấy tệp."))
    return row


def dossier_result_get(dossier: Dossier, result_id: int):
    """A result of the dossier that has a file; NotFound otherwise."""
    from .models import DossierResult

    row = DossierResult.objects.filter(pk=result_id, dossier=dossier).exclude(file="").first()
    if row is None:
        raise NotFound(_("Không tìm thấy tệp kết quả."))
    return row


def dossier_fees(dossier: Dossier) -> list:
    """The fees of the version the dossier was received under, for its case and channel."""
    from motcua.catalog.models import Fee

    return list(
        Fee.objects.filter(version_id=dossier.procedure_version_id)
        .filter(Q(case__isnull=True) | Q(case_id=dossier.procedure_case_id))
        .filter(Q(channel="") | Q(channel=dossier.channel))
        .order_by("case_id", "channel", "pk")
    )


def held_steps_for(dossier: Dossier, user) -> list[DossierStep]:
    """The open steps of the dossier ``user`` holds (assigned to them, or unassigned with their role)."""
    from .workflow import actor_context

    return actor_context(dossier, user).held_steps


def led_open_steps_for(dossier: Dossier, user) -> list[DossierStep]:
    """Open processing steps at agencies where ``user`` is a leader: the steps they may assign."""
    from .workflow import open_steps_of

    leads = set(_memberships(user).filter(role=StaffRole.LEADER).values_list("agency_id", flat=True))
    return [
        step
        for step in open_steps_of(dossier)
        if step.kind == DossierStep.Kind.PROCESS and step.agency_id in leads
    ]


def next_stage_steps(dossier: Dossier, step: DossierStep) -> list[DossierStep]:
    """The planned steps of the stage that starts when ``step``'s stage is finished."""
    from .plan import plan_of

    plan = plan_of(dossier)
    following = plan.next_stage_after(step.stage)
    if following is None:
        return []
    return [s for s in plan.steps_in(following) if s.is_planned]


def staff_with_roles(pairs) -> dict[tuple[int, str], list]:
    """Active staff per (agency id, role) for the given pairs, by name (one query)."""
    pairs = set(pairs)
    found: dict[tuple[int, str], list] = {pair: [] for pair in pairs}
    if not pairs:
        return found
    condition = Q(pk__in=[])
    for agency_id, role in pairs:
        condition |= Q(agency_id=agency_id, role=role)
    rows = (
        StaffMembership.objects.filter(is_active=True, user__is_active=True)
        .filter(condition)
        .select_related("user")
        .order_by("user__full_name", "user__username")
    )
    for row in rows:
        found[(row.agency_id, row.role)].append(row.user)
    return found


def reception_desks_for(user) -> list:
    """Agencies with a one-stop unit where ``user`` is a reception officer, with the agencies they serve."""
    from motcua.agencies.models import Agency

    agencies = _memberships(user).filter(role=StaffRole.RECEPTION_OFFICER).values("agency_id")
    return list(
        Agency.objects.filter(pk__in=agencies, is_active=True, one_stop_unit__isnull=False)
        .select_related("one_stop_unit")
        .prefetch_related("one_stop_unit__served_agencies")
        .order_by("name")
    )


def case_components_of(dossier: Dossier) -> list:
    """The components the dossier's case requires, in order (for attaching scanned files)."""
    from motcua.catalog.models import CaseComponent

    return list(CaseComponent.objects.filter(case_id=dossier.procedure_case_id).order_by("order", "pk"))


# --- Public lookup --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    name: str
    finished_at: datetime


@dataclass(frozen=True)
class PublicProgress:
    """What anyone holding a dossier code may read (TT 01/2018 Art. 16(2)(d)): never personal data."""

    code: str
    status: int
    status_label: str
    procedure_name: str
    receiving_agency_name: str
    appointment_at: datetime | None
    completed_steps: tuple[PublicStep, ...]


def dossier_public_progress(code: str) -> PublicProgress:
    """The public progress of dossier ``code`` (two queries); NotFound for an unknown code.

    Only the listed columns are read, so no personal data (applicant, contacts, files) leaves the database
    on this path. Completed steps are the finished steps of the dossier's plan in the order they finished.
    """
    code = (code or "").strip()
    row = (
        Dossier.objects.filter(code=code)
        .values("pk", "code", "status", "procedure_version__name", "receiving_agency__name", "appointment_at")
        .first()
    )
    if row is None:
        raise NotFound(_("Không tìm thấy hồ sơ có mã “%(code)s”.") % {"code": code})
    steps = (
        DossierStep.objects.filter(dossier_id=row["pk"], finished_at__isnull=False)
        .order_by("finished_at", "pk")
        .values_list("name", "finished_at")
    )
    return PublicProgress(
        code=row["code"],
        status=row["status"],
        status_label=str(DossierStatus(row["status"]).label),
        procedure_name=row["procedure_version__name"],
        receiving_agency_name=row["receiving_agency__name"],
        appointment_at=row["appointment_at"],
        completed_steps=tuple(PublicStep(name=name, finished_at=at) for name, at in steps),
    )
