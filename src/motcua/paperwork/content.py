"""What each form shows, read from the dossier aggregate (forms.md §2–7).

``form_content(dossier, form)`` returns the template context of one form: plain values (strings, numbers,
moments, lists of dicts), so that the same dict is rendered and fingerprinted. The fingerprint covers
everything the form prints except its own number and the QR code (which depends on the site address, not on
the dossier): when the fingerprint of the form as it would print now equals the kept one, a re-print returns
the kept file; otherwise the form is issued again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from motcua.agencies.models import AdministrativeUnit, Agency
from motcua.catalog.models import Fee
from motcua.core.errors import ValidationFailed
from motcua.dossiers.codes import split_dossier_code
from motcua.dossiers.models import (
    ApplicantKind,
    DigitisationState,
    Dossier,
    DossierExtension,
    DossierStep,
    ResultChannel,
    SupplementInterval,
    Timeliness,
)
from motcua.dossiers.selectors import control_sheet
from motcua.dossiers.workflow import DossierStatus

from . import formats
from .formats import OFFICIAL_LANGUAGE
from .models import Form, RegisterEntry
from .qr import lookup_url, qr_svg

REFERENCE_KEYS = frozenset({"number", "qr_svg", "lookup_url"})


@dataclass(frozen=True)
class FormSet:
    """One legal set of forms: its name, the day it applies from, its templates and number series."""

    name: str
    applies_from: date
    template_dir: str
    series: dict[str, str]  # form -> number series; forms without a series carry no number


# Sets in force, oldest first. TT 03/2025/TT-VPCP reportedly replaces the 2018 set (forms.md §8): add it here
# with its templates once its annex is verified; dossiers keep the set in force when they were received.
FORM_SETS = (
    FormSet(
        name="tt01-2018",
        applies_from=date(2018, 8, 22),
        template_dir="paperwork/tt01_2018",
        series={
            Form.RECEIPT: "TNHS",
            Form.SUPPLEMENT_REQUEST: "HDHS",
            Form.REFUSAL: "TCHS",
            Form.APOLOGY: "XLHS",
        },
    ),
)

REFUSAL_ACTIONS = ("refuse_at_counter", "refuse_reception", "refuse")
RECEPTION_REFUSALS = frozenset({"refuse_at_counter", "refuse_reception"})


def form_set_for(dossier: Dossier) -> FormSet:
    """The set in force on the day the dossier was received (or submitted, for one never received)."""
    moment = dossier.received_at or dossier.submitted_at or dossier.created_at or timezone.now()
    day = timezone.localdate(moment)
    applicable = [form_set for form_set in FORM_SETS if form_set.applies_from <= day]
    return applicable[-1] if applicable else FORM_SETS[0]


def fingerprint(form: str, form_set: str, context: dict) -> str:
    """SHA-256 of the dossier data the form shows (canonical JSON without the reference keys)."""
    facts = {key: value for key, value in context.items() if key not in REFERENCE_KEYS}
    canonical = json.dumps(
        {"form": form, "form_set": form_set, "facts": facts},
        cls=DjangoJSONEncoder,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- Shared blocks ------------------------------------------------------------------------------------------


def _place_name(agency: Agency) -> str:
    """The place of the date line (ND 30/2020): the agency's administrative unit without its type word,
    "Hà Tĩnh" for "Tỉnh Hà Tĩnh"; numbered units keep it ("Phường 5"). Looked up the agency tree."""
    seen: set[int] = set()
    node = agency
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        unit = node.administrative_unit
        if unit is not None:
            label = str(AdministrativeUnit.DivisionType(unit.division_type).label)
            name = unit.name
            if name.lower().startswith(label.lower() + " "):
                rest = name[len(label) + 1 :]
                if not rest[:1].isdigit():
                    return rest
            return name
        node = node.parent
    return ""


def _issuer(agency: Agency) -> dict:
    parent = agency.parent
    return {
        "id": agency.pk,
        "governing": parent.name if parent else "",
        "name": agency.name,
        "place": _place_name(agency),
    }


def _person(user) -> str:
    if user is None:
        return ""
    return user.full_name or user.get_full_name() or user.get_username()


def _dossier_block(dossier: Dossier) -> dict:
    version = dossier.procedure_version
    several_cases = version.cases.count() > 1
    summary = " ".join((dossier.summary or "").split())
    return {
        "code": dossier.code,
        "procedure": version.name,
        "case": dossier.procedure_case.name if several_cases else "",
        "summary": "" if summary.casefold() == version.name.casefold() else summary,
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "appointment_at": dossier.appointment_at,
        "processing_time": formats.number(dossier.processing_time)
        if dossier.processing_time is not None
        else "",
        "time_unit": dossier.get_time_unit_display() if dossier.time_unit else "",
        "result_channel": dossier.get_result_channel_display(),
        "receiving_agency": dossier.receiving_agency.name,
        "competent_agency": dossier.competent_agency.name,
    }


def _applicant_block(dossier: Dossier) -> dict:
    return {
        "name": dossier.applicant_name,
        "kind": dossier.get_applicant_kind_display(),
        "is_person": dossier.applicant_kind == ApplicantKind.CITIZEN,
        "identity_number": dossier.applicant_identity_number,
        "phone": dossier.applicant_phone,
        "email": dossier.applicant_email,
        "address": dossier.applicant_address,
        "submitter_name": dossier.submitter_name,
        "submitter_identity_number": dossier.submitter_identity_number,
        "submitter_phone": dossier.submitter_phone,
        "authorisation_document": dossier.authorisation_document,
    }


# The dossier and applicant fields each form prints (the templates read exactly these): only they count for
# the fingerprint, so a change the form does not show does not re-issue it.
_HEADLINE = ("code", "procedure", "case", "summary", "receiving_agency")
_CONTACT = ("name", "address", "phone", "email")
PRINTED_FIELDS = {
    Form.RECEIPT: (
        (*_HEADLINE, "processing_time", "time_unit", "received_at", "result_channel"),
        (*_CONTACT, "identity_number", "is_person", "submitter_name"),
    ),
    Form.SUPPLEMENT_REQUEST: ((*_HEADLINE, "received_at", "submitted_at"), _CONTACT),
    Form.REFUSAL: (_HEADLINE, _CONTACT),
    Form.APOLOGY: (("code", "procedure", "received_at", "receiving_agency"), _CONTACT),
    Form.CONTROL_SHEET: (
        ("code", "procedure", "case", "received_at", "appointment_at", "competent_agency"),
        ("name",),
    ),
}


def _base(dossier: Dossier, form: str, issuer: Agency, form_set: FormSet) -> dict:
    dossier_fields, applicant_fields = PRINTED_FIELDS[form]
    dossier_block, applicant_block = _dossier_block(dossier), _applicant_block(dossier)
    return {
        "form": form,
        "form_label": Form(form).label,
        "form_set": form_set.name,
        "issuer": _issuer(issuer),
        "number": "",
        "dossier": {key: dossier_block[key] for key in dossier_fields},
        "applicant": {key: applicant_block[key] for key in applicant_fields},
    }


def _not_applicable(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="form_not_applicable")


# --- Mẫu 01 -------------------------------------------------------------------------------------------------


def _component_note(component) -> str:
    if component.reused_code:
        return _("Tái sử dụng: %(code)s") % {"code": component.reused_code}
    if component.from_data_store:
        return _("Lấy từ kho dữ liệu")
    if component.digitisation_state == DigitisationState.DIGITISED:
        return _("Đã số hóa")
    return ""


def _fees(dossier: Dossier) -> list[dict]:
    """The fees and charges of the dossier's case and channel, from the version it was received under."""
    fees = Fee.objects.filter(version_id=dossier.procedure_version_id).filter(
        Q(case__isnull=True) | Q(case_id=dossier.procedure_case_id),
        Q(channel="") | Q(channel=dossier.channel),
    )
    return [
        {
            "kind": fee.get_kind_display(),
            "description": fee.description,
            "amount": fee.amount,
            "timing": fee.get_timing_display(),
        }
        for fee in fees.order_by("kind", "pk")
    ]


def _receiver(dossier: Dossier) -> str:
    step = (
        dossier.steps.filter(kind=DossierStep.Kind.RECEPTION)
        .select_related("finished_by", "assignee")
        .order_by("pk")
        .first()
    )
    if step is None:
        return ""
    return _person(step.finished_by or step.assignee)


def _moment_value(value):
    return parse_datetime(value) if isinstance(value, str) else value


def receipt_appointment(dossier: Dossier):
    """The appointment a Mẫu 01 shows and the moment the complete dossier was in hand.

    The one set at reception, or, after an appraisal supplement (the time limit restarts or resumes), the one
    set when the supplement was complete. An approved apology does not change Mẫu 01: the new date is on
    Mẫu 04. Returns ``(appointment, supplement_completed_at)``.
    """
    supplement = (
        SupplementInterval.objects.filter(
            dossier=dossier, resolved_at__isnull=False, new_appointment__isnull=False
        )
        .order_by("-resolved_at", "-pk")
        .first()
    )
    if supplement is not None:
        return supplement.new_appointment, supplement.resolved_at
    event = dossier.events.filter(action__in=("register", "receive")).order_by("sequence").first()
    if event is not None and "due_at" in (event.payload or {}):
        return _moment_value(event.payload["due_at"]), None
    return dossier.appointment_at, None


def _receipt(dossier: Dossier, form_set: FormSet) -> dict:
    if dossier.received_at is None:
        raise _not_applicable(
            _("Hồ sơ chưa được tiếp nhận nên chưa có Giấy tiếp nhận hồ sơ và hẹn trả kết quả.")
        )
    context = _base(dossier, Form.RECEIPT, dossier.receiving_agency, form_set)
    entry = _entry(dossier)
    appointment, supplement_completed_at = receipt_appointment(dossier)
    context["dossier"]["appointment_at"] = appointment
    context.update(
        {
            "issued_on": dossier.received_at,
            "supplement_completed_at": supplement_completed_at,
            "components": [
                {
                    "name": component.name,
                    "copy_type": component.get_copy_type_display(),
                    "quantity": component.quantity,
                    "note": _component_note(component),
                }
                for component in dossier.components.order_by("pk")
            ],
            "sets": 1,
            "no_appointment": appointment is None,
            "postal_return": dossier.result_channel == ResultChannel.POSTAL,
            "fees": _fees(dossier),
            "case_note": dossier.procedure_case.description.strip(),
            "register": {"book": entry.year, "number": entry.number} if entry else None,
            "receiver": _receiver(dossier),
            "copies": [
                _(
                    "Liên 1: Lưu tại Bộ phận Tiếp nhận và Trả kết quả, kèm Phiếu kiểm soát quá trình giải quyết hồ sơ"
                ),
                _("Liên 2: Giao cho người nộp hồ sơ"),
            ],
        }
    )
    url = lookup_url(dossier.code)
    context["lookup_url"] = url
    context["qr_svg"] = qr_svg(url)
    return context


# --- Mẫu 02 -------------------------------------------------------------------------------------------------


def _supplement_request(dossier: Dossier, form_set: FormSet) -> dict:
    interval = (
        SupplementInterval.objects.filter(dossier=dossier)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
        .first()
    )
    if interval is None:
        raise _not_applicable(_("Hồ sơ chưa có yêu cầu bổ sung, hoàn thiện nào."))
    at_reception = interval.from_status == DossierStatus.SUBMITTED
    issuer = dossier.receiving_agency if at_reception else dossier.competent_agency
    context = _base(dossier, Form.SUPPLEMENT_REQUEST, issuer, form_set)
    guide = interval.requested_by
    context.update(
        {
            "issued_on": interval.requested_at,
            "at_reception": at_reception,
            "items": list(interval.items or []),
            "reason": interval.reason,
            "guide": _person(guide),
            "contact_phone": issuer.phone or (guide.phone if guide else ""),
        }
    )
    return context


# --- Mẫu 03 -------------------------------------------------------------------------------------------------


def _reasons(text: str) -> list[str]:
    """One reason per line; leading numbering ("1.", "-") typed by staff is dropped (the form numbers them)."""
    reasons = []
    for line in (text or "").splitlines():
        cleaned = " ".join(line.split()).lstrip("-–•*").strip()
        head, _sep, rest = cleaned.partition(". ")
        if head.isdigit() and rest:
            cleaned = rest.strip()
        if cleaned:
            reasons.append(cleaned)
    return reasons


def _refusal(dossier: Dossier, form_set: FormSet) -> dict:
    event = dossier.events.filter(action__in=REFUSAL_ACTIONS).order_by("-sequence").first()
    if event is None:
        raise _not_applicable(_("Hồ sơ không bị từ chối nên không có Phiếu từ chối."))
    at_reception = event.action in RECEPTION_REFUSALS
    issuer = dossier.receiving_agency if at_reception else dossier.competent_agency
    context = _base(dossier, Form.REFUSAL, issuer, form_set)
    context.update(
        {
            "issued_on": event.occurred_at,
            "at_reception": at_reception,
            "title": _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
            if at_reception
            else _("Phiếu từ chối giải quyết hồ sơ"),
            "reasons": _reasons(event.reason),
            "legal_bases": [
                " ".join(part for part in (basis.number, basis.title) if part)
                for basis in dossier.procedure_version.legal_bases.order_by("pk")
            ],
            "signer": event.actor_name,
        }
    )
    return context


# --- Mẫu 04 -------------------------------------------------------------------------------------------------


def _apology(dossier: Dossier, form_set: FormSet) -> dict:
    extension = (
        DossierExtension.objects.filter(dossier=dossier, state=DossierExtension.State.APPROVED)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
        .first()
    )
    if extension is None:
        raise _not_applicable(
            _("Chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả được lãnh đạo phê duyệt cho hồ sơ này.")
        )
    context = _base(dossier, Form.APOLOGY, dossier.competent_agency, form_set)
    context.update(
        {
            "issued_on": extension.decided_at,
            "reason": extension.reason,
            "old_appointment": extension.old_appointment,
            "new_appointment": extension.new_appointment,
            "signer": _person(extension.decided_by),
        }
    )
    return context


# --- Mẫu 05 -------------------------------------------------------------------------------------------------


def _worst(timeliness: Iterable[str]) -> str:
    """The result of a group of parallel steps: late if one was late, else on time if one was, else early."""
    values = set(timeliness)
    for value in (Timeliness.LATE, Timeliness.ON_TIME, Timeliness.EARLY):
        if value in values:
            return str(Timeliness(value).label)
    return ""


def _party(steps: list[DossierStep]) -> dict:
    return {
        "agencies": list(dict.fromkeys(step.agency.name for step in steps)),
        "steps": [step.name for step in steps],
    }


def hand_overs(dossier: Dossier, steps: list[DossierStep]) -> list[dict]:
    """The rows of Mẫu 05, one per hand-over: the previous stage gives the dossier to each step of the next
    stage when that step starts; the last row is the return of the result to the applicant.

    "KẾT QUẢ" is the giving side's result (Trước hạn / Đúng hạn / Quá hạn), recorded by the receiving side;
    steps not started yet give rows with empty times, to be filled by hand on the paper that travels with
    the dossier.
    """
    stages: dict[int, list[DossierStep]] = {}
    for step in steps:
        stages.setdefault(step.stage, []).append(step)
    ordered = [stages[stage] for stage in sorted(stages)]
    rows = []
    for previous, current in zip(ordered, ordered[1:], strict=False):
        finished = all(step.finished_at for step in previous)
        for step in current:
            rows.append(
                {
                    "giver": _party(previous),
                    "receiver": _party([step]),
                    "at": step.started_at,
                    "giver_people": list(
                        dict.fromkeys(_person(s.finished_by) for s in previous if s.finished_by_id)
                    ),
                    "receiver_people": [_person(step.assignee or step.finished_by)]
                    if (step.assignee_id or step.finished_by_id)
                    else [],
                    "result": _worst(s.timeliness for s in previous if s.timeliness) if finished else "",
                    "due_at": step.due_at,
                    "note": step.note,
                }
            )
    last = ordered[-1] if ordered else []
    if last and all(step.kind == DossierStep.Kind.RETURN for step in last):
        returned = [step for step in last if step.finished_at]
        rows.append(
            {
                "giver": _party(last),
                "receiver": {"agencies": [dossier.applicant_name], "steps": [_("Nhận kết quả")]},
                "at": dossier.returned_at,
                "giver_people": [_person(step.finished_by) for step in returned if step.finished_by_id],
                "receiver_people": [],
                "result": _worst(step.timeliness for step in returned if step.timeliness) if returned else "",
                "due_at": dossier.appointment_at,
                "note": "",
            }
        )
    return rows


def _control_sheet(dossier: Dossier, form_set: FormSet) -> dict:
    if dossier.received_at is None:
        raise _not_applicable(
            _("Hồ sơ chưa được tiếp nhận nên chưa có Phiếu kiểm soát quá trình giải quyết.")
        )
    steps = list(control_sheet(dossier))
    context = _base(dossier, Form.CONTROL_SHEET, dossier.receiving_agency, form_set)
    own = {dossier.receiving_agency_id, dossier.competent_agency_id}
    coordinating = [step.agency.name for step in steps if step.agency_id not in own]
    coordinating += [
        consultation.asked_agency.name
        for consultation in dossier.consultations.select_related("asked_agency").order_by("pk")
    ]
    context.update(
        {
            "issued_on": dossier.received_at,
            "coordinating": list(dict.fromkeys(coordinating)),
            "rows": hand_overs(dossier, steps),
        }
    )
    return context


# --- Mẫu 06 -------------------------------------------------------------------------------------------------

_CLOSED_NOTES = {
    DossierStatus.NOT_RECEIVED: DossierStatus.NOT_RECEIVED.label,
    DossierStatus.WITHDRAWN: DossierStatus.WITHDRAWN.label,
    DossierStatus.STOPPED: DossierStatus.STOPPED.label,
}


def _entry(dossier: Dossier) -> RegisterEntry | None:
    try:
        return dossier.register_entry
    except RegisterEntry.DoesNotExist:
        return None


def _code_lines(code: str) -> tuple[str, str]:
    """ "000.00.03.H56-", "260302-0001": the code on two lines in a narrow column, broken after the agency."""
    try:
        agency, day, number = split_dossier_code(code)
    except ValueError:
        return code, ""
    return f"{agency}-", f"{day}-{number}"


def register_row(dossier: Dossier, entry: RegisterEntry | None) -> dict:
    """One line of the register. ``dossier.steps`` should be prefetched when listing many."""
    transferred = [
        step.started_at
        for step in dossier.steps.all()
        if step.kind == DossierStep.Kind.PROCESS and step.started_at
    ]
    head, tail = _code_lines(dossier.code)
    note = ""
    if dossier.status in _CLOSED_NOTES:
        note = str(_CLOSED_NOTES[dossier.status])
    elif dossier.refused_at is not None:
        note = _("Từ chối giải quyết")
    elif dossier.returned_at and dossier.appointment_at and dossier.returned_at > dossier.appointment_at:
        note = str(Timeliness.LATE.label)
    return {
        "number": entry.number if entry else None,
        "book": entry.year if entry else None,
        "code": dossier.code,
        "code_head": head,
        "code_tail": tail,
        "procedure": dossier.procedure_version.name,
        "sets": 1,
        "applicant": dossier.applicant_name,
        "address": dossier.applicant_address,
        "phone": dossier.applicant_phone,
        "received_at": dossier.received_at,
        "appointment_at": dossier.appointment_at,
        "transferred_at": min(transferred) if transferred else None,
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
        "note": note,
    }


def register_dossiers(*, agency: Agency, start: date, end: date):
    """The dossiers ``agency`` received from ``start`` to ``end`` (local days, inclusive), in register order."""
    first = timezone.make_aware(datetime.combine(start, time.min))
    after = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    return (
        Dossier.objects.filter(receiving_agency=agency, received_at__gte=first, received_at__lt=after)
        .select_related("procedure_version", "register_entry")
        .prefetch_related("steps")
        .order_by("register_entry__year", "register_entry__number", "received_at", "pk")
    )


def register_content(
    *, agency: Agency, start: date, end: date, dossiers: Iterable[Dossier], form_set: FormSet
) -> dict:
    with translation.override(OFFICIAL_LANGUAGE):
        return _register_content(agency=agency, start=start, end=end, dossiers=dossiers, form_set=form_set)


def _register_content(
    *, agency: Agency, start: date, end: date, dossiers: Iterable[Dossier], form_set: FormSet
) -> dict:
    rows = [register_row(dossier, _entry(dossier)) for dossier in dossiers]
    return {
        "form": Form.REGISTER,
        "form_label": Form.REGISTER.label,
        "form_set": form_set.name,
        "issuer": _issuer(agency),
        "number": "",
        "start": start,
        "end": end,
        "rows": rows,
        "books": sorted({row["book"] for row in rows if row["book"]}),
    }


def _register_extract(dossier: Dossier, form_set: FormSet) -> dict:
    if dossier.received_at is None:
        raise _not_applicable(_("Hồ sơ chưa được tiếp nhận nên chưa vào Sổ theo dõi hồ sơ."))
    day = timezone.localdate(dossier.received_at)
    context = register_content(
        agency=dossier.receiving_agency, start=day, end=day, dossiers=[dossier], form_set=form_set
    )
    context["dossier"] = {"code": dossier.code}
    return context


_BUILDERS = {
    Form.RECEIPT: _receipt,
    Form.SUPPLEMENT_REQUEST: _supplement_request,
    Form.REFUSAL: _refusal,
    Form.APOLOGY: _apology,
    Form.CONTROL_SHEET: _control_sheet,
    Form.REGISTER: _register_extract,
}


def check_form(form: str) -> str:
    if form not in Form.values:
        raise ValidationFailed(
            _("Mẫu “%(form)s” không có; chọn từ 01 đến 06.") % {"form": form}, code="unknown_form"
        )
    return form


def form_content(dossier: Dossier, form: str, form_set: FormSet | None = None) -> dict:
    """The context of ``form`` for ``dossier``; ValidationFailed when the dossier has no such form yet."""
    form = check_form(form)
    with translation.override(OFFICIAL_LANGUAGE):  # labels (copy type, result channel, ...) in Vietnamese
        return _BUILDERS[form](dossier, form_set or form_set_for(dossier))


def template_name(form_set: FormSet, form: str) -> str:
    return f"{form_set.template_dir}/mau{form}.html"
