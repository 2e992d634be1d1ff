"""The dossier state machine as data: statuses, sub-states and the table of named transitions.

The national status (1–10, lifecycle.md §6.1) is what DVCQG, statistics and citizens see; the sub-state says
where the work is inside that status. Every change of either goes through one transition of ``TRANSITIONS``
and through the single helper ``services._transition``, which locks the row, re-checks the transition with
:func:`check_transition`, appends a ``DossierEvent`` and bumps ``Dossier.revision``.

A transition names who may perform it as (role, scope) pairs: the role is a staff role of
``agencies.StaffRole``, "applicant" or "system"; the scope says at which agency the staff member must hold that
role (the receiving one-stop unit, the competent agency, an agency holding an open step, ...). Extra
preconditions that depend on data (an extension not yet used, a next step in the plan, ...) are named guards.
``available_transitions`` applies exactly these checks, so the UI offers only what the service will accept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import StaffMembership, StaffRole
from motcua.core.errors import PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from datetime import datetime

    from .models import Dossier


class DossierStatus(models.IntegerChoices):
    """Trạng thái hồ sơ: the national codes shared with DVCQG (TrangThaiHoSo)."""

    SUBMITTED = 1, _("Mới đăng ký")
    RECEIVED = 2, _("Được tiếp nhận")
    NOT_RECEIVED = 3, _("Không được tiếp nhận")
    PROCESSING = 4, _("Đang xử lý")
    SUPPLEMENT_REQUESTED = 5, _("Yêu cầu bổ sung giấy tờ")
    AWAITING_PAYMENT = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    RESOLVED = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


class Substate(models.TextChoices):
    """The project's finer state inside a national status."""

    NONE = "", _("Không")
    AWAITING_RECEPTION = "awaiting_reception", _("Chờ tiếp nhận")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Chờ người nộp bổ sung")
    AWAITING_ASSIGNMENT = "awaiting_assignment", _("Chờ phân công xử lý")
    IN_STEP = "in_step", _("Đang xử lý tại bước")
    CONSULTING = "consulting", _("Đang lấy ý kiến cơ quan khác")
    AWAITING_APPROVAL = "awaiting_approval", _("Chờ lãnh đạo phê duyệt")
    AWAITING_PAYMENT = "awaiting_payment", _("Chờ thực hiện nghĩa vụ tài chính")
    RESULT_READY = "result_ready", _("Đã có kết quả, chờ trả")
    REFUSED = "refused", _("Từ chối giải quyết")
    RETURNED = "returned", _("Đã trả kết quả")


# Statuses in which the dossier is still with the administration (withdrawal is possible).
OPEN_STATUSES = frozenset(
    {
        DossierStatus.SUBMITTED,
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.AWAITING_PAYMENT,
    }
)
# Statuses in which the processing clock runs against the appointment (used for "overdue").
CLOCK_RUNNING_STATUSES = frozenset(
    {DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.AWAITING_PAYMENT}
)
FINAL_STATUSES = frozenset(
    {DossierStatus.NOT_RECEIVED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED, DossierStatus.RETURNED}
)

APPLICANT = "applicant"
SYSTEM_ROLE = "system"
ROLE_LABELS: dict[str, Promise] = {
    **{role.value: role.label for role in StaffRole},
    APPLICANT: _("Người nộp hồ sơ"),
    SYSTEM_ROLE: _("Hệ thống"),
}


class SystemActor:
    """The system itself (scheduled jobs, payment callbacks, online delivery): ``actor=SYSTEM``."""

    is_authenticated = False
    pk = None
    id = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return gettext("Hệ thống")


SYSTEM = SystemActor()


class Scope(StrEnum):
    OWNER = "owner"  # the applicant account that owns the dossier
    RECEIVING = "receiving"  # staff of the receiving agency (the one-stop unit's agency)
    COMPETENT = "competent"  # staff of the competent agency
    OPEN_STEP = "open_step"  # staff of an agency with an open step of the dossier
    STEP_HOLDER = "step_holder"  # the holder of an open step: its assignee, or anyone with its role there
    CONSULTED = "consulted"  # staff of an agency with an unanswered consultation
    SYSTEM = "system"


SCOPE_LABELS: dict[Scope, Promise] = {
    Scope.OWNER: _("chủ hồ sơ"),
    Scope.RECEIVING: _("cơ quan tiếp nhận"),
    Scope.COMPETENT: _("cơ quan có thẩm quyền"),
    Scope.OPEN_STEP: _("cơ quan đang giữ bước xử lý"),
    Scope.STEP_HOLDER: _("người đang giữ bước xử lý"),
    Scope.CONSULTED: _("cơ quan được lấy ý kiến"),
    Scope.SYSTEM: _("tự động"),
}


@dataclass(frozen=True)
class State:
    """A (status, substate) pair. In sources, substate None means any; in targets, None keeps the current one.

    ``NEW`` (a dossier that does not exist yet) only appears in sources; ``UNCHANGED`` only in targets.
    """

    status: int | None
    substate: str | None = None
    is_new: bool = False

    def matches(self, state: State) -> bool:
        if self.is_new or state.is_new:
            return self.is_new and state.is_new
        return self.status == state.status and (self.substate is None or self.substate == state.substate)

    def label(self) -> str:
        if self.is_new:
            return gettext("(chưa có hồ sơ)")
        if self.status is None:
            return gettext("(giữ nguyên)")
        text = f"{self.status} {DossierStatus(self.status).label}"
        if self.substate:
            text += f" / {Substate(self.substate).label}"
        return text


NEW = State(None, None, is_new=True)
UNCHANGED = State(None, None)


@dataclass(frozen=True)
class Permit:
    role: str
    scope: Scope

    def label(self) -> str:
        return f"{ROLE_LABELS[self.role]} ({SCOPE_LABELS[self.scope]})"


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: tuple[State, ...]
    targets: tuple[
        State, ...
    ]  # the first is the default; services choose another one when the table allows it
    permits: tuple[Permit, ...]
    reason_required: bool = False
    guard: str = ""  # name of a precondition in GUARDS
    description: Promise | str = ""

    def allows_from(self, state: State) -> bool:
        return any(source.matches(state) for source in self.sources)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(permit.role for permit in self.permits)

    @property
    def creates(self) -> bool:
        return NEW in self.sources

    def resolve_target(self, target: State | None, current: State) -> State:
        """The state after the transition; ``target`` must be one the table lists."""
        chosen = target if target is not None else self.targets[0]
        if chosen not in self.targets:
            raise ValueError(f"{self.name}: target {chosen} is not in the transition table")
        status = current.status if chosen.status is None else chosen.status
        substate = current.substate if chosen.substate is None else chosen.substate
        return State(status, substate or "")


def _permits(*pairs: tuple[str, Scope]) -> tuple[Permit, ...]:
    return tuple(Permit(role, scope) for role, scope in pairs)


S = DossierStatus
SUB = Substate
R = StaffRole

RECEPTION_OFFICER_AT_RECEIVING = (R.RECEPTION_OFFICER.value, Scope.RECEIVING)
LEADER_AT_COMPETENT = (R.LEADER.value, Scope.COMPETENT)
APPLICANT_OWNER = (APPLICANT, Scope.OWNER)
BY_SYSTEM = (SYSTEM_ROLE, Scope.SYSTEM)
ANY_PROCESSING = (State(S.PROCESSING),)
DURING_PROCESSING = (State(S.RECEIVED), State(S.PROCESSING), State(S.AWAITING_PAYMENT))

TRANSITIONS_LIST: tuple[Transition, ...] = (
    Transition(
        "submit_online",
        _("Nộp hồ sơ trực tuyến"),
        sources=(NEW,),
        targets=(State(S.SUBMITTED, SUB.AWAITING_RECEPTION),),
        permits=_permits(APPLICANT_OWNER),
        description=_("Người nộp gửi hồ sơ qua cổng dịch vụ công; hồ sơ được cấp mã và chờ tiếp nhận."),
    ),
    Transition(
        "register",
        _("Tiếp nhận hồ sơ tại bộ phận một cửa"),
        sources=(NEW,),
        targets=(State(S.RECEIVED, SUB.AWAITING_ASSIGNMENT),),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING),
        description=_(
            "Hồ sơ giấy nộp trực tiếp hoặc qua bưu chính đầy đủ: cấp mã, tính hạn, in giấy tiếp nhận (Mẫu 01)."
        ),
    ),
    Transition(
        "refuse_at_counter",
        _("Từ chối tiếp nhận tại quầy"),
        sources=(NEW,),
        targets=(State(S.NOT_RECEIVED, SUB.NONE),),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING),
        reason_required=True,
        description=_("Hồ sơ giấy không thuộc thẩm quyền hoặc không đủ điều kiện; ghi nhận và in Mẫu 03."),
    ),
    Transition(
        "receive",
        _("Tiếp nhận hồ sơ trực tuyến"),
        sources=(State(S.SUBMITTED, SUB.AWAITING_RECEPTION),),
        targets=(State(S.RECEIVED, SUB.AWAITING_ASSIGNMENT),),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING),
        guard="reception_allowed",
        description=_("Hồ sơ trực tuyến hợp lệ được tiếp nhận: tính hạn và chuyển cơ quan giải quyết."),
    ),
    Transition(
        "refuse_reception",
        _("Từ chối tiếp nhận hồ sơ"),
        sources=(State(S.SUBMITTED, SUB.AWAITING_RECEPTION),),
        targets=(State(S.NOT_RECEIVED, SUB.NONE),),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING),
        reason_required=True,
    ),
    Transition(
        "request_supplement_at_reception",
        _("Yêu cầu bổ sung khi tiếp nhận"),
        sources=(State(S.SUBMITTED, SUB.AWAITING_RECEPTION),),
        targets=(State(S.SUPPLEMENT_REQUESTED, SUB.AWAITING_SUPPLEMENT),),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING),
        reason_required=True,
        description=_("Hồ sơ trực tuyến chưa đầy đủ: thông báo một lần, đầy đủ những gì cần bổ sung."),
    ),
    Transition(
        "request_supplement",
        _("Yêu cầu bổ sung, hoàn thiện hồ sơ"),
        sources=(State(S.PROCESSING, SUB.IN_STEP),),
        targets=(State(S.SUPPLEMENT_REQUESTED, SUB.AWAITING_SUPPLEMENT),),
        permits=_permits((R.SPECIALIST.value, Scope.OPEN_STEP), (R.LEADER.value, Scope.OPEN_STEP)),
        reason_required=True,
        description=_("Sau thẩm định, hồ sơ chưa đủ điều kiện (Mẫu 02); thời hạn tính lại hoặc tạm dừng."),
    ),
    Transition(
        "submit_supplement",
        _("Nộp hồ sơ bổ sung"),
        sources=(State(S.SUPPLEMENT_REQUESTED, SUB.AWAITING_SUPPLEMENT),),
        targets=(State(S.PROCESSING, SUB.IN_STEP), State(S.SUBMITTED, SUB.AWAITING_RECEPTION)),
        permits=_permits(APPLICANT_OWNER, RECEPTION_OFFICER_AT_RECEIVING),
        description=_(
            "Hồ sơ trở lại bước đã yêu cầu bổ sung; hạn giải quyết tính lại (hoặc cộng thời gian dừng)."
        ),
    ),
    Transition(
        "assign",
        _("Phân công xử lý"),
        sources=(
            State(S.RECEIVED, SUB.AWAITING_ASSIGNMENT),
            State(S.PROCESSING, SUB.IN_STEP),
            State(S.PROCESSING, SUB.CONSULTING),
        ),
        targets=(State(S.PROCESSING, SUB.IN_STEP), UNCHANGED),
        permits=_permits((R.LEADER.value, Scope.OPEN_STEP)),
        guard="leads_open_step",
        description=_("Lãnh đạo cơ quan giữ bước giao bước cho một cán bộ có vai trò phù hợp."),
    ),
    Transition(
        "hand_over",
        _("Chuyển bước tiếp theo"),
        sources=(State(S.PROCESSING, SUB.IN_STEP),),
        targets=(UNCHANGED,),
        permits=_permits(
            (R.SPECIALIST.value, Scope.STEP_HOLDER),
            (R.LEADER.value, Scope.STEP_HOLDER),
            (R.CLERK.value, Scope.STEP_HOLDER),
            (R.RECEPTION_OFFICER.value, Scope.STEP_HOLDER),
        ),
        guard="can_hand_over",
        description=_(
            "Người giữ bước kết thúc bước; khi cả nhóm song song xong, nhóm bước tiếp theo bắt đầu."
        ),
    ),
    Transition(
        "consult",
        _("Lấy ý kiến cơ quan khác"),
        sources=(State(S.PROCESSING, SUB.IN_STEP), State(S.PROCESSING, SUB.CONSULTING)),
        targets=(State(S.PROCESSING, SUB.CONSULTING),),
        permits=_permits((R.SPECIALIST.value, Scope.OPEN_STEP), (R.LEADER.value, Scope.OPEN_STEP)),
    ),
    Transition(
        "answer_consultation",
        _("Trả lời lấy ý kiến"),
        sources=(State(S.PROCESSING, SUB.CONSULTING),),
        targets=(State(S.PROCESSING, SUB.IN_STEP), UNCHANGED),
        permits=_permits(
            (R.SPECIALIST.value, Scope.CONSULTED),
            (R.LEADER.value, Scope.CONSULTED),
            (R.CLERK.value, Scope.CONSULTED),
        ),
        description=_("Khi mọi cơ quan được hỏi đã trả lời, hồ sơ trở lại bước đang xử lý."),
    ),
    Transition(
        "submit_for_approval",
        _("Trình lãnh đạo phê duyệt"),
        sources=(State(S.PROCESSING, SUB.IN_STEP),),
        targets=(State(S.PROCESSING, SUB.AWAITING_APPROVAL),),
        permits=_permits(
            (R.SPECIALIST.value, Scope.STEP_HOLDER),
            (R.CLERK.value, Scope.STEP_HOLDER),
            (R.RECEPTION_OFFICER.value, Scope.STEP_HOLDER),
        ),
        guard="can_submit_for_approval",
    ),
    Transition(
        "approve",
        _("Phê duyệt kết quả"),
        sources=(State(S.PROCESSING, SUB.AWAITING_APPROVAL),),
        targets=(State(S.RESOLVED, SUB.RESULT_READY),),
        permits=_permits(LEADER_AT_COMPETENT),
        description=_("Kết quả được ký duyệt, cấp mã -KQn và chuyển về bộ phận một cửa để trả."),
    ),
    Transition(
        "send_back",
        _("Trả lại để xử lý lại"),
        sources=(State(S.PROCESSING, SUB.AWAITING_APPROVAL),),
        targets=(State(S.PROCESSING, SUB.IN_STEP),),
        permits=_permits(LEADER_AT_COMPETENT),
        reason_required=True,
        description=_("Lãnh đạo chưa đồng ý dự thảo: bước trình duyệt được mở lại cho người đã trình."),
    ),
    Transition(
        "refuse",
        _("Từ chối giải quyết"),
        sources=(State(S.RECEIVED), State(S.PROCESSING)),
        targets=(State(S.RESOLVED, SUB.REFUSED),),
        permits=_permits(LEADER_AT_COMPETENT),
        reason_required=True,
        description=_(
            "Hồ sơ không đủ điều kiện giải quyết: văn bản từ chối nêu rõ lý do, trả qua bộ phận một cửa."
        ),
    ),
    Transition(
        "request_payment",
        _("Yêu cầu thực hiện nghĩa vụ tài chính"),
        sources=(State(S.PROCESSING, SUB.IN_STEP),),
        targets=(State(S.AWAITING_PAYMENT, SUB.AWAITING_PAYMENT),),
        permits=_permits((R.SPECIALIST.value, Scope.OPEN_STEP), (R.LEADER.value, Scope.OPEN_STEP)),
    ),
    Transition(
        "confirm_payment",
        _("Xác nhận đã thực hiện nghĩa vụ tài chính"),
        sources=(State(S.AWAITING_PAYMENT, SUB.AWAITING_PAYMENT),),
        targets=(State(S.PROCESSING, SUB.IN_STEP),),
        # Only the payments app confirms, when the obligation is paid online, collected at the counter or the
        # post office, exempted or cancelled: staff record the collection or the exemption, never "paid" alone.
        permits=_permits(BY_SYSTEM),
        description=_(
            "Khi khoản nghĩa vụ tài chính được thanh toán, ghi nhận thu hoặc miễn, hồ sơ tự động giải quyết "
            "tiếp; thời gian chờ không tính vào thời hạn giải quyết."
        ),
    ),
    Transition(
        "record_payment",
        _("Ghi nhận thanh toán phí, lệ phí"),
        sources=tuple(State(status) for status in DossierStatus),
        targets=(UNCHANGED,),
        permits=_permits(BY_SYSTEM),
        description=_(
            "Ghi nhận nghĩa vụ tài chính và việc nộp phí, lệ phí (trực tuyến hay không); hồ sơ thu phí trước "
            "khi tiếp nhận lấy thời điểm thanh toán làm thời điểm nộp."
        ),
    ),
    Transition(
        "propose_extension",
        _("Đề xuất xin lỗi và gia hạn"),
        sources=DURING_PROCESSING,
        targets=(UNCHANGED,),
        permits=_permits((R.SPECIALIST.value, Scope.OPEN_STEP), LEADER_AT_COMPETENT),
        reason_required=True,
        guard="extension_available",
        description=_("Chậm nhất một ngày làm việc trước hạn trả; chỉ được gia hạn một lần."),
    ),
    Transition(
        "approve_extension",
        _("Duyệt phiếu xin lỗi và hẹn lại"),
        sources=DURING_PROCESSING,
        targets=(UNCHANGED,),
        permits=_permits(LEADER_AT_COMPETENT),
        guard="extension_approvable",
        description=_("Ngày hẹn trả được dời sang ngày mới; người nộp được thông báo."),
    ),
    Transition(
        "reject_extension",
        _("Không duyệt đề xuất gia hạn"),
        sources=DURING_PROCESSING,
        targets=(UNCHANGED,),
        permits=_permits(LEADER_AT_COMPETENT),
        reason_required=True,
        guard="extension_pending",
    ),
    Transition(
        "notify_early_return",
        _("Thông báo trả kết quả sớm"),
        sources=(State(S.RESOLVED),),
        targets=(UNCHANGED,),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING, BY_SYSTEM),
        guard="early_return_possible",
    ),
    Transition(
        "return_result",
        _("Trả kết quả"),
        sources=(State(S.RESOLVED),),
        targets=(State(S.RETURNED, SUB.RETURNED), State(S.RETURNED, SUB.REFUSED)),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING, BY_SYSTEM),
        guard="return_allowed",
        description=_("Tại bộ phận một cửa, trực tuyến hoặc qua bưu chính; trả sớm cần thông báo trước."),
    ),
    Transition(
        "record_delivery_failure",
        _("Ghi nhận phát kết quả qua bưu chính không thành công"),
        sources=(State(S.RESOLVED),),
        targets=(UNCHANGED,),
        permits=_permits(BY_SYSTEM),
        description=_(
            "Bưu chính báo không phát được kết quả: người nộp và cán bộ tiếp nhận được thông báo; bưu điện phát "
            "lại hoặc chuyển hoàn kết quả về bộ phận một cửa."
        ),
    ),
    Transition(
        "withdraw",
        _("Rút hồ sơ"),
        sources=tuple(State(status) for status in sorted(OPEN_STATUSES)),
        targets=(State(S.WITHDRAWN, SUB.NONE),),
        permits=_permits(APPLICANT_OWNER, RECEPTION_OFFICER_AT_RECEIVING),
        reason_required=True,
        description=_("Theo yêu cầu của người nộp, do người nộp gửi hoặc cán bộ ghi nhận."),
    ),
    Transition(
        "stop",
        _("Dừng xử lý"),
        sources=(
            State(S.RECEIVED),
            State(S.PROCESSING),
            State(S.SUPPLEMENT_REQUESTED),
            State(S.AWAITING_PAYMENT),
        ),
        targets=(State(S.STOPPED, SUB.NONE),),
        permits=_permits(LEADER_AT_COMPETENT),
        reason_required=True,
    ),
    Transition(
        "attach_file",
        _("Bổ sung tệp số hóa"),
        sources=(State(S.SUBMITTED), State(S.RECEIVED), State(S.PROCESSING)),
        targets=(UNCHANGED,),
        permits=_permits(RECEPTION_OFFICER_AT_RECEIVING, (R.SPECIALIST.value, Scope.OPEN_STEP)),
        description=_("Cán bộ quét, số hóa giấy tờ của hồ sơ."),
    ),
)

TRANSITIONS: dict[str, Transition] = {transition.name: transition for transition in TRANSITIONS_LIST}
assert len(TRANSITIONS) == len(TRANSITIONS_LIST), "transition names must be unique"


# --- Who is acting -------------------------------------------------------------------------------------


@dataclass
class ActorContext:
    """What one actor is to one dossier: the (role, scope) pairs they satisfy. Built with few queries."""

    actor: object
    permits: set[Permit] = field(default_factory=set)
    memberships: set[tuple[int, str]] = field(default_factory=set)  # (agency_id, role)
    held_steps: list = field(default_factory=list)  # open steps this actor holds

    def satisfies(self, transition: Transition) -> bool:
        return any(permit in self.permits for permit in transition.permits)

    def has_role(self, role: str) -> bool:
        return any(permit.role == role for permit in self.permits)


def _is_system(actor) -> bool:
    return isinstance(actor, SystemActor)


def open_steps_of(dossier: Dossier) -> list:
    """Open (started, unfinished) steps, including the return step of a dossier with its result ready."""
    if dossier.pk is None:
        return []
    return [step for step in steps_of(dossier) if step.is_open]


def steps_of(dossier: Dossier) -> list:
    """The dossier's steps in plan order; uses the prefetch cache when present."""
    cache = getattr(dossier, "_prefetched_objects_cache", {})
    if "steps" in cache:
        return sorted(cache["steps"], key=lambda s: (s.stage, s.order, s.pk))
    return list(dossier.steps.order_by("stage", "order", "pk"))


def actor_context(dossier: Dossier, actor) -> ActorContext:
    context = ActorContext(actor=actor)
    if _is_system(actor):
        context.permits.add(Permit(SYSTEM_ROLE, Scope.SYSTEM))
        return context
    if actor is None or not getattr(actor, "is_authenticated", False):
        return context
    if dossier.owner_id is not None and dossier.owner_id == actor.pk:
        context.permits.add(Permit(APPLICANT, Scope.OWNER))
    context.memberships = set(
        StaffMembership.objects.filter(user=actor, is_active=True).values_list("agency_id", "role")
    )
    if not context.memberships:
        return context
    roles_at: dict[int, set[str]] = {}
    for agency_id, role in context.memberships:
        roles_at.setdefault(agency_id, set()).add(role)
    for role in roles_at.get(dossier.receiving_agency_id, ()):
        context.permits.add(Permit(role, Scope.RECEIVING))
    for role in roles_at.get(dossier.competent_agency_id, ()):
        context.permits.add(Permit(role, Scope.COMPETENT))
    if dossier.pk is None:
        return context
    for step in open_steps_of(dossier):
        for role in roles_at.get(step.agency_id, ()):
            context.permits.add(Permit(role, Scope.OPEN_STEP))
        if step.held_by(actor, roles_at.get(step.agency_id, set())):
            context.held_steps.append(step)
            context.permits.add(Permit(step.role, Scope.STEP_HOLDER))
    consulted = set(
        dossier.consultations.filter(answered_at__isnull=True).values_list("asked_agency_id", flat=True)
    )
    for agency_id in consulted:
        for role in roles_at.get(agency_id, ()):
            context.permits.add(Permit(role, Scope.CONSULTED))
    return context


# --- Guards: preconditions that depend on the dossier's data -------------------------------------------


Guard = Callable[["Dossier", ActorContext, "datetime"], str | None]


def _guard_leads_open_step(dossier, context, now):
    leader_agencies = {agency for agency, role in context.memberships if role == StaffRole.LEADER}
    if not any(step.agency_id in leader_agencies for step in open_steps_of(dossier)):
        return gettext("Không có bước đang mở nào thuộc cơ quan của bạn để phân công.")
    return None


def _guard_can_hand_over(dossier, context, now):
    from .plan import plan_of

    if not context.held_steps:
        return gettext("Bạn không giữ bước xử lý nào của hồ sơ này.")
    plan = plan_of(dossier)
    if not any(plan.can_hand_over(step) for step in context.held_steps):
        return gettext("Đây là bước cuối của quy trình: hãy trình lãnh đạo phê duyệt.")
    return None


def _guard_can_submit_for_approval(dossier, context, now):
    from .plan import plan_of

    if not context.held_steps:
        return gettext("Bạn không giữ bước xử lý nào của hồ sơ này.")
    plan = plan_of(dossier)
    if not any(plan.can_submit_for_approval(step) for step in context.held_steps):
        return gettext(
            "Hồ sơ còn bước xử lý phía sau hoặc bước song song chưa xong; hãy chuyển bước tiếp theo."
        )
    return None


def _pending_extension(dossier):
    return dossier.extensions.filter(state="proposed").first() if dossier.pk else None


def _guard_extension_available(dossier, context, now):
    from .deadlines import has_a_working_day_left

    if dossier.extension_count >= 1:
        return gettext("Hồ sơ đã được gia hạn một lần; không thể gia hạn thêm.")
    if _pending_extension(dossier) is not None:
        return gettext("Đã có đề xuất gia hạn đang chờ lãnh đạo phê duyệt.")
    if dossier.appointment_at is None:
        return gettext("Hồ sơ không có ngày hẹn trả nên không cần gia hạn.")
    if not has_a_working_day_left(dossier, now):
        return gettext("Phải xin lỗi và hẹn lại chậm nhất một ngày làm việc trước thời hạn trả kết quả.")
    return None


def _guard_extension_pending(dossier, context, now):
    if _pending_extension(dossier) is None:
        return gettext("Không có đề xuất gia hạn nào đang chờ phê duyệt.")
    return None


def _guard_extension_approvable(dossier, context, now):
    from .deadlines import has_a_working_day_left

    message = _guard_extension_pending(dossier, context, now)
    if message:
        return message
    if dossier.extension_count >= 1:
        return gettext("Hồ sơ đã được gia hạn một lần; không thể gia hạn thêm.")
    if not has_a_working_day_left(dossier, now):
        return gettext("Phải xin lỗi và hẹn lại chậm nhất một ngày làm việc trước thời hạn trả kết quả.")
    return None


def _guard_reception_allowed(dossier, context, now):
    from .hooks import reception_blockers

    messages = reception_blockers(dossier)
    return " ".join(messages) if messages else None


def _guard_early_return_possible(dossier, context, now):
    if dossier.appointment_at is None or now >= dossier.appointment_at:
        return gettext("Chỉ thông báo trả sớm khi kết quả có trước ngày hẹn trả.")
    if dossier.early_return_notified_at is not None:
        return gettext("Người nộp đã được thông báo trả kết quả sớm.")
    return None


def _guard_return_allowed(dossier, context, now):
    if (
        dossier.appointment_at is not None
        and now < dossier.appointment_at
        and dossier.early_return_notified_at is None
    ):
        return gettext("Trả kết quả trước ngày hẹn phải thông báo trước cho người nộp.")
    return None


GUARDS: dict[str, Guard] = {
    "leads_open_step": _guard_leads_open_step,
    "can_hand_over": _guard_can_hand_over,
    "can_submit_for_approval": _guard_can_submit_for_approval,
    "extension_available": _guard_extension_available,
    "extension_pending": _guard_extension_pending,
    "extension_approvable": _guard_extension_approvable,
    "reception_allowed": _guard_reception_allowed,
    "early_return_possible": _guard_early_return_possible,
    "return_allowed": _guard_return_allowed,
}
assert all(not t.guard or t.guard in GUARDS for t in TRANSITIONS_LIST), "unknown guard in the table"


# --- Checks ----------------------------------------------------------------------------------------------


def current_state(dossier: Dossier) -> State:
    if dossier.pk is None:
        return NEW
    return State(dossier.status, dossier.substate)


def check_transition(
    dossier: Dossier,
    actor,
    name: str,
    *,
    reason: str = "",
    now: datetime | None = None,
    context: ActorContext | None = None,
) -> Transition:
    """Raise PermissionDenied / ValidationFailed unless ``actor`` may perform ``name`` on ``dossier`` now."""
    transition = TRANSITIONS[name]
    now = now or timezone.now()
    context = context or actor_context(dossier, actor)
    if not context.satisfies(transition):
        raise PermissionDenied(
            gettext("Bạn không có quyền thực hiện “%(action)s” đối với hồ sơ này.")
            % {"action": transition.label},
            code="transition_forbidden",
        )
    state = current_state(dossier)
    if not transition.allows_from(state):
        raise ValidationFailed(
            gettext("Không thể thực hiện “%(action)s” khi hồ sơ đang ở trạng thái “%(state)s”.")
            % {"action": transition.label, "state": dossier.get_status_display() if dossier.pk else "—"},
            code="transition_not_allowed",
        )
    if transition.guard:
        message = GUARDS[transition.guard](dossier, context, now)
        if message:
            raise ValidationFailed(message, code="transition_precondition")
    if transition.reason_required and not (reason or "").strip():
        raise ValidationFailed(
            gettext("Vui lòng nêu lý do khi thực hiện “%(action)s”.") % {"action": transition.label},
            code="reason_required",
        )
    return transition


def available_transitions(dossier: Dossier, actor, *, now: datetime | None = None) -> list[Transition]:
    """Exactly the transitions the UI may offer ``actor`` on ``dossier`` now (reason aside)."""
    now = now or timezone.now()
    context = actor_context(dossier, actor)
    state = current_state(dossier)
    allowed = []
    for transition in TRANSITIONS_LIST:
        if transition.creates or not transition.allows_from(state):
            continue
        if not context.satisfies(transition):
            continue
        if transition.guard and GUARDS[transition.guard](dossier, context, now):
            continue
        allowed.append(transition)
    return allowed


# --- Documentation ------------------------------------------------------------------------------------------


def _states_text(states: Iterable[State]) -> str:
    return "<br>".join(state.label() for state in states)


def render_markdown_table() -> str:
    """The transition table as Markdown (docs/workflow.md embeds it; a test keeps them equal)."""
    lines = [
        "| Thao tác (`name`) | Từ trạng thái | Sang trạng thái | Ai được thực hiện | Lý do | Điều kiện |",
        "|---|---|---|---|---|---|",
    ]
    for t in TRANSITIONS_LIST:
        who = "<br>".join(permit.label() for permit in t.permits)
        reason = gettext("bắt buộc") if t.reason_required else ""
        lines.append(
            f"| {t.label} (`{t.name}`) | {_states_text(t.sources)} | {_states_text(t.targets)} | {who} | "
            f"{reason} | {f'`{t.guard}`' if t.guard else ''} |"
        )
    return "\n".join(lines)


def render_mermaid() -> str:
    """A Mermaid state diagram of the national statuses and the transitions between them."""
    lines = ["stateDiagram-v2"]
    for status in DossierStatus:
        lines.append(f"    s{status.value} : {status.value} {status.label}")
    edges: dict[tuple[str, str], list[str]] = {}
    for t in TRANSITIONS_LIST:
        for source in t.sources:
            start = "[*]" if source.is_new else f"s{source.status}"
            for target in t.targets:
                end = start if target.status is None else f"s{target.status}"
                if end == start and not source.is_new:
                    continue
                names = edges.setdefault((start, end), [])
                if t.name not in names:
                    names.append(t.name)
    for (start, end), names in edges.items():
        lines.append(f"    {start} --> {end} : {', '.join(names)}")
    for status in sorted(FINAL_STATUSES):
        lines.append(f"    s{status} --> [*]")
    return "\n".join(lines)
