"""Writes to dossiers. Every change of a dossier goes through :func:`_transition`.

Conventions for every service:

* keyword-only arguments; ``actor`` is the acting ``accounts.User`` or ``workflow.SYSTEM``;
* ``revision`` is the ``Dossier.revision`` the actor saw; if the dossier changed since, the service raises
  ``Conflict`` ("Hồ sơ vừa được thay đổi, vui lòng tải lại.") and changes nothing;
* ``origin`` is the client address or the channel ("portal", "counter", an IP address) stored on the event;
* refusals are ``motcua.core.errors`` exceptions with Vietnamese messages; the transaction is rolled back,
  files stored during the call are deleted, nothing is half-saved.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, StaffMembership, StaffRole
from motcua.catalog.models import CaseComponent, Channel, ProcedureCase, ProcedureVersion
from motcua.core.errors import Conflict, NotFound, ValidationFailed

from . import deadlines, hooks
from .audit import event_hash, normalise_payload
from .codes import format_result_code, next_dossier_code
from .files import CheckedFile, check_component_upload, check_result_upload
from .identity import ApplicantKind, clean_identity_number, clean_number, clean_phone
from .models import (
    SUMMARY_MAX_LENGTH,
    Consultation,
    CopyType,
    DigitisationState,
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierExtension,
    DossierFile,
    DossierResult,
    DossierStep,
    ResultChannel,
    SupplementInterval,
)
from .plan import Plan, plan_of
from .process import ProcessStep, ProcessTemplate, allotment_error, limit_hours, total_allotment
from .selectors import process_template_for
from .signals import dossier_event_recorded, dossier_transition_committed
from .workflow import (
    SYSTEM,
    TRANSITIONS,
    UNCHANGED,
    ActorContext,
    DossierStatus,
    State,
    Substate,
    SystemActor,
    Transition,
    actor_context,
    check_transition,
    current_state,
)

logger = logging.getLogger(__name__)


# --- Inputs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantData:
    """Chủ hồ sơ."""

    kind: str
    name: str
    identity_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class SubmitterData:
    """Người được ủy quyền nộp hồ sơ."""

    name: str
    identity_number: str = ""
    phone: str = ""
    authorisation_document: str = ""


@dataclass(frozen=True)
class DocumentData:
    """One document handed in: a case component (or a free-named extra document) and its files."""

    case_component: CaseComponent | None = None
    name: str = ""
    copy_type: str = CopyType.DIGITISED
    quantity: int = 1
    files: Sequence = field(default_factory=tuple)
    reused_code: str = ""


@dataclass(frozen=True)
class ResultData:
    name: str
    file: object | None = None


# --- The transition helper ---------------------------------------------------------------------------------


Apply = Callable[[Dossier, datetime, ActorContext], dict | None]


def _actor_user(actor):
    """The acting account, or None for the system and anonymous visitors (who then have no permits)."""
    if actor is None or isinstance(actor, SystemActor) or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _actor_name(actor) -> str:
    user = _actor_user(actor)
    if user is None:
        return _("Hệ thống")
    return (getattr(user, "full_name", "") or user.get_full_name() or user.get_username())[:200]


def _transition(
    *,
    dossier: Dossier,
    name: str,
    actor,
    revision: int | None,
    reason: str = "",
    payload: dict | None = None,
    origin: str = "",
    target: State | Callable[[Dossier], State] | None = None,
    apply: Apply | None = None,
    before_event: Callable[[Dossier, datetime], dict | None] | None = None,
    now: datetime | None = None,
) -> Dossier:
    """The only place that sets ``Dossier.status``/``substate``.

    Locks the dossier row, checks the revision the caller saw, re-checks the transition for this actor,
    runs ``apply`` (which may change fields, write related rows and return extra event payload), moves the
    dossier to the target state (``target`` may be a callable that decides it after ``apply``), bumps
    ``revision``, saves, runs ``before_event`` (work that needs the saved row, e.g. the creating services'
    documents, plan and, last, the dossier code; it returns extra event payload), appends the hash-chained
    event, sends ``dossier_event_recorded`` inside the transaction and ``dossier_transition_committed`` after
    commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("_transition() must run inside transaction.atomic()")
    now = now or timezone.now()
    creating = dossier.pk is None
    if creating:
        locked = dossier
    else:
        if revision is None and not isinstance(actor, SystemActor):
            raise TypeError("people act on the revision they saw: pass revision=")
        try:
            locked = (
                Dossier.objects.select_for_update(of=("self",))
                .select_related("receiving_agency", "competent_agency", "procedure_case", "procedure_version")
                .get(pk=dossier.pk)
            )
        except Dossier.DoesNotExist as error:
            raise NotFound(_("Không tìm thấy hồ sơ.")) from error
        if revision is not None and locked.revision != revision:
            raise Conflict(_("Hồ sơ vừa được thay đổi, vui lòng tải lại."), code="stale_revision")
    context = actor_context(locked, actor)
    transition = check_transition(locked, actor, name, reason=reason, now=now, context=context)
    before = current_state(locked)
    extra = apply(locked, now, context) if apply else None
    extra = {**(extra or {}), **hooks.run_transition_hooks(locked, transition, now)}
    after = transition.resolve_target(target(locked) if callable(target) else target, before)
    locked.status, locked.substate = after.status, after.substate or ""
    locked.revision += 1
    locked.save()
    if before_event is not None:
        extra = {**extra, **(before_event(locked, now) or {})}
    event = _append_event(
        dossier=locked,
        transition=transition,
        before=before,
        actor=actor,
        origin=origin,
        reason=reason,
        payload={**(payload or {}), **(extra or {})},
        now=now,
    )
    dossier_event_recorded.send(sender=Dossier, dossier=locked, event=event, transition=transition)
    transaction.on_commit(
        lambda: dossier_transition_committed.send(
            sender=Dossier, dossier=locked, event=event, transition=transition
        )
    )
    return locked


def _append_event(
    *,
    dossier: Dossier,
    transition: Transition,
    before: State,
    actor,
    origin: str,
    reason: str,
    payload: dict,
    now: datetime,
) -> DossierEvent:
    prev_hash = ""
    if dossier.revision > 1:
        prev_hash = (
            DossierEvent.objects.filter(dossier=dossier)
            .order_by("-sequence")
            .values_list("hash", flat=True)
            .first()
            or ""
        )
    event = DossierEvent(
        dossier=dossier,
        sequence=dossier.revision,
        occurred_at=now,
        actor=_actor_user(actor),
        actor_name=_actor_name(actor),
        origin=(origin or ("system" if isinstance(actor, SystemActor) else ""))[:100],
        action=transition.name,
        from_status=before.status,
        from_substate=before.substate or "",
        to_status=dossier.status,
        to_substate=dossier.substate,
        reason=(reason or "").strip(),
        payload=normalise_payload(payload),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(event, prev_hash)
    event.save()
    return event


# --- Files -------------------------------------------------------------------------------------------------


@contextmanager
def _stored_files_cleanup() -> Iterator[list]:
    """Delete files stored during the block if the block fails (the rows roll back with the transaction)."""
    stored: list = []
    try:
        yield stored
    except BaseException:
        for storage, name in stored:
            try:
                storage.delete(name)
            except Exception:  # cleanup must never hide the original error
                logger.warning("could not delete %s after a failed dossier write", name, exc_info=True)
        raise


def _check_documents(case: ProcedureCase, documents: Sequence[DocumentData]) -> list[list[CheckedFile]]:
    """Check every document and file before anything is written; returns the checked files per document."""
    checked: list[list[CheckedFile]] = []
    for document in documents:
        component = document.case_component
        if component is not None and component.case_id != case.pk:
            raise ValidationFailed(
                _("Giấy tờ “%(name)s” không thuộc trường hợp thủ tục của hồ sơ.") % {"name": component.name}
            )
        if component is None and not document.name.strip():
            raise ValidationFailed(_("Vui lòng ghi tên giấy tờ nộp kèm."))
        if document.copy_type not in CopyType.values:
            raise ValidationFailed(_("Hình thức giấy tờ không hợp lệ."))
        if document.quantity < 1:
            raise ValidationFailed(_("Số lượng giấy tờ phải từ 1 trở lên."))
        checked.append([check_component_upload(component, uploaded) for uploaded in document.files])
    return checked


def _save_documents(
    *,
    dossier: Dossier,
    documents: Sequence[DocumentData],
    checked: list[list[CheckedFile]],
    actor,
    stored: list,
    now: datetime,
) -> list[dict]:
    """Write components and files; returns a summary for the event payload."""
    if not documents:
        return []
    summary = []
    existing = {c.case_component_id: c for c in dossier.components.all() if c.case_component_id}
    for document, files in zip(documents, checked, strict=True):
        component = existing.get(document.case_component.pk) if document.case_component else None
        if component is None:
            component = DossierComponent.objects.create(
                dossier=dossier,
                case_component=document.case_component,
                name=document.case_component.name if document.case_component else document.name.strip(),
                copy_type=document.copy_type,
                quantity=document.quantity,
                reused_code=document.reused_code,
                digitisation_state=_digitisation_state(document, files),
            )
        elif files and component.digitisation_state == DigitisationState.NOT_DIGITISED:
            component.digitisation_state = DigitisationState.DIGITISED
            component.save(update_fields=["digitisation_state"])
        for uploaded, info in zip(document.files, files, strict=True):
            _store_file(
                component=component, uploaded=uploaded, info=info, actor=actor, stored=stored, now=now
            )
        summary.append({"component": component.name[:200], "files": [f.original_name for f in files]})
    return summary


def _digitisation_state(document: DocumentData, files: list[CheckedFile]) -> int:
    if document.reused_code:
        return (
            DigitisationState.REUSED_RESULT
            if "-KQ" in document.reused_code
            else DigitisationState.REUSED_COMPONENT
        )
    return DigitisationState.DIGITISED if files else DigitisationState.NOT_DIGITISED


def _store_file(
    *, component: DossierComponent, uploaded, info: CheckedFile, actor, stored: list, now: datetime
):
    row = DossierFile(
        component=component,
        original_name=info.original_name[:255],
        size=info.size,
        sha256=info.sha256,
        content_type=info.content_type,
        uploaded_by=_actor_user(actor),
        uploaded_at=now,
    )
    uploaded.seek(0)
    row.file.save(info.original_name, uploaded, save=False)
    stored.append((row.file.storage, row.file.name))
    row.save()
    return row


# --- Submission and reception ------------------------------------------------------------------------------


def _version_in_force(version: ProcedureVersion, now: datetime) -> bool:
    return (
        version.status == ProcedureVersion.Status.PUBLISHED
        and version.effective_from is not None
        and version.effective_from <= now
        and (version.effective_to is None or version.effective_to > now)
    )


def _check_agencies(*, version: ProcedureVersion, receiving_agency: Agency, competent_agency: Agency) -> None:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        unit = receiving_agency.one_stop_unit
    except ObjectDoesNotExist:
        raise ValidationFailed(
            _("“%(agency)s” không có bộ phận một cửa nên không tiếp nhận hồ sơ.")
            % {"agency": receiving_agency}
        ) from None
    if (
        competent_agency.pk != receiving_agency.pk
        and not unit.served_agencies.filter(pk=competent_agency.pk).exists()
    ):
        raise ValidationFailed(
            _("Bộ phận một cửa của “%(unit)s” không tiếp nhận hồ sơ cho “%(agency)s”.")
            % {"unit": receiving_agency, "agency": competent_agency}
        )
    listed = set(version.agency_roles.filter(agency__isnull=False).values_list("agency_id", flat=True))
    if competent_agency.pk not in listed and competent_agency.level not in version.levels:
        raise ValidationFailed(
            _("“%(agency)s” không có thẩm quyền giải quyết thủ tục này.") % {"agency": competent_agency}
        )


def _clean_applicant(applicant: ApplicantData) -> dict:
    if applicant.kind not in ApplicantKind.values:
        raise ValidationFailed(_("Loại chủ hồ sơ không hợp lệ."))
    name = " ".join((applicant.name or "").split())
    if not name:
        raise ValidationFailed(_("Vui lòng nhập tên chủ hồ sơ."))
    email = (applicant.email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(
                _("Địa chỉ thư điện tử “%(value)s” không hợp lệ.") % {"value": email}
            ) from None
    return {
        "applicant_kind": applicant.kind,
        "applicant_name": name[:255],
        "applicant_identity_number": clean_identity_number(applicant.kind, applicant.identity_number),
        "applicant_phone": clean_phone(applicant.phone),
        "applicant_email": email,
        "applicant_address": " ".join((applicant.address or "").split())[:500],
    }


def _clean_submitter(submitter: SubmitterData | None) -> dict:
    if submitter is None:
        return {}
    name = " ".join((submitter.name or "").split())
    if not name:
        raise ValidationFailed(_("Vui lòng nhập tên người được ủy quyền."))
    number = clean_number(submitter.identity_number)
    if number:
        from .identity import parse_personal_id

        number = parse_personal_id(number).number
    return {
        "submitter_name": name[:255],
        "submitter_identity_number": number,
        "submitter_phone": clean_phone(submitter.phone),
        "authorisation_document": (submitter.authorisation_document or "").strip()[:255],
    }


def _clean_summary(summary: str, version: ProcedureVersion) -> str:
    text = " ".join((summary or "").split()) or version.name
    if len(text) > SUMMARY_MAX_LENGTH:
        raise ValidationFailed(
            _("Trích yếu hồ sơ tối đa %(max)s ký tự.") % {"max": SUMMARY_MAX_LENGTH}, code="summary_too_long"
        )
    return text


def _new_dossier(
    *,
    case: ProcedureCase,
    receiving_agency: Agency,
    competent_agency: Agency,
    channel: str,
    applicant: ApplicantData,
    submitter: SubmitterData | None,
    summary: str,
    result_channel: str,
    owner,
    now: datetime,
) -> Dossier:
    version = case.version
    if not _version_in_force(version, now):
        raise ValidationFailed(_("Thủ tục “%(name)s” hiện không áp dụng.") % {"name": version.name})
    if channel not in Channel.values:
        raise ValidationFailed(_("Kênh nộp hồ sơ không hợp lệ."))
    if channel == Channel.ONLINE and not (version.is_online and case.accepted_online):
        raise ValidationFailed(_("Thủ tục này không tiếp nhận hồ sơ trực tuyến."))
    if channel == Channel.POSTAL and not version.postal_submission_allowed:
        raise ValidationFailed(_("Thủ tục này không tiếp nhận hồ sơ qua bưu chính công ích."))
    if result_channel not in ResultChannel.values:
        raise ValidationFailed(_("Hình thức nhận kết quả không hợp lệ."))
    if result_channel == ResultChannel.POSTAL and not version.postal_return_allowed:
        raise ValidationFailed(_("Thủ tục này không trả kết quả qua bưu chính công ích."))
    _check_agencies(version=version, receiving_agency=receiving_agency, competent_agency=competent_agency)
    return Dossier(
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        procedure_version=version,
        procedure_case=case,
        channel=channel,
        owner=owner,
        summary=_clean_summary(summary, version),
        result_channel=result_channel,
        **_clean_applicant(applicant),
        **_clean_submitter(submitter),
    )


def _require_components(case: ProcedureCase, documents: Sequence[DocumentData]) -> None:
    """Online submissions carry a file (or a reused code) for every required component of the case."""
    covered = {d.case_component.pk for d in documents if d.case_component and (d.files or d.reused_code)}
    missing = [c.name for c in case.components.filter(is_required=True) if c.pk not in covered]
    if missing:
        raise ValidationFailed(
            _("Còn thiếu giấy tờ bắt buộc: %(names)s.") % {"names": "; ".join(missing)},
            code="missing_components",
        )


def _check_may_create(name: str, *, actor, receiving_agency: Agency, competent_agency: Agency, owner) -> None:
    """Refuse a creating transition to an actor without the right role before the input is examined."""
    probe = Dossier(receiving_agency=receiving_agency, competent_agency=competent_agency, owner=owner)
    context = actor_context(probe, actor)
    if not context.satisfies(TRANSITIONS[name]):
        check_transition(probe, actor, name, reason="-", context=context)  # raises PermissionDenied


def _provisional_code() -> str:
    """A unique stand-in for the dossier code until ``_assign_code``, never committed (see below)."""
    return f"~{uuid.uuid4().hex}"


def _assign_code(dossier: Dossier, now: datetime) -> dict:
    """Give the saved ``dossier`` its code: the last writes of a creating transition before its event.

    The per-agency, per-day counter row stays locked until the transaction commits, so concurrent receptions
    at one agency queue on it. The creating services therefore insert the dossier under a provisional code,
    write its documents and plan, and take the number only here, just before the event, the messages and
    the register line that show the code: the lock is held for those few writes instead of the whole
    registration. The number is still taken inside the transaction, so a registration that fails gives its
    number back and the codes of a day stay gapless.
    """
    dossier.code = next_dossier_code(agency=dossier.receiving_agency, day=timezone.localdate(now))
    Dossier.objects.filter(pk=dossier.pk).update(code=dossier.code)
    return {"code": dossier.code}


@transaction.atomic
def dossier_submit_online(
    *,
    actor,
    procedure_case: ProcedureCase,
    receiving_agency: Agency,
    competent_agency: Agency,
    applicant: ApplicantData,
    documents: Sequence[DocumentData],
    summary: str = "",
    result_channel: str = ResultChannel.ONLINE,
    submitter: SubmitterData | None = None,
    origin: str = "portal",
) -> Dossier:
    """An applicant submits online (→ 1 Mới đăng ký): the dossier gets its code and waits for reception."""
    owner = _actor_user(actor)
    _check_may_create(
        "submit_online",
        actor=actor,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        owner=owner,
    )
    now = timezone.now()
    dossier = _new_dossier(
        case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        channel=Channel.ONLINE,
        applicant=applicant,
        submitter=submitter,
        summary=summary,
        result_channel=result_channel,
        owner=owner,
        now=now,
    )
    checked = _check_documents(procedure_case, documents)
    _require_components(procedure_case, documents)

    def apply(d: Dossier, at: datetime, context) -> dict:
        d.submitted_at = at
        d.code = _provisional_code()
        return {"channel": d.channel}

    with _stored_files_cleanup() as stored:

        def before_event(d: Dossier, at: datetime) -> dict:
            _save_documents(
                dossier=d, documents=documents, checked=checked, actor=actor, stored=stored, now=at
            )
            return _assign_code(d, at)  # last: the code counter stays locked until commit

        dossier = _transition(
            dossier=dossier,
            name="submit_online",
            actor=actor,
            revision=None,
            origin=origin,
            apply=apply,
            before_event=before_event,
            now=now,
        )
    return dossier


@transaction.atomic
def dossier_register_at_counter(
    *,
    actor,
    procedure_case: ProcedureCase,
    receiving_agency: Agency,
    competent_agency: Agency,
    applicant: ApplicantData,
    documents: Sequence[DocumentData] = (),
    summary: str = "",
    channel: str = Channel.DIRECT,
    result_channel: str = ResultChannel.COUNTER,
    submitted_at: datetime | None = None,
    owner=None,
    submitter: SubmitterData | None = None,
    origin: str = "counter",
) -> Dossier:
    """A reception officer accepts a complete paper dossier (→ 2 Được tiếp nhận) with code and appointment.

    For a postal dossier ``submitted_at`` is when the hand-over record (biên bản giao nhận) was signed; it is
    the legal reception time. Counting starts the next working day when it is after the paper cut-off.
    """
    _check_may_create(
        "register",
        actor=actor,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        owner=owner,
    )
    if channel == Channel.ONLINE:
        raise ValidationFailed(_("Hồ sơ trực tuyến được tiếp nhận từ danh sách hồ sơ chờ tiếp nhận."))
    now = timezone.now()
    if submitted_at is not None and submitted_at > now:
        raise ValidationFailed(_("Thời điểm nộp hồ sơ không được ở tương lai."))
    dossier = _new_dossier(
        case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        channel=channel,
        applicant=applicant,
        submitter=submitter,
        summary=summary,
        result_channel=result_channel,
        owner=owner,
        now=now,
    )
    checked = _check_documents(procedure_case, documents)

    def apply(d: Dossier, at: datetime, context) -> dict:
        d.submitted_at = submitted_at or at
        d.code = _provisional_code()
        return {"channel": d.channel, **_receive(d, received_at=d.submitted_at)}

    with _stored_files_cleanup() as stored:

        def before_event(d: Dossier, at: datetime) -> dict:
            _save_documents(
                dossier=d, documents=documents, checked=checked, actor=actor, stored=stored, now=at
            )
            _create_plan(dossier=d, actor=actor, now=at)
            return _assign_code(d, at)  # last: the code counter stays locked until commit

        dossier = _transition(
            dossier=dossier,
            name="register",
            actor=actor,
            revision=None,
            origin=origin,
            apply=apply,
            before_event=before_event,
            now=now,
        )
    return dossier


@transaction.atomic
def dossier_refuse_at_counter(
    *,
    actor,
    procedure_case: ProcedureCase,
    receiving_agency: Agency,
    competent_agency: Agency,
    applicant: ApplicantData,
    reason: str,
    summary: str = "",
    channel: str = Channel.DIRECT,
    origin: str = "counter",
) -> Dossier:
    """Log a paper dossier refused at the counter (→ 3, Mẫu 03); it gets a code for the refusal slip."""
    _check_may_create(
        "refuse_at_counter",
        actor=actor,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        owner=None,
    )
    if channel == Channel.ONLINE:
        raise ValidationFailed(_("Hồ sơ trực tuyến bị từ chối từ danh sách hồ sơ chờ tiếp nhận."))
    now = timezone.now()
    dossier = _new_dossier(
        case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        channel=channel,
        applicant=applicant,
        submitter=None,
        summary=summary,
        result_channel=ResultChannel.COUNTER,
        owner=None,
        now=now,
    )

    def apply(d: Dossier, at: datetime, context) -> dict:
        d.submitted_at = at
        d.refused_at = at
        d.code = _provisional_code()
        return {"channel": d.channel}

    return _transition(
        dossier=dossier,
        name="refuse_at_counter",
        actor=actor,
        revision=None,
        reason=reason,
        origin=origin,
        apply=apply,
        before_event=_assign_code,
        now=now,
    )


def _receive(dossier: Dossier, *, received_at: datetime) -> dict:
    """Set reception time, time limit, clock start, due date and appointment on ``dossier`` (not saved)."""
    case = dossier.procedure_case
    calendar = deadlines.calendar_for(dossier)
    limit = deadlines.time_limit_for(case, dossier.channel)
    deadline = deadlines.statutory_deadline(
        calendar=calendar,
        limit=limit,
        start=received_at,
        paper=dossier.is_paper,
        no_appointment=case.no_appointment,
    )
    dossier.received_at = received_at
    dossier.processing_time = limit.amount
    dossier.time_unit = limit.unit
    dossier.clock_started_at = deadline.clock_started_at
    dossier.due_at = deadline.due_at
    dossier.appointment_at = deadline.due_at
    dossier.process_template = process_template_for(case, dossier.channel)
    return {
        "received_at": received_at,
        "processing_time": limit.amount,
        "time_unit": limit.unit,
        "clock_started_at": deadline.clock_started_at,
        "due_at": deadline.due_at,
        "process_template": dossier.process_template_id,
    }


def _create_plan(*, dossier: Dossier, actor, now: datetime) -> None:
    """Copy the process template into the dossier's steps and start the first stage at the clock start."""
    calendar = deadlines.calendar_for(dossier)
    online = dossier.channel == Channel.ONLINE
    reception_hours = deadlines.online_reception_hours() if online else None
    started = dossier.submitted_at if online else dossier.received_at
    reception = DossierStep(
        dossier=dossier,
        kind=DossierStep.Kind.RECEPTION,
        stage=0,
        order=0,
        name=_("Tiếp nhận hồ sơ"),
        agency=dossier.receiving_agency,
        role=StaffRole.RECEPTION_OFFICER,
        allotted_hours=reception_hours,
        assignee=_actor_user(actor),
        started_at=started,
        due_at=deadlines.step_due(calendar, started, reception_hours),
    )
    _finish_step(reception, actor=actor, at=dossier.received_at, calendar=calendar)
    steps = [reception]
    template = dossier.process_template
    if template is not None:
        for order, step in enumerate(template.steps.order_by("parallel_group", "order", "pk"), start=1):
            steps.append(
                DossierStep(
                    dossier=dossier,
                    process_step=step,
                    stage=step.parallel_group,
                    order=order,
                    name=step.name,
                    agency_id=step.agency_id or dossier.competent_agency_id,
                    role=step.role,
                    is_lead=step.is_lead,
                    allotted_hours=step.hours,
                )
            )
    if len(steps) == 1:
        steps.append(
            DossierStep(
                dossier=dossier,
                stage=1,
                order=1,
                name=_("Thẩm định, xử lý hồ sơ"),
                agency=dossier.competent_agency,
                role=StaffRole.SPECIALIST,
                is_lead=True,
                allotted_hours=None
                if dossier.due_at is None
                else limit_hours(dossier.processing_time, dossier.time_unit),
            )
        )
    last_stage = max(step.stage for step in steps)
    steps.append(
        DossierStep(
            dossier=dossier,
            kind=DossierStep.Kind.RETURN,
            stage=last_stage + 1,
            order=len(steps),
            name=_("Trả kết quả tại bộ phận một cửa"),
            agency=dossier.receiving_agency,
            role=StaffRole.RECEPTION_OFFICER,
        )
    )
    first_stage = min(step.stage for step in steps if step.kind == DossierStep.Kind.PROCESS)
    for step in steps:
        if step.kind == DossierStep.Kind.PROCESS and step.stage == first_stage:
            _start_step(step, at=dossier.clock_started_at, calendar=calendar)
    DossierStep.objects.bulk_create(steps)


def _start_step(step: DossierStep, *, at: datetime, calendar) -> None:
    step.started_at = at
    step.due_at = deadlines.step_due(calendar, at, step.allotted_hours)


def _finish_step(
    step: DossierStep, *, actor, at: datetime, calendar, note: str = "", timed: bool = True
) -> None:
    step.finished_at = at
    step.finished_by = _actor_user(actor)
    if note:
        step.note = note
    if timed and step.started_at is not None:
        step.spent_hours, step.timeliness = deadlines.timeliness(
            calendar=calendar,
            started_at=step.started_at,
            finished_at=at,
            due_at=step.due_at,
            allotted_hours=step.allotted_hours,
        )


def _step_payload(step: DossierStep) -> dict:
    return {
        "id": step.pk,
        "name": step.name,
        "agency": step.agency_id,
        "role": step.role,
        "held_by": step.finished_by_id or step.assignee_id,
        "started_at": step.started_at,
        "due_at": step.due_at,
        "finished_at": step.finished_at,
        "allotted_hours": step.allotted_hours,
        "spent_hours": step.spent_hours,
        "timeliness": step.timeliness,
    }


@transaction.atomic
def dossier_receive(*, dossier: Dossier, actor, revision: int, origin: str = "") -> Dossier:
    """Accept an online dossier (1 → 2): time limit, due date, appointment, plan, first stage started."""

    def apply(d: Dossier, at: datetime, context) -> dict:
        return _receive(d, received_at=at)

    dossier = _transition(
        dossier=dossier, name="receive", actor=actor, revision=revision, origin=origin, apply=apply
    )
    _create_plan(dossier=dossier, actor=actor, now=dossier.received_at)
    return dossier


@transaction.atomic
def dossier_refuse_reception(
    *, dossier: Dossier, actor, revision: int, reason: str, origin: str = ""
) -> Dossier:
    """Refuse an online dossier at reception (1 → 3) with reasons (Mẫu 03 / the online notice)."""

    def apply(d: Dossier, at: datetime, context) -> None:
        d.refused_at = at

    return _transition(
        dossier=dossier,
        name="refuse_reception",
        actor=actor,
        revision=revision,
        reason=reason,
        origin=origin,
        apply=apply,
    )


# --- Supplements ---------------------------------------------------------------------------------------------


def _clean_items(items: Sequence[str]) -> list[str]:
    cleaned = [" ".join(str(item).split()) for item in items or () if str(item).strip()]
    if not cleaned:
        raise ValidationFailed(
            _("Phải liệt kê đầy đủ, một lần, các giấy tờ cần bổ sung."), code="supplement_items_required"
        )
    return cleaned


@transaction.atomic
def dossier_request_supplement(
    *, dossier: Dossier, actor, revision: int, reason: str, items: Sequence[str], origin: str = ""
) -> Dossier:
    """Ask the applicant once for a complete list of what to add or correct (Mẫu 02; → 5).

    At reception (status 1) by the one-stop unit; during appraisal (status 4) by the processing agency, after
    which the time limit restarts (or resumes, per the case's supplement rule) when the supplement arrives.
    """
    cleaned = _clean_items(items)
    name = (
        "request_supplement_at_reception"
        if dossier.status == DossierStatus.SUBMITTED
        else "request_supplement"
    )

    def apply(d: Dossier, at: datetime, context) -> dict:
        if SupplementInterval.objects.filter(dossier=d, resolved_at__isnull=True).exists():
            raise ValidationFailed(_("Hồ sơ đang chờ bổ sung theo yêu cầu trước."))
        interval = SupplementInterval.objects.create(
            dossier=d,
            requested_at=at,
            requested_by=_actor_user(actor),
            from_status=d.status,
            rule=d.procedure_case.supplement_rule,
            reason=reason.strip(),
            items=cleaned,
            old_due=d.due_at,
            old_appointment=d.appointment_at,
        )
        extra = {"supplement": interval.pk, "items": cleaned, "rule": interval.rule}
        if d.status == DossierStatus.PROCESSING:
            extra["within_legal_window"] = deadlines.supplement_notice_in_time(d, at)
        return extra

    return _transition(
        dossier=dossier, name=name, actor=actor, revision=revision, reason=reason, origin=origin, apply=apply
    )


@transaction.atomic
def dossier_submit_supplement(
    *,
    dossier: Dossier,
    actor,
    revision: int,
    documents: Sequence[DocumentData] = (),
    completed_at: datetime | None = None,
    origin: str = "",
) -> Dossier:
    """The complete supplement arrives (5 → the status it was asked from).

    Asked at reception: the dossier waits for reception again. Asked during appraisal: the time limit
    restarts from now (cut-off applied to paper dossiers), or, for cases set to pause, the due date, the
    appointment and the open steps move by the time waited. Applicants must attach files; staff recording a
    paper supplement may attach none. ``completed_at`` (not in the future, not before the request) is when the
    supplement was complete if earlier than now: for a postal supplement, when its hand-over record was signed.
    """
    checked = _check_documents(dossier.procedure_case, documents)
    chosen: dict[str, State] = {}

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        interval = d.supplements.filter(resolved_at__isnull=True).order_by("-requested_at", "-pk").first()
        if interval is None:
            raise ValidationFailed(_("Hồ sơ không có yêu cầu bổ sung nào đang chờ."))
        if context.has_role("applicant") and not any(document.files for document in documents):
            raise ValidationFailed(_("Vui lòng đính kèm giấy tờ bổ sung."), code="supplement_files_required")
        if completed_at is not None:
            if completed_at > at or completed_at < interval.requested_at:
                raise ValidationFailed(
                    _("Thời điểm nhận đủ hồ sơ bổ sung phải sau yêu cầu bổ sung và không ở tương lai.")
                )
            at = completed_at
        interval.resolved_at = at
        extra: dict = {"supplement": interval.pk, "rule": interval.rule}
        if completed_at is not None:
            extra["completed_at"] = completed_at
        if interval.from_status == DossierStatus.SUBMITTED:
            chosen["target"] = State(DossierStatus.SUBMITTED, Substate.AWAITING_RECEPTION)
        else:
            chosen["target"] = State(DossierStatus.PROCESSING, Substate.IN_STEP)
            calendar = deadlines.calendar_for(d)
            clock, due, appointment = deadlines.supplement_resolution(
                dossier=d, interval=interval, calendar=calendar, resumed_at=at
            )
            interval.new_due, interval.new_appointment = due, appointment
            d.clock_started_at, d.due_at, d.appointment_at = clock, due, appointment
            _resume_steps(d, interval=interval, calendar=calendar, resumed_at=at)
            extra.update({"clock_started_at": clock, "due_at": due, "appointment_at": appointment})
        interval.save()
        return extra

    with _stored_files_cleanup() as stored:
        dossier = _transition(
            dossier=dossier,
            name="submit_supplement",
            actor=actor,
            revision=revision,
            origin=origin,
            apply=apply,
            target=lambda d: chosen["target"],
        )
        _save_documents(
            dossier=dossier,
            documents=documents,
            checked=checked,
            actor=actor,
            stored=stored,
            now=timezone.now(),
        )
    return dossier


def _resume_steps(d: Dossier, *, interval: SupplementInterval, calendar, resumed_at: datetime) -> None:
    """Re-time the open steps after a supplement: a fresh allotment (restart), or moved by the wait (pause)."""
    for step in _open_process_steps(d):
        if interval.rule == SupplementInterval.Rule.RESTART:
            _start_step(step, at=d.clock_started_at or resumed_at, calendar=calendar)
        else:
            step.due_at = deadlines.resume_after_pause(
                calendar=calendar,
                unit=d.time_unit,
                moment=step.due_at,
                paused_at=interval.requested_at,
                resumed_at=resumed_at,
            )
        step.save(update_fields=["started_at", "due_at"])


def _open_process_steps(d: Dossier) -> list[DossierStep]:
    return list(
        d.steps.filter(
            kind=DossierStep.Kind.PROCESS, started_at__isnull=False, finished_at__isnull=True
        ).order_by("stage", "order", "pk")
    )


# --- Processing --------------------------------------------------------------------------------------------


def _member_with_role(user, *, agency_id: int, role: str) -> bool:
    return StaffMembership.objects.filter(user=user, agency_id=agency_id, role=role, is_active=True).exists()


@transaction.atomic
def dossier_assign(
    *, dossier: Dossier, actor, revision: int, assignee, step: DossierStep | None = None, origin: str = ""
) -> Dossier:
    """A leader gives an open step of their agency to a staff member holding the step's role there.

    The first assignment moves a received dossier into processing (2 → 4).
    """

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        led = {agency for agency, role in context.memberships if role == StaffRole.LEADER}
        candidates = [s for s in _open_process_steps(d) if s.agency_id in led]
        if step is not None:
            chosen = next((s for s in candidates if s.pk == step.pk), None)
            if chosen is None:
                raise ValidationFailed(_("Bước này không đang mở tại cơ quan của bạn."))
        else:
            unassigned = [s for s in candidates if s.assignee_id is None] or candidates
            chosen = unassigned[0]
        if not _member_with_role(assignee, agency_id=chosen.agency_id, role=chosen.role):
            raise ValidationFailed(
                _("“%(user)s” không có vai trò “%(role)s” tại cơ quan thực hiện bước “%(step)s”.")
                % {"user": assignee, "role": StaffRole(chosen.role).label, "step": chosen.name}
            )
        previous = chosen.assignee_id
        chosen.assignee = assignee
        chosen.save(update_fields=["assignee"])
        return {
            "step": chosen.pk,
            "step_name": chosen.name,
            "assignee": assignee.pk,
            "previous_assignee": previous,
        }

    return _transition(
        dossier=dossier,
        name="assign",
        actor=actor,
        revision=revision,
        origin=origin,
        apply=apply,
        target=_assign_target,
    )


def _assign_target(d: Dossier) -> State:
    """The first assignment starts processing (2 → 4); later ones keep the state."""
    if d.status == DossierStatus.RECEIVED:
        return State(DossierStatus.PROCESSING, Substate.IN_STEP)
    return UNCHANGED


def _held_step(context: ActorContext, step: DossierStep | None, allowed: Callable[[DossierStep], bool]):
    held = [s for s in context.held_steps if allowed(s)]
    if step is not None:
        held = [s for s in held if s.pk == step.pk]
    if not held:
        raise ValidationFailed(_("Bạn không giữ bước xử lý phù hợp của hồ sơ này."))
    return held[0]


def _start_stage(
    d: Dossier, plan: Plan, stage: int | None, *, at: datetime, next_assignee=None
) -> list[DossierStep]:
    if stage is None:
        return []
    calendar = deadlines.calendar_for(d)
    started = []
    for step in plan.steps_in(stage):
        if not step.is_planned:
            continue  # an earlier round of this stage (after a send-back)
        _start_step(step, at=at, calendar=calendar)
        if next_assignee is not None and _member_with_role(
            next_assignee, agency_id=step.agency_id, role=step.role
        ):
            step.assignee = next_assignee
        step.save(update_fields=["started_at", "due_at", "assignee"])
        started.append(step)
    if next_assignee is not None and started and not any(s.assignee_id == next_assignee.pk for s in started):
        raise ValidationFailed(
            _("“%(user)s” không có vai trò phù hợp với bước tiếp theo.") % {"user": next_assignee}
        )
    return started


@transaction.atomic
def dossier_hand_over(
    *,
    dossier: Dossier,
    actor,
    revision: int,
    step: DossierStep | None = None,
    next_assignee=None,
    note: str = "",
    origin: str = "",
) -> Dossier:
    """The holder finishes their step (Mẫu 05: who held it, how long, early / on time / late).

    When the whole parallel group is finished, the next group starts, optionally given to ``next_assignee``.
    """

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        plan = plan_of(d)
        held = _held_step(context, step, plan.can_hand_over)
        held = next(s for s in plan.steps if s.pk == held.pk)
        _finish_step(held, actor=actor, at=at, calendar=deadlines.calendar_for(d), note=note)
        held.save()
        started = []
        if not plan.open_siblings(held):
            started = _start_stage(
                d, plan, plan.next_stage_after(held.stage), at=at, next_assignee=next_assignee
            )
        return {"step": _step_payload(held), "started": [s.pk for s in started]}

    return _transition(
        dossier=dossier, name="hand_over", actor=actor, revision=revision, origin=origin, apply=apply
    )


@transaction.atomic
def dossier_submit_for_approval(
    *,
    dossier: Dossier,
    actor,
    revision: int,
    step: DossierStep | None = None,
    note: str = "",
    origin: str = "",
) -> Dossier:
    """The holder of the last processing step submits the draft result to the leader (→ awaiting approval)."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        plan = plan_of(d)
        held = _held_step(context, step, plan.can_submit_for_approval)
        held = next(s for s in plan.steps if s.pk == held.pk)
        _finish_step(held, actor=actor, at=at, calendar=deadlines.calendar_for(d), note=note)
        held.save()
        started = _start_stage(d, plan, plan.approval_stage, at=at)
        return {"step": _step_payload(held), "started": [s.pk for s in started]}

    return _transition(
        dossier=dossier,
        name="submit_for_approval",
        actor=actor,
        revision=revision,
        origin=origin,
        apply=apply,
    )


@transaction.atomic
def dossier_send_back(*, dossier: Dossier, actor, revision: int, reason: str, origin: str = "") -> Dossier:
    """The leader does not approve the draft: the step that submitted it opens again for its holder.

    Open approval steps are closed (their time is kept) and planned again for the next submission; the step
    whose holder submitted for approval is copied as a new open step with the same allotment and holder.
    """

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        plan = plan_of(d)
        calendar = deadlines.calendar_for(d)
        approval = plan.approval_stage
        submitted = max(
            (s for s in plan.process_steps if s.finished_at is not None and s.stage != approval),
            key=lambda s: (s.finished_at, s.pk),
            default=None,
        )
        if submitted is None:
            raise ValidationFailed(_("Không tìm thấy bước đã trình phê duyệt."))
        closed = []
        for step in plan.open_steps:
            _finish_step(step, actor=actor, at=at, calendar=calendar, note=_("Trả lại để xử lý lại"))
            step.save()
            closed.append(_step_payload(step))
            DossierStep.objects.create(
                dossier=d,
                process_step=step.process_step,
                stage=step.stage,
                order=step.order,
                name=step.name,
                agency_id=step.agency_id,
                role=step.role,
                is_lead=step.is_lead,
                allotted_hours=step.allotted_hours,
            )
        rework = DossierStep(
            dossier=d,
            process_step=submitted.process_step,
            stage=submitted.stage,
            order=submitted.order,
            name=submitted.name,
            agency_id=submitted.agency_id,
            role=submitted.role,
            is_lead=submitted.is_lead,
            allotted_hours=submitted.allotted_hours,
            assignee_id=submitted.finished_by_id or submitted.assignee_id,
            note=_("Xử lý lại theo ý kiến lãnh đạo"),
        )
        _start_step(rework, at=at, calendar=calendar)
        rework.save()
        return {"closed_steps": closed, "reopened": _step_payload(rework)}

    return _transition(
        dossier=dossier,
        name="send_back",
        actor=actor,
        revision=revision,
        reason=reason,
        origin=origin,
        apply=apply,
    )


def _close_processing(d: Dossier, *, actor, at: datetime, note: str = "", timed: bool = True) -> list[dict]:
    calendar = deadlines.calendar_for(d)
    closed = []
    for step in _open_process_steps(d):
        _finish_step(step, actor=actor, at=at, calendar=calendar, note=note, timed=timed)
        step.save()
        closed.append(_step_payload(step))
    return closed


def _start_return_step(d: Dossier, *, at: datetime) -> None:
    step = d.steps.filter(kind=DossierStep.Kind.RETURN).first()
    if step is not None and step.started_at is None:
        step.started_at = at
        step.due_at = d.appointment_at
        step.save(update_fields=["started_at", "due_at"])


@transaction.atomic
def dossier_approve(
    *, dossier: Dossier, actor, revision: int, results: Sequence[ResultData] = (), origin: str = ""
) -> Dossier:
    """The leader approves (→ 9): results get codes ``<dossier code>-KQ<n>``, the dossier goes back to the
    receiving one-stop unit for return."""
    checked = [check_result_upload(result.file) if result.file is not None else None for result in results]
    for result in results:
        if not (result.name or "").strip():
            raise ValidationFailed(_("Vui lòng nhập tên kết quả giải quyết."))

    def apply(d: Dossier, at: datetime, context: ActorContext, stored: list) -> dict:
        closed = _close_processing(d, actor=actor, at=at)
        items = list(results) or [ResultData(name=_default_result_name(d))]
        infos = checked or [None]
        last = d.results.order_by("-number").values_list("number", flat=True).first() or 0
        issued = []
        for offset, (result, info) in enumerate(zip(items, infos, strict=True), start=1):
            number = last + offset
            row = DossierResult(
                dossier=d,
                number=number,
                code=format_result_code(dossier_code=d.code, number=number),
                name=result.name.strip()[:500],
                issued_at=at,
                issued_by=_actor_user(actor),
            )
            if info is not None:
                result.file.seek(0)
                row.file.save(info.original_name, result.file, save=False)
                stored.append((row.file.storage, row.file.name))
                row.original_name, row.sha256, row.content_type = (
                    info.original_name[:255],
                    info.sha256,
                    info.content_type,
                )
            row.save()
            issued.append(row.code)
        d.finished_at = at
        _start_return_step(d, at=at)
        return {"results": issued, "closed_steps": closed}

    with _stored_files_cleanup() as stored:
        return _transition(
            dossier=dossier,
            name="approve",
            actor=actor,
            revision=revision,
            origin=origin,
            apply=lambda d, at, context: apply(d, at, context, stored),
        )


def _default_result_name(d: Dossier) -> str:
    name = d.procedure_version.results.values_list("name", flat=True).first()
    return (name or _("Kết quả giải quyết thủ tục hành chính"))[:500]


@transaction.atomic
def dossier_refuse(*, dossier: Dossier, actor, revision: int, reason: str, origin: str = "") -> Dossier:
    """Refuse after appraisal (→ 9, refused): the written refusal is the result returned by the one-stop unit."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        closed = _close_processing(d, actor=actor, at=at, note=_("Từ chối giải quyết"))
        d.refused_at = at
        d.finished_at = at
        _start_return_step(d, at=at)
        within = d.appointment_at is None or at <= d.appointment_at
        return {"closed_steps": closed, "within_time_limit": within}

    return _transition(
        dossier=dossier,
        name="refuse",
        actor=actor,
        revision=revision,
        reason=reason,
        origin=origin,
        apply=apply,
    )


# --- Consultations -------------------------------------------------------------------------------------------


@transaction.atomic
def dossier_consult(
    *,
    dossier: Dossier,
    actor,
    revision: int,
    agencies: Sequence[Agency],
    question: str,
    deadline: datetime,
    origin: str = "",
) -> Dossier:
    """Ask other agencies for their opinion by ``deadline`` (→ consulting until every one has answered)."""
    question = (question or "").strip()
    if not question:
        raise ValidationFailed(_("Vui lòng nhập nội dung xin ý kiến."))
    if not agencies:
        raise ValidationFailed(_("Vui lòng chọn cơ quan được lấy ý kiến."))

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        if deadline <= at:
            raise ValidationFailed(_("Hạn trả lời phải sau thời điểm hiện tại."))
        own = {agency for agency, _role in context.memberships}
        asked = []
        for agency in {a.pk: a for a in agencies}.values():
            if agency.pk in own:
                raise ValidationFailed(_("Không lấy ý kiến chính cơ quan của mình."))
            consultation = Consultation.objects.create(
                dossier=d,
                asked_agency=agency,
                question=question,
                asked_by=_actor_user(actor),
                asked_at=at,
                deadline=deadline,
            )
            asked.append({"consultation": consultation.pk, "agency": agency.pk})
        return {"asked": asked, "deadline": deadline, "question": question}

    return _transition(
        dossier=dossier, name="consult", actor=actor, revision=revision, origin=origin, apply=apply
    )


@transaction.atomic
def dossier_answer_consultation(
    *,
    dossier: Dossier,
    actor,
    revision: int,
    answer: str,
    consultation: Consultation | None = None,
    origin: str = "",
) -> Dossier:
    """A consulted agency records its answer; when none is left open the dossier returns to its step."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("Vui lòng nhập ý kiến trả lời."))
    chosen: dict[str, State] = {}

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        own = {agency for agency, _role in context.memberships}
        open_ones = list(d.consultations.filter(answered_at__isnull=True).order_by("asked_at", "pk"))
        mine = [c for c in open_ones if c.asked_agency_id in own]
        if consultation is not None:
            mine = [c for c in mine if c.pk == consultation.pk]
        if not mine:
            raise ValidationFailed(_("Không có yêu cầu xin ý kiến nào đang chờ cơ quan của bạn trả lời."))
        row = mine[0]
        row.answered_at, row.answered_by, row.answer = at, _actor_user(actor), answer
        row.save(update_fields=["answered_at", "answered_by", "answer"])
        remaining = len(open_ones) - 1
        chosen["target"] = UNCHANGED if remaining else State(DossierStatus.PROCESSING, Substate.IN_STEP)
        return {"consultation": row.pk, "late": at > row.deadline, "remaining": remaining}

    return _transition(
        dossier=dossier,
        name="answer_consultation",
        actor=actor,
        revision=revision,
        origin=origin,
        apply=apply,
        target=lambda d: chosen["target"],
    )


# --- Financial obligation -------------------------------------------------------------------------------------


@transaction.atomic
def dossier_request_payment(
    *, dossier: Dossier, actor, revision: int, amount: int, description: str, origin: str = ""
) -> Dossier:
    """The applicant must pay taxes or fees before the result (→ 6); the wait is not counted.

    Interfaces call ``payments.services.payment_request_obligation``, which calls this and creates the payment
    request the applicant pays (alone, this would leave the applicant nothing to pay)."""
    if amount is None or int(amount) < 0:
        raise ValidationFailed(_("Số tiền phải là số không âm."))
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(_("Vui lòng nêu nghĩa vụ tài chính cần thực hiện."))
    return _transition(
        dossier=dossier,
        name="request_payment",
        actor=actor,
        revision=revision,
        origin=origin,
        payload={"amount": int(amount), "description": description},
    )


@transaction.atomic
def dossier_confirm_payment(
    *, dossier: Dossier, actor, revision: int | None, reference: str = "", origin: str = ""
) -> Dossier:
    """The obligation is fulfilled (6 → 4): due date, appointment and open steps move by the time waited.

    ``SYSTEM`` only: the payments app confirms when the obligation is paid, collected, exempted or cancelled."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        requested = (
            d.events.filter(action="request_payment")
            .order_by("-sequence")
            .values_list("occurred_at", flat=True)
            .first()
        )
        calendar = deadlines.calendar_for(d)
        unit = d.time_unit
        old_due, old_appointment = d.due_at, d.appointment_at
        if requested is not None:
            d.due_at = deadlines.resume_after_pause(
                calendar=calendar, unit=unit, moment=d.due_at, paused_at=requested, resumed_at=at
            )
            d.appointment_at = deadlines.resume_after_pause(
                calendar=calendar, unit=unit, moment=d.appointment_at, paused_at=requested, resumed_at=at
            )
            for step in _open_process_steps(d):
                step.due_at = deadlines.resume_after_pause(
                    calendar=calendar, unit=unit, moment=step.due_at, paused_at=requested, resumed_at=at
                )
                step.save(update_fields=["due_at"])
        return {
            "reference": reference,
            "waiting_since": requested,
            "old_due_at": old_due,
            "due_at": d.due_at,
            "old_appointment_at": old_appointment,
            "appointment_at": d.appointment_at,
        }

    return _transition(
        dossier=dossier, name="confirm_payment", actor=actor, revision=revision, origin=origin, apply=apply
    )


# --- Apology and extension -------------------------------------------------------------------------------------


@transaction.atomic
def dossier_propose_extension(
    *, dossier: Dossier, actor, revision: int, reason: str, new_appointment: datetime, origin: str = ""
) -> Dossier:
    """Draft the apology and new appointment (Mẫu 04), at least one working day before the appointment."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        if new_appointment <= d.appointment_at:
            raise ValidationFailed(_("Ngày hẹn mới phải sau ngày hẹn trả hiện tại."))
        extension = DossierExtension.objects.create(
            dossier=d,
            reason=reason.strip(),
            old_appointment=d.appointment_at,
            new_appointment=new_appointment,
            proposed_by=_actor_user(actor),
            proposed_at=at,
        )
        return {
            "extension": extension.pk,
            "old_appointment": d.appointment_at,
            "new_appointment": new_appointment,
        }

    return _transition(
        dossier=dossier,
        name="propose_extension",
        actor=actor,
        revision=revision,
        reason=reason,
        origin=origin,
        apply=apply,
    )


def _pending_extension(d: Dossier) -> DossierExtension:
    return d.extensions.select_for_update().get(state=DossierExtension.State.PROPOSED)


@transaction.atomic
def dossier_approve_extension(
    *, dossier: Dossier, actor, revision: int, note: str = "", origin: str = ""
) -> Dossier:
    """A leader approves the apology: the appointment moves (once) and the applicant is told."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        extension = _pending_extension(d)
        extension.state = DossierExtension.State.APPROVED
        extension.decided_by, extension.decided_at, extension.decision_note = (
            _actor_user(actor),
            at,
            note.strip(),
        )
        extension.save()
        old = d.appointment_at
        d.appointment_at = extension.new_appointment
        d.extension_count += 1
        return {"extension": extension.pk, "old_appointment": old, "new_appointment": d.appointment_at}

    return _transition(
        dossier=dossier, name="approve_extension", actor=actor, revision=revision, origin=origin, apply=apply
    )


@transaction.atomic
def dossier_reject_extension(
    *, dossier: Dossier, actor, revision: int, reason: str, origin: str = ""
) -> Dossier:
    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        extension = _pending_extension(d)
        extension.state = DossierExtension.State.REJECTED
        extension.decided_by, extension.decided_at, extension.decision_note = (
            _actor_user(actor),
            at,
            reason.strip(),
        )
        extension.save()
        return {"extension": extension.pk}

    return _transition(
        dossier=dossier,
        name="reject_extension",
        actor=actor,
        revision=revision,
        reason=reason,
        origin=origin,
        apply=apply,
    )


# --- Return of the result -----------------------------------------------------------------------------------------


@transaction.atomic
def dossier_notify_early_return(
    *, dossier: Dossier, actor, revision: int | None, origin: str = ""
) -> Dossier:
    """Tell the applicant the result is ready before the appointment (required before an early return)."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        d.early_return_notified_at = at
        return {"appointment_at": d.appointment_at}

    return _transition(
        dossier=dossier,
        name="notify_early_return",
        actor=actor,
        revision=revision,
        origin=origin,
        apply=apply,
    )


@transaction.atomic
def dossier_return_result(
    *,
    dossier: Dossier,
    actor,
    revision: int | None,
    channel: str | None = None,
    returned_at: datetime | None = None,
    origin: str = "",
) -> Dossier:
    """Return the result (→ 10) at the counter, online or by post; closes the one-stop unit's return step.

    ``returned_at`` (not in the future, not before the result) is when the result reached the applicant if
    that was earlier than now: a postal delivery the operator reports afterwards.
    """
    channel = channel or dossier.result_channel
    if channel not in ResultChannel.values:
        raise ValidationFailed(_("Hình thức trả kết quả không hợp lệ."))
    if isinstance(actor, SystemActor) and channel not in (ResultChannel.ONLINE, ResultChannel.POSTAL):
        # Online: the result is published; by post: the postal operator reported the delivery.
        raise ValidationFailed(_("Hệ thống chỉ tự trả kết quả trực tuyến hoặc khi bưu chính báo đã phát."))

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        if returned_at is not None:
            if returned_at > at or (d.finished_at is not None and returned_at < d.finished_at):
                raise ValidationFailed(_("Thời điểm trả kết quả phải sau khi có kết quả và không ở tương lai."))
            at = returned_at
        d.returned_at = at
        d.returned_via = channel
        step = d.steps.filter(kind=DossierStep.Kind.RETURN, finished_at__isnull=True).first()
        if step is not None:
            if step.started_at is None:
                step.started_at, step.due_at = at, d.appointment_at
            _finish_step(step, actor=actor, at=at, calendar=deadlines.calendar_for(d))
            step.save()
        on_time = d.appointment_at is None or at <= d.appointment_at
        return {"channel": channel, "on_time": on_time}

    return _transition(
        dossier=dossier,
        name="return_result",
        actor=actor,
        revision=revision,
        origin=origin,
        apply=apply,
        target=_return_target,
    )


@transaction.atomic
def dossier_record_delivery_failure(
    *, dossier: Dossier, actor=SYSTEM, payload: dict | None = None, origin: str = ""
) -> Dossier:
    """The postal operator could not deliver the result of a resolved dossier (``record_delivery_failure``,
    ``SYSTEM`` only, status unchanged). The postal app records it so the event reaches the apps listening to
    dossier events (notifications tells the applicant and the reception officers); ``payload`` carries the
    shipment's slip number, the operator's reason and place."""
    return _transition(
        dossier=dossier,
        name="record_delivery_failure",
        actor=actor,
        revision=None,
        origin=origin,
        payload=payload,
    )


def _return_target(d: Dossier) -> State:
    if d.substate == Substate.REFUSED:
        return State(DossierStatus.RETURNED, Substate.REFUSED)
    return State(DossierStatus.RETURNED, Substate.RETURNED)


# --- Withdrawal, stop, files -------------------------------------------------------------------------------------


@transaction.atomic
def dossier_withdraw(*, dossier: Dossier, actor, revision: int, reason: str, origin: str = "") -> Dossier:
    """The applicant withdraws (→ 7), by themselves online or recorded by a reception officer."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        d.withdrawn_at = at
        by = "applicant" if context.has_role("applicant") else "staff"
        return {"requested_by": by, "closed_steps": _close_processing(d, actor=actor, at=at, timed=False)}

    return _transition(
        dossier=dossier,
        name="withdraw",
        actor=actor,
        revision=revision,
        reason=reason,
        origin=origin,
        apply=apply,
    )


@transaction.atomic
def dossier_stop(*, dossier: Dossier, actor, revision: int, reason: str, origin: str = "") -> Dossier:
    """The competent agency stops processing (→ 8) with reasons."""

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        d.stopped_at = at
        return {"closed_steps": _close_processing(d, actor=actor, at=at, timed=False)}

    return _transition(
        dossier=dossier,
        name="stop",
        actor=actor,
        revision=revision,
        reason=reason,
        origin=origin,
        apply=apply,
    )


@transaction.atomic
def dossier_attach_files(
    *, dossier: Dossier, actor, revision: int, documents: Sequence[DocumentData], origin: str = ""
) -> Dossier:
    """Staff add scanned files to a dossier (digitisation); every file passes the same checks."""
    if not any(document.files for document in documents):
        raise ValidationFailed(_("Vui lòng chọn tệp cần đính kèm."))
    checked = _check_documents(dossier.procedure_case, documents)
    with _stored_files_cleanup() as stored:

        def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
            saved = _save_documents(
                dossier=d, documents=documents, checked=checked, actor=actor, stored=stored, now=at
            )
            return {"documents": saved}

        return _transition(
            dossier=dossier, name="attach_file", actor=actor, revision=revision, origin=origin, apply=apply
        )


__all__ = [
    "SYSTEM",
    "ProcessStepData",
    "process_template_create",
    "process_template_validate",
    "ApplicantData",
    "DocumentData",
    "ResultData",
    "SubmitterData",
    "dossier_answer_consultation",
    "dossier_approve",
    "dossier_approve_extension",
    "dossier_assign",
    "dossier_attach_files",
    "dossier_confirm_payment",
    "dossier_consult",
    "dossier_hand_over",
    "dossier_notify_early_return",
    "dossier_propose_extension",
    "dossier_receive",
    "dossier_record_delivery_failure",
    "dossier_refuse",
    "dossier_refuse_at_counter",
    "dossier_refuse_reception",
    "dossier_register_at_counter",
    "dossier_reject_extension",
    "dossier_request_payment",
    "dossier_request_supplement",
    "dossier_return_result",
    "dossier_send_back",
    "dossier_stop",
    "dossier_submit_for_approval",
    "dossier_submit_online",
    "dossier_submit_supplement",
    "dossier_withdraw",
]


# --- Process templates -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessStepData:
    name: str
    role: str
    hours: Decimal
    parallel_group: int = 1
    agency: Agency | None = None
    uses_competent_agency: bool = False
    is_lead: bool = False


def process_template_validate(*, template: ProcessTemplate) -> None:
    """Refuse a template whose allotments exceed the case's time limit, or that has no processing step."""
    steps = list(template.steps.all())
    message = allotment_error(
        case=template.case,
        for_online=template.for_online,
        total=total_allotment((s.parallel_group, s.hours) for s in steps),
        roles=[s.role for s in steps],
        lead_count=sum(1 for s in steps if s.is_lead),
    )
    if message:
        raise ValidationFailed(message, code="process_template_invalid")


@transaction.atomic
def process_template_create(
    *,
    case: ProcedureCase,
    name: str,
    steps: Sequence[ProcessStepData],
    for_online: bool = False,
    approval_decision: str = "",
) -> ProcessTemplate:
    """Create a template with its steps, or refuse it whole (see :func:`process_template_validate`)."""
    if ProcessTemplate.objects.filter(case=case, for_online=for_online).exists():
        raise ValidationFailed(_("Trường hợp này đã có quy trình; hãy sửa quy trình hiện có."))
    template = ProcessTemplate.objects.create(
        case=case,
        name=name.strip() or case.name[:255],
        for_online=for_online,
        approval_decision=approval_decision,
    )
    for order, data in enumerate(steps, start=1):
        step = ProcessStep(
            template=template,
            order=order,
            name=data.name,
            agency=data.agency,
            uses_competent_agency=data.uses_competent_agency,
            role=data.role,
            hours=Decimal(data.hours),
            parallel_group=data.parallel_group,
            is_lead=data.is_lead,
        )
        try:
            step.full_clean(exclude=["template"])
        except DjangoValidationError as error:
            raise ValidationFailed(" ".join(error.messages)) from None
        step.save()
    process_template_validate(template=template)
    return template


# --- Payments (recorded by the payments app) ------------------------------------------------------------------


_UNSET = object()


@transaction.atomic
def dossier_record_payment(
    *,
    dossier: Dossier,
    actor=SYSTEM,
    paid_online: bool | None | object = _UNSET,
    submitted_at: datetime | None = None,
    payload: dict | None = None,
    origin: str = "",
) -> Dossier:
    """The payments app records the dossier's financial obligation (``record_payment``, status unchanged).

    ``paid_online`` (``Dossier.paid_online``, read by the reports): None = no financial obligation, False =
    an obligation not paid online (yet), True = paid online. ``submitted_at`` moves the legal submission time
    of an online dossier still awaiting reception whose fees are collected before reception: it becomes the
    payment time, and the reception deadline counts from it (payments.md §3.5). The old values are kept in
    the event.
    """

    def apply(d: Dossier, at: datetime, context: ActorContext) -> dict:
        changes: dict = {}
        if paid_online is not _UNSET and d.paid_online != paid_online:
            changes["old_paid_online"], changes["paid_online"] = d.paid_online, paid_online
            d.paid_online = paid_online
        if submitted_at is not None:
            if d.status != DossierStatus.SUBMITTED or d.received_at is not None:
                raise ValidationFailed(
                    _("Chỉ tính lại thời điểm nộp của hồ sơ đang chờ tiếp nhận."),
                    code="not_awaiting_reception",
                )
            changes["old_submitted_at"], changes["submitted_at"] = d.submitted_at, submitted_at
            d.submitted_at = submitted_at
        return changes

    return _transition(
        dossier=dossier,
        name="record_payment",
        actor=actor,
        revision=None,
        origin=origin,
        payload=payload,
        apply=apply,
    )
