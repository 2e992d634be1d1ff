"""Online submission through drafts (hồ sơ đang soạn): the reads and writes behind the portal's online form.

The form is saved on the server at every step (``SubmissionDraft``), so an applicant can stop and continue on
another device. Every write here is keyword-only, atomic and refuses bad input with a Vietnamese
``ValidationFailed`` without changing anything; a draft of another account, or one already submitted,
answers ``NotFound`` like an unknown one. ``draft_submit`` hands the draft to
``services.dossier_submit_online``, which checks everything again.

Field-level refusals carry ``extra={"fields": {name: message}}`` (applicant step) or
``extra={"components": {case component id: [messages]}}`` (files), so a form can show each message next to
its field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, OneStopUnit
from motcua.catalog.models import CaseComponent, ProcedureAgency, ProcedureCase, ProcedureVersion
from motcua.core.errors import Conflict, NotFound, ValidationFailed

from . import services
from .drafts import DraftStep, SubmissionDraft, SubmissionDraftFile
from .files import check_component_upload
from .identity import ApplicantKind, clean_identity_number, clean_number, clean_phone, parse_personal_id
from .models import SUMMARY_MAX_LENGTH, Dossier, DossierFile, ResultChannel

logger = logging.getLogger(__name__)

MAX_OPEN_DRAFTS = 20
MAX_FILES_PER_COMPONENT = 10
REUSE_CHOICES_PER_COMPONENT = 3


# --- Reads -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionPlace:
    """Where an online dossier goes: the receiving one-stop unit's agency and the competent agency."""

    receiving_agency: Agency
    competent_agency: Agency

    @property
    def key(self) -> str:
        return f"{self.receiving_agency.pk}-{self.competent_agency.pk}"

    @property
    def label(self) -> str:
        if self.receiving_agency.pk == self.competent_agency.pk:
            return self.competent_agency.name
        return _("%(competent)s (nộp qua %(receiving)s)") % {
            "competent": self.competent_agency.name,
            "receiving": self.receiving_agency.name,
        }


def version_accepts_online(version: ProcedureVersion, *, at=None) -> bool:
    """Published, in force and offered online (level 3 or 4)."""
    now = at or timezone.now()
    return (
        version.is_online
        and version.status == ProcedureVersion.Status.PUBLISHED
        and version.effective_from is not None
        and version.effective_from <= now
        and (version.effective_to is None or version.effective_to > now)
    )


def online_cases(version: ProcedureVersion) -> list[ProcedureCase]:
    """The cases of ``version`` that accept online dossiers (none when the version is not offered online)."""
    if not version.is_online:
        return []
    return list(version.cases.filter(accepted_online=True).order_by("order", "id"))


def submission_places(version: ProcedureVersion) -> list[SubmissionPlace]:
    """Every (receiving unit, competent agency) pair an online dossier of ``version`` may be sent to.

    The competent agencies are those the catalog names as competent or delegated, else the implementing ones,
    else the People's Committees at the procedure's levels; each goes with every active one-stop unit that
    receives for it (its own, or one serving it). Two queries.
    """
    roles: dict[str, list[Agency]] = {}
    for role in version.agency_roles.filter(agency__isnull=False, agency__is_active=True).select_related(
        "agency"
    ):
        roles.setdefault(role.role, []).append(role.agency)
    candidates = roles.get(ProcedureAgency.Role.COMPETENT, []) + roles.get(ProcedureAgency.Role.DELEGATED, [])
    if not candidates:
        candidates = roles.get(ProcedureAgency.Role.IMPLEMENTING, [])
    units = list(
        OneStopUnit.objects.filter(agency__is_active=True)
        .select_related("agency")
        .prefetch_related("served_agencies")
    )
    if not candidates:
        served = {agency for unit in units for agency in [unit.agency, *unit.served_agencies.all()]}
        candidates = [
            agency
            for agency in served
            if agency.is_active
            and agency.kind == Agency.Kind.PEOPLE_COMMITTEE
            and agency.level in version.levels
        ]
    places: dict[str, SubmissionPlace] = {}
    for competent in sorted(set(candidates), key=lambda agency: (agency.name, agency.pk)):
        for unit in units:
            if unit.agency_id == competent.pk or any(
                a.pk == competent.pk for a in unit.served_agencies.all()
            ):
                place = SubmissionPlace(receiving_agency=unit.agency, competent_agency=competent)
                places[place.key] = place
    return list(places.values())


def result_channels(version: ProcedureVersion) -> list[str]:
    """How the applicant may receive the result: at the counter always; online for fully online procedures;
    by post when the procedure allows it."""
    channels = [ResultChannel.COUNTER.value]
    if version.is_fully_online:
        channels.insert(0, ResultChannel.ONLINE.value)
    if version.postal_return_allowed:
        channels.append(ResultChannel.POSTAL.value)
    return channels


def drafts_for(user) -> QuerySet[SubmissionDraft]:
    """The account's drafts not yet submitted, most recently saved first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SubmissionDraft.objects.none()
    return (
        SubmissionDraft.objects.filter(owner=user, submitted_at__isnull=True)
        .select_related(
            "procedure_version", "procedure_version__procedure", "procedure_case", "competent_agency"
        )
        .order_by("-updated_at", "-id")
    )


def draft_get_for(user, public_id) -> SubmissionDraft:
    """The open draft ``public_id`` of ``user``; NotFound for unknown, submitted and other people's drafts."""
    draft = (
        drafts_for(user)
        .select_related("receiving_agency", "procedure_version__field")
        .filter(public_id=public_id)
        .first()
    )
    if draft is None:
        raise NotFound(_("Không tìm thấy hồ sơ đang soạn."))
    return draft


def submitted_dossier_code(user, public_id) -> str:
    """The code of the dossier ``user``'s draft ``public_id`` became, or "" (not submitted, not theirs)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return (
        SubmissionDraft.objects.filter(owner=user, public_id=public_id, submitted_dossier__isnull=False)
        .values_list("submitted_dossier__code", flat=True)
        .first()
        or ""
    )


def draft_files(draft: SubmissionDraft) -> dict[int, list[SubmissionDraftFile]]:
    """The draft's files per case component id."""
    grouped: dict[int, list[SubmissionDraftFile]] = {}
    for item in draft.files.select_related("reused_from").order_by("case_component_id", "id"):
        grouped.setdefault(item.case_component_id, []).append(item)
    return grouped


def draft_file_get(draft: SubmissionDraft, file_id: int) -> SubmissionDraftFile:
    item = draft.files.select_related("reused_from").filter(pk=file_id).first()
    if item is None or not item.is_available:
        raise NotFound(_("Không tìm thấy tệp."))
    return item


def _component_key(code: str, name: str) -> tuple[str, str]:
    return ("code", code.strip().upper()) if code.strip() else ("name", " ".join(name.split()).casefold())


def reusable_files(*, user, components: Sequence[CaseComponent]) -> dict[int, list[DossierFile]]:
    """Files the account handed in with earlier dossiers for the same documents, newest first, per component.

    A document is "the same" when both carry the same national document code, else when the names are
    equal. Identical files (same SHA-256) are offered once. One query.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not components:
        return {}
    wanted = {component.pk: _component_key(component.code, component.name) for component in components}
    codes = {value for kind, value in wanted.values() if kind == "code"}
    names = {component.name for component in components if not component.code.strip()}
    condition = Q(pk__in=[])
    if codes:
        condition |= Q(component__case_component__code__in=codes)
    if names:
        condition |= Q(component__name__in=names)
    candidates = (
        DossierFile.objects.filter(condition, component__dossier__owner=user)
        .select_related("component__dossier", "component__case_component")
        .order_by("-uploaded_at", "-pk")[:200]
    )
    found: dict[int, list[DossierFile]] = {}
    seen: dict[int, set[str]] = {}
    for item in candidates:
        earlier = item.component.case_component
        key = _component_key(earlier.code if earlier else "", item.component.name)
        for component_id, wanted_key in wanted.items():
            if wanted_key != key or item.sha256 in seen.setdefault(component_id, set()):
                continue
            if len(found.setdefault(component_id, [])) < REUSE_CHOICES_PER_COMPONENT:
                found[component_id].append(item)
                seen[component_id].add(item.sha256)
    return found


@dataclass(frozen=True)
class DraftProblem:
    """Something to fix before submitting, and the step where it is fixed."""

    step: str
    message: str


def draft_problems(draft: SubmissionDraft, *, files: Mapping[int, list[SubmissionDraftFile]] | None = None):
    """What still stops the draft from being submitted, in the order of the steps."""
    problems: list[DraftProblem] = []
    version, case = draft.procedure_version, draft.procedure_case
    if not version_accepts_online(version) or not case.accepted_online or case.version_id != version.pk:
        problems.append(
            DraftProblem(
                DraftStep.CASE,
                _(
                    "Thủ tục hoặc trường hợp này hiện không tiếp nhận hồ sơ trực tuyến; vui lòng soạn hồ sơ mới."
                ),
            )
        )
    if DraftStep.APPLICANT not in draft.done_steps:
        problems.append(DraftProblem(DraftStep.APPLICANT, _("Chưa nhập thông tin chủ hồ sơ.")))
    files = draft_files(draft) if files is None else files
    missing = [
        component.name
        for component in case.components.filter(is_required=True).order_by("order", "id")
        if not any(item.is_available for item in files.get(component.pk, []))
    ]
    if missing:
        problems.append(
            DraftProblem(
                DraftStep.COMPONENTS,
                _("Còn thiếu giấy tờ bắt buộc: %(names)s.") % {"names": "; ".join(missing)},
            )
        )
    channel = draft.data.get("result_channel", "")
    if channel not in result_channels(version):
        problems.append(DraftProblem(DraftStep.RESULT, _("Chưa chọn hình thức nhận kết quả.")))
    elif channel == ResultChannel.POSTAL and not draft.data.get("delivery_address"):
        problems.append(
            DraftProblem(DraftStep.RESULT, _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."))
        )
    return problems


# --- Writes ------------------------------------------------------------------------------------------------


def _owned(draft: SubmissionDraft, actor, *, lock: bool = True) -> SubmissionDraft:
    """The draft row (locked), if ``actor`` owns it and it is not yet submitted; NotFound otherwise."""
    queryset = SubmissionDraft.objects.select_related("procedure_version", "procedure_case")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    current = queryset.filter(pk=draft.pk).first()
    if (
        current is None
        or actor is None
        or not getattr(actor, "is_authenticated", False)
        or current.owner_id != actor.pk
        or current.submitted_at is not None
    ):
        raise NotFound(_("Không tìm thấy hồ sơ đang soạn."))
    return current


def _check_case_and_place(
    *, version: ProcedureVersion, case: ProcedureCase, receiving_agency: Agency, competent_agency: Agency
) -> None:
    if not version_accepts_online(version):
        raise ValidationFailed(
            _("Thủ tục “%(name)s” chưa được cung cấp trực tuyến.") % {"name": version.name},
            code="not_offered_online",
        )
    if case.version_id != version.pk:
        raise ValidationFailed(
            _("Trường hợp đã chọn không thuộc thủ tục này."), code="case_of_other_procedure"
        )
    if not case.accepted_online:
        raise ValidationFailed(
            _("Trường hợp “%(name)s” không tiếp nhận hồ sơ trực tuyến.") % {"name": case.name},
            code="case_not_online",
        )
    keys = {place.key for place in submission_places(version)}
    if f"{receiving_agency.pk}-{competent_agency.pk}" not in keys:
        raise ValidationFailed(
            _("Cơ quan đã chọn không tiếp nhận hồ sơ trực tuyến của thủ tục này."), code="place_not_offered"
        )


def _delete_stored_later(names: list[tuple]) -> None:
    """Delete stored files once the transaction has committed (rows are gone by then)."""

    def delete():
        for storage, name in names:
            try:
                storage.delete(name)
            except Exception:  # a leftover file must never fail the applicant's request
                logger.warning("could not delete draft file %s", name, exc_info=True)

    if names:
        transaction.on_commit(delete)


def _drop_files(rows) -> None:
    rows = list(rows)
    _delete_stored_later([(row.file.storage, row.file.name) for row in rows if row.file])
    SubmissionDraftFile.objects.filter(pk__in=[row.pk for row in rows]).delete()


@transaction.atomic
def draft_start(
    *,
    actor,
    procedure_case: ProcedureCase,
    receiving_agency: Agency,
    competent_agency: Agency,
    applicant: Mapping[str, str] | None = None,
) -> SubmissionDraft:
    """Open a draft for ``procedure_case`` at the chosen place; ``applicant`` prefills the applicant step."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound(_("Không tìm thấy hồ sơ đang soạn."))
    version = procedure_case.version
    _check_case_and_place(
        version=version,
        case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
    )
    if drafts_for(actor).count() >= MAX_OPEN_DRAFTS:
        raise ValidationFailed(
            _("Bạn đang có %(count)s hồ sơ đang soạn; vui lòng nộp hoặc xóa bớt trước khi soạn hồ sơ mới.")
            % {"count": MAX_OPEN_DRAFTS},
            code="too_many_drafts",
        )
    prefill = {key: str(value or "") for key, value in (applicant or {}).items() if key in _APPLICANT_KEYS}
    channels = result_channels(version)
    data = {"applicant": prefill, "done": [DraftStep.CASE.value]}
    if len(channels) == 1:
        data["result_channel"] = channels[0]
    return SubmissionDraft.objects.create(
        owner=actor,
        procedure_version=version,
        procedure_case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        data=data,
    )


@transaction.atomic
def draft_choose_case(
    *,
    draft: SubmissionDraft,
    actor,
    procedure_case: ProcedureCase,
    receiving_agency: Agency,
    competent_agency: Agency,
) -> SubmissionDraft:
    """Change the case or the place; files of components that are not part of the new case are removed."""
    draft = _owned(draft, actor)
    _check_case_and_place(
        version=draft.procedure_version,
        case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
    )
    if procedure_case.pk != draft.procedure_case_id:
        _drop_files(draft.files.exclude(case_component__case=procedure_case))
    draft.procedure_case = procedure_case
    draft.receiving_agency = receiving_agency
    draft.competent_agency = competent_agency
    draft.save()
    return draft


_APPLICANT_KEYS = ("kind", "name", "identity_number", "phone", "email", "address")
_SUBMITTER_KEYS = ("name", "identity_number", "phone", "authorisation_document")


def _clean_applicant(applicant: services.ApplicantData, errors: dict[str, str]) -> dict:
    if applicant.kind not in ApplicantKind.values:
        errors["kind"] = _("Loại chủ hồ sơ không hợp lệ.")
        return {}
    cleaned = {"kind": applicant.kind, "name": " ".join((applicant.name or "").split())[:255]}
    if not cleaned["name"]:
        errors["name"] = _("Vui lòng nhập tên chủ hồ sơ.")
    try:
        cleaned["identity_number"] = clean_identity_number(applicant.kind, applicant.identity_number)
    except ValidationFailed as error:
        errors["identity_number"] = error.message
    try:
        cleaned["phone"] = clean_phone(applicant.phone)
    except ValidationFailed as error:
        errors["phone"] = error.message
    email = (applicant.email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = _("Địa chỉ thư điện tử “%(value)s” không hợp lệ.") % {"value": email}
    cleaned["email"] = email
    cleaned["address"] = " ".join((applicant.address or "").split())[:500]
    return cleaned


def _clean_submitter(submitter: services.SubmitterData | None, errors: dict[str, str]) -> dict | None:
    if submitter is None:
        return None
    cleaned = {
        "name": " ".join((submitter.name or "").split())[:255],
        "authorisation_document": (submitter.authorisation_document or "").strip()[:255],
    }
    if not cleaned["name"]:
        errors["submitter_name"] = _("Vui lòng nhập tên người được ủy quyền.")
    number = clean_number(submitter.identity_number)
    try:
        cleaned["identity_number"] = parse_personal_id(number).number if number else ""
    except ValidationFailed as error:
        errors["submitter_identity_number"] = error.message
    try:
        cleaned["phone"] = clean_phone(submitter.phone)
    except ValidationFailed as error:
        errors["submitter_phone"] = error.message
    return cleaned


@transaction.atomic
def draft_save_applicant(
    *,
    draft: SubmissionDraft,
    actor,
    applicant: services.ApplicantData,
    submitter: services.SubmitterData | None = None,
    summary: str = "",
) -> SubmissionDraft:
    """Save the applicant (chủ hồ sơ), the optional authorised submitter and the summary of the request."""
    draft = _owned(draft, actor)
    errors: dict[str, str] = {}
    cleaned_applicant = _clean_applicant(applicant, errors)
    cleaned_submitter = _clean_submitter(submitter, errors)
    text = " ".join((summary or "").split())
    if len(text) > SUMMARY_MAX_LENGTH:
        errors["summary"] = _("Trích yếu hồ sơ tối đa %(max)s ký tự.") % {"max": SUMMARY_MAX_LENGTH}
    if errors:
        raise ValidationFailed(
            _("Thông tin chủ hồ sơ chưa hợp lệ; vui lòng sửa các mục được đánh dấu."),
            code="invalid_applicant",
            extra={"fields": errors},
        )
    draft.data = {
        **draft.data,
        "applicant": cleaned_applicant,
        "submitter": cleaned_submitter,
        "summary": text,
        "done": _with_step(draft, DraftStep.APPLICANT),
    }
    draft.save()
    return draft


def _with_step(draft: SubmissionDraft, step: str) -> list[str]:
    return [s for s in DraftStep.values if s in {*draft.done_steps, step}]


@transaction.atomic
def draft_attach_files(
    *,
    draft: SubmissionDraft,
    actor,
    uploads: Mapping[int, Sequence] | None = None,
    reuse: Mapping[int, int] | None = None,
) -> SubmissionDraft:
    """Add uploaded files (``{case component id: [files]}``) and reused earlier files
    (``{case component id: DossierFile id}``) to the draft; all or nothing.

    Every file is checked against its component (type by content, extension, size); a component not of the
    draft's case, an earlier file that is not the account's own or not the same document is refused.
    """
    draft = _owned(draft, actor)
    uploads = {int(k): [f for f in v if f] for k, v in (uploads or {}).items() if v}
    reuse = {int(k): int(v) for k, v in (reuse or {}).items() if v}
    components = {c.pk: c for c in draft.procedure_case.components.all()}
    foreign = (set(uploads) | set(reuse)) - set(components)
    if foreign:
        raise ValidationFailed(
            _("Giấy tờ được gửi lên không thuộc trường hợp thủ tục của hồ sơ này; không có gì được lưu."),
            code="component_of_other_case",
        )
    existing = draft_files(draft)
    offered = reusable_files(user=actor, components=[components[pk] for pk in reuse])
    errors: dict[int, list[str]] = {}
    checked = []
    for component_id, files in uploads.items():
        component = components[component_id]
        for uploaded in files:
            try:
                checked.append((component, uploaded, check_component_upload(component, uploaded)))
            except ValidationFailed as error:
                errors.setdefault(component_id, []).append(error.message)
    chosen = []
    for component_id, file_id in reuse.items():
        earlier = next((f for f in offered.get(component_id, []) if f.pk == file_id), None)
        if earlier is None:
            errors.setdefault(component_id, []).append(
                _("Không tìm thấy tệp đã nộp trước đây để dùng lại cho giấy tờ này.")
            )
        elif any(item.reused_from_id == earlier.pk for item in existing.get(component_id, [])):
            continue  # already in the draft
        else:
            chosen.append((components[component_id], earlier))
    for component_id in components:
        count = (
            len(existing.get(component_id, []))
            + len(uploads.get(component_id, []))
            + int(component_id in reuse)
        )
        if count > MAX_FILES_PER_COMPONENT:
            errors.setdefault(component_id, []).append(
                _("Mỗi giấy tờ đính kèm tối đa %(max)s tệp.") % {"max": MAX_FILES_PER_COMPONENT}
            )
    if errors:
        raise ValidationFailed(
            _("Có tệp không hợp lệ; không tệp nào được lưu. Vui lòng xem các mục được đánh dấu."),
            code="invalid_files",
            extra={"components": errors},
        )
    stored: list[tuple] = []
    try:
        for component, uploaded, info in checked:
            row = SubmissionDraftFile(
                draft=draft,
                case_component=component,
                original_name=info.original_name[:255],
                size=info.size,
                sha256=info.sha256,
                content_type=info.content_type,
            )
            uploaded.seek(0)
            row.file.save(info.original_name, uploaded, save=False)
            stored.append((row.file.storage, row.file.name))
            row.save()
        for component, earlier in chosen:
            SubmissionDraftFile.objects.create(
                draft=draft,
                case_component=component,
                reused_from=earlier,
                reused_code=earlier.component.dossier.code,
                original_name=earlier.original_name,
                size=earlier.size,
                sha256=earlier.sha256,
                content_type=earlier.content_type,
            )
        draft.data = {**draft.data, "done": _with_step(draft, DraftStep.COMPONENTS)}
        draft.save()
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise
    return draft


@transaction.atomic
def draft_remove_file(*, draft: SubmissionDraft, actor, file_id: int) -> SubmissionDraft:
    draft = _owned(draft, actor)
    row = draft.files.filter(pk=file_id).first()
    if row is None:
        raise NotFound(_("Không tìm thấy tệp."))
    _drop_files([row])
    draft.save()  # touch: the draft was changed now
    return draft


@transaction.atomic
def draft_choose_result_channel(
    *,
    draft: SubmissionDraft,
    actor,
    channel: str,
    delivery_address: str = "",
    delivery_recipient: str = "",
    delivery_phone: str = "",
) -> SubmissionDraft:
    """How to receive the result; by post needs the address to send it to.

    ``delivery_recipient`` and ``delivery_phone`` name who receives the postal package (empty: the applicant);
    ``postal`` turns them into the dossier's postal arrangement when the draft is submitted.
    """
    draft = _owned(draft, actor)
    if channel not in result_channels(draft.procedure_version):
        raise ValidationFailed(
            _("Thủ tục này không trả kết quả theo hình thức đã chọn."),
            code="result_channel_not_offered",
            extra={"fields": {"channel": _("Vui lòng chọn một hình thức nhận kết quả được liệt kê.")}},
        )
    address = " ".join((delivery_address or "").split())[:500]
    if channel == ResultChannel.POSTAL and not address:
        raise ValidationFailed(
            _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."),
            code="delivery_address_required",
            extra={"fields": {"delivery_address": _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính.")}},
        )
    postal = channel == ResultChannel.POSTAL
    recipient = " ".join((delivery_recipient or "").split())[:255] if postal else ""
    try:
        phone = clean_phone(delivery_phone) if postal else ""
    except ValidationFailed as error:
        raise ValidationFailed(
            error.message, code=error.code, extra={"fields": {"delivery_phone": error.message}}
        ) from error
    draft.data = {
        **draft.data,
        "result_channel": channel,
        "delivery_address": address if postal else "",
        "delivery_recipient": recipient,
        "delivery_phone": phone,
        "done": _with_step(draft, DraftStep.RESULT),
    }
    draft.save()
    return draft


@transaction.atomic
def draft_delete(*, draft: SubmissionDraft, actor) -> None:
    draft = _owned(draft, actor)
    _drop_files(draft.files.all())
    draft.delete()


def _open_for_submission(item: SubmissionDraftFile) -> File:
    """The stored bytes of a draft file (its own upload, or the earlier dossier's file) under its own name."""
    source = item.file if item.file else item.reused_from.file
    return File(source.storage.open(source.name, "rb"), name=item.original_name)


@transaction.atomic
def draft_submit(*, draft: SubmissionDraft, actor, origin: str = "portal") -> Dossier:
    """Submit the draft online: the dossier gets its code at once (→ 1 Mới đăng ký, waiting for reception).

    The draft stays as the record of the form, linked to the dossier; its own stored files are deleted after
    commit since the dossier keeps copies.
    """
    current = SubmissionDraft.objects.select_for_update(of=("self",)).filter(pk=draft.pk).first()
    if (
        current is not None
        and current.submitted_at is not None
        and current.owner_id == getattr(actor, "pk", None)
    ):
        raise Conflict(_("Hồ sơ này đã được nộp."), code="already_submitted")
    draft = _owned(draft, actor)
    files = draft_files(draft)
    problems = draft_problems(draft, files=files)
    if problems:
        raise ValidationFailed(" ".join(problem.message for problem in problems), code="draft_incomplete")
    data = draft.data
    applicant = services.ApplicantData(**{key: data["applicant"].get(key, "") for key in _APPLICANT_KEYS})
    submitter = None
    if data.get("submitter"):
        submitter = services.SubmitterData(**{key: data["submitter"].get(key, "") for key in _SUBMITTER_KEYS})
    opened: list[File] = []
    try:
        documents = []
        for component in draft.procedure_case.components.order_by("order", "id"):
            items = [item for item in files.get(component.pk, []) if item.is_available]
            if not items:
                continue
            uploads = [_open_for_submission(item) for item in items]
            opened.extend(uploads)
            reused = next((item.reused_code for item in items if item.reused_code), "")
            documents.append(
                services.DocumentData(case_component=component, files=uploads, reused_code=reused)
            )
        dossier = services.dossier_submit_online(
            actor=actor,
            procedure_case=draft.procedure_case,
            receiving_agency=draft.receiving_agency,
            competent_agency=draft.competent_agency,
            applicant=applicant,
            submitter=submitter,
            documents=documents,
            summary=data.get("summary", ""),
            result_channel=data["result_channel"],
            origin=origin,
        )
    finally:
        for handle in opened:
            handle.close()
    draft.submitted_dossier = dossier
    draft.submitted_at = dossier.submitted_at
    draft.data = {**data, "done": _with_step(draft, DraftStep.REVIEW)}
    draft.save()
    _drop_files(draft.files.all())
    return dossier
