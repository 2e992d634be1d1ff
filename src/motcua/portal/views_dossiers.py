"""The citizen's dossier pages: online submission step by step, drafts, "my dossiers", supplements, results.

Every page needs a signed-in account and shows only that account's own drafts and dossiers: anything else
answers 404, like an unknown code. Views translate the request, call one service or selector of
``dossiers`` (``dossiers.submission`` for drafts) or ``notifications``, and render; a refusal
(``ApplicationError``) is shown next to the fields it concerns and changes nothing. Every form is a plain
POST form, one step per page, so the pages work without JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.accounts.selectors import applicant_prefill
from motcua.catalog import selectors as catalog
from motcua.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from motcua.dossiers import selectors as dossier_reads
from motcua.dossiers import services as dossier_services
from motcua.dossiers import submission
from motcua.dossiers.drafts import DraftStep
from motcua.dossiers.files import check_component_upload
from motcua.dossiers.models import (
    DossierExtension,
    DossierStep,
    ResultChannel,
    SupplementInterval,
    Timeliness,
)
from motcua.dossiers.workflow import CLOCK_RUNNING_STATUSES, FINAL_STATUSES, DossierStatus, Substate
from motcua.notifications import selectors as inbox
from motcua.notifications import services as inbox_services
from motcua.payments.selectors import payment_summary_for, reception_waits_for_payment

from .forms_dossiers import ApplicantForm, CaseChoiceForm, ResultChannelForm, SupplementNoteForm

PAGE_SIZE = 20
FILE_FIELD = re.compile(r"^file_(\d+)$")
REUSE_FIELD = re.compile(r"^reuse_(\d+)$")


def _or_404(selector, *args, **kwargs):
    try:
        return selector(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.message) from error


def _origin(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "portal"


def _status_for(error: ApplicationError) -> int:
    return 409 if isinstance(error, Conflict) else 422


# --- Online submission: steps -------------------------------------------------------------------------------


@dataclass
class StepLink:
    step: str
    label: str
    url: str
    done: bool
    current: bool


STEP_URLS = {
    DraftStep.CASE: "citizen:draft_case",
    DraftStep.APPLICANT: "citizen:draft_applicant",
    DraftStep.COMPONENTS: "citizen:draft_components",
    DraftStep.RESULT: "citizen:draft_result",
    DraftStep.REVIEW: "citizen:draft_review",
}


def _steps_of(draft) -> list[str]:
    """The pages of this draft's form; the result page only when the procedure offers a choice."""
    steps = list(DraftStep.values)
    if len(submission.result_channels(draft.procedure_version)) < 2:
        steps.remove(DraftStep.RESULT)
    return steps


def _progress(draft, current: str) -> list[StepLink]:
    labels = dict(DraftStep.choices)
    return [
        StepLink(
            step=step,
            label=labels[step],
            url=reverse(STEP_URLS[step], args=[draft.public_id]),
            done=step in draft.done_steps,
            current=step == current,
        )
        for step in _steps_of(draft)
    ]


def _after(draft, step: str, request):
    """Where "save" goes: the next page, or the list of drafts when the applicant chose to stop here."""
    if request.POST.get("action") == "save":
        messages.success(
            request, _("Đã lưu hồ sơ đang soạn. Bạn có thể tiếp tục bất cứ lúc nào, trên mọi thiết bị.")
        )
        return redirect("citizen:draft_list")
    steps = _steps_of(draft)
    following = steps[min(steps.index(step) + 1, len(steps) - 1)]
    return redirect(STEP_URLS[following], draft.public_id)


def _draft_context(draft, step: str, **extra) -> dict:
    return {
        "draft": draft,
        "version": draft.procedure_version,
        "progress": _progress(draft, step),
        "step": step,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def submission_start(request, national_code: str):
    """/nop-ho-so/<mã>/: choose the case and the place, then the draft is opened on the server."""
    version = _or_404(catalog.procedure_in_force, national_code=national_code)
    cases = submission.online_cases(version) if submission.version_accepts_online(version) else []
    places = submission.submission_places(version) if cases else []
    if not cases or not places:
        status = 422 if request.method == "POST" else 200
        return render(request, "portal/dossiers/not_online.html", {"version": version}, status=status)
    form = CaseChoiceForm(request.POST or None, cases=cases, places=places)
    if request.method == "POST" and form.is_valid():
        place = form.chosen_place
        try:
            draft = submission.draft_start(
                actor=request.user,
                procedure_case=form.chosen_case,
                receiving_agency=place.receiving_agency,
                competent_agency=place.competent_agency,
                applicant=applicant_prefill(request.user),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return redirect("citizen:draft_applicant", draft.public_id)
    drafts = list(submission.drafts_for(request.user).filter(procedure_version__procedure=version.procedure))
    return render(
        request,
        "portal/dossiers/start.html",
        {"version": version, "form": form, "drafts": drafts},
        status=422 if form.errors else 200,
    )


@login_required
@require_safe
def draft_list(request):
    """Hồ sơ đang soạn: every open draft of the account, to continue or delete."""
    drafts = list(submission.drafts_for(request.user))
    labels = dict(DraftStep.choices)
    rows = []
    for draft in drafts:
        steps = _steps_of(draft)
        next_step = next((step for step in steps if step not in draft.done_steps), DraftStep.REVIEW)
        rows.append({"draft": draft, "next_label": labels[next_step], "next_url": STEP_URLS[next_step]})
    return render(request, "portal/dossiers/draft_list.html", {"rows": rows})


@login_required
@require_safe
def draft_resume(request, draft_id):
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    next_step = next((s for s in _steps_of(draft) if s not in draft.done_steps), DraftStep.REVIEW)
    return redirect(STEP_URLS[next_step], draft.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def draft_case(request, draft_id):
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    version = draft.procedure_version
    cases = submission.online_cases(version)
    places = submission.submission_places(version)
    form = CaseChoiceForm(
        request.POST or None,
        cases=cases,
        places=places,
        initial_case=draft.procedure_case_id,
        initial_place=f"{draft.receiving_agency_id}-{draft.competent_agency_id}",
    )
    if request.method == "POST" and form.is_valid():
        place = form.chosen_place
        try:
            draft = submission.draft_choose_case(
                draft=draft,
                actor=request.user,
                procedure_case=form.chosen_case,
                receiving_agency=place.receiving_agency,
                competent_agency=place.competent_agency,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return _after(draft, DraftStep.CASE, request)
    return render(
        request,
        "portal/dossiers/step_case.html",
        _draft_context(draft, DraftStep.CASE, form=form, changes_files=draft.files.exists()),
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_applicant(request, draft_id):
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    form = ApplicantForm(request.POST or None, initial=ApplicantForm.initial_from(draft.data))
    if request.method == "POST" and form.is_valid():
        try:
            draft = submission.draft_save_applicant(
                draft=draft,
                actor=request.user,
                applicant=form.applicant(),
                submitter=form.submitter(),
                summary=form.cleaned_data["summary"],
            )
        except ApplicationError as error:
            form.add_field_errors(error.extra.get("fields") or {None: error.message})
        else:
            return _after(draft, DraftStep.APPLICANT, request)
    return render(
        request,
        "portal/dossiers/step_applicant.html",
        _draft_context(draft, DraftStep.APPLICANT, form=form),
        status=422 if form.errors else 200,
    )


@dataclass
class ComponentRow:
    component: object
    files: list
    reusable: list
    errors: list = field(default_factory=list)

    @property
    def field_id(self) -> str:
        return f"file_{self.component.pk}"

    @property
    def accept(self) -> str:
        return ",".join(f".{ext}" for ext in self.component.accepted_extensions)

    @property
    def has_file(self) -> bool:
        return any(item.is_available for item in self.files)


def _component_rows(draft, user, errors: dict | None = None) -> list[ComponentRow]:
    components = list(draft.procedure_case.components.order_by("order", "id"))
    files = submission.draft_files(draft)
    reusable = submission.reusable_files(user=user, components=components)
    errors = errors or {}
    rows = []
    for component in components:
        already = {item.reused_from_id for item in files.get(component.pk, []) if item.reused_from_id}
        rows.append(
            ComponentRow(
                component=component,
                files=files.get(component.pk, []),
                reusable=[item for item in reusable.get(component.pk, []) if item.pk not in already],
                errors=errors.get(component.pk, []),
            )
        )
    return rows


def _posted_by_component(request) -> tuple[dict[int, list], dict[int, str]]:
    """``file_<component id>`` uploads and ``reuse_<component id>`` choices, whatever ids were posted."""
    uploads = {
        int(match.group(1)): request.FILES.getlist(key)
        for key in request.FILES
        if (match := FILE_FIELD.match(key))
    }
    reuse = {
        int(match.group(1)): value
        for key, value in request.POST.items()
        if (match := REUSE_FIELD.match(key)) and value
    }
    return uploads, reuse


@login_required
@require_http_methods(["GET", "POST"])
def draft_components(request, draft_id):
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    errors: dict[int, list[str]] = {}
    page_errors: list[str] = []
    if request.method == "POST":
        uploads, reuse = _posted_by_component(request)
        try:
            if any(not value.isdigit() for value in reuse.values()):
                raise ValidationFailed(_("Lựa chọn tệp dùng lại không hợp lệ; không có gì được lưu."))
            draft = submission.draft_attach_files(
                draft=draft, actor=request.user, uploads=uploads, reuse={k: int(v) for k, v in reuse.items()}
            )
        except ApplicationError as error:
            errors = error.extra.get("components") or {}
            page_errors.append(error.message)
        else:
            if request.POST.get("action") == "save":
                return _after(draft, DraftStep.COMPONENTS, request)
            missing = [p for p in submission.draft_problems(draft) if p.step == DraftStep.COMPONENTS]
            if not missing:
                return _after(draft, DraftStep.COMPONENTS, request)
            page_errors.extend(problem.message for problem in missing)
            if uploads or reuse:
                messages.success(request, _("Đã lưu các tệp vừa tải lên."))
    rows = _component_rows(draft, request.user, errors)
    return render(
        request,
        "portal/dossiers/step_components.html",
        _draft_context(draft, DraftStep.COMPONENTS, rows=rows, page_errors=page_errors),
        status=422 if page_errors else 200,
    )


@login_required
@require_safe
def draft_file(request, draft_id, file_id: int):
    """The applicant's own draft file, to check what was uploaded."""
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    item = _or_404(submission.draft_file_get, draft, file_id)
    source = item.file if item.file else item.reused_from.file
    return _file_response(source, item.original_name)


@login_required
@require_POST
def draft_file_remove(request, draft_id, file_id: int):
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    _or_404(submission.draft_remove_file, draft=draft, actor=request.user, file_id=file_id)
    messages.success(request, _("Đã bỏ tệp khỏi hồ sơ đang soạn."))
    return redirect("citizen:draft_components", draft.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def draft_result(request, draft_id):
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    channels = submission.result_channels(draft.procedure_version)
    initial = {
        "channel": draft.data.get("result_channel") or channels[0],
        "delivery_address": draft.data.get("delivery_address")
        or (draft.data.get("applicant") or {}).get("address", ""),
        "delivery_recipient": draft.data.get("delivery_recipient")
        or (draft.data.get("applicant") or {}).get("name", ""),
        "delivery_phone": draft.data.get("delivery_phone")
        or (draft.data.get("applicant") or {}).get("phone", ""),
    }
    form = ResultChannelForm(request.POST or None, channels=channels, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            draft = submission.draft_choose_result_channel(
                draft=draft,
                actor=request.user,
                channel=form.cleaned_data["channel"],
                delivery_address=form.cleaned_data["delivery_address"],
                delivery_recipient=form.cleaned_data["delivery_recipient"],
                delivery_phone=form.cleaned_data["delivery_phone"],
            )
        except ApplicationError as error:
            form.add_field_errors(error.extra.get("fields") or {None: error.message})
        else:
            return _after(draft, DraftStep.RESULT, request)
    return render(
        request,
        "portal/dossiers/step_result.html",
        _draft_context(draft, DraftStep.RESULT, form=form),
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_review(request, draft_id):
    """Everything on one page with links to change it; "Nộp hồ sơ" submits."""
    try:
        draft = submission.draft_get_for(request.user, draft_id)
    except NotFound as error:
        code = submission.submitted_dossier_code(request.user, draft_id)
        if code:  # submitted already (a second click, the back button): show the dossier
            return redirect("citizen:dossier_detail", code)
        raise Http404(error.message) from error
    page_errors: list[str] = []
    if request.method == "POST":
        try:
            dossier = submission.draft_submit(draft=draft, actor=request.user, origin=_origin(request))
        except ApplicationError as error:
            page_errors.append(error.message)
        else:
            return redirect("citizen:dossier_submitted", dossier.code)
    files = submission.draft_files(draft)
    problems = submission.draft_problems(draft, files=files)
    components = [
        (component, files.get(component.pk, []))
        for component in draft.procedure_case.components.order_by("order", "id")
    ]
    return render(
        request,
        "portal/dossiers/step_review.html",
        _draft_context(
            draft,
            DraftStep.REVIEW,
            problems=[
                (problem, reverse(STEP_URLS[problem.step], args=[draft.public_id])) for problem in problems
            ],
            page_errors=page_errors,
            components=components,
            applicant=draft.data.get("applicant") or {},
            submitter=draft.data.get("submitter") or {},
            result_channel_label=dict(ResultChannel.choices).get(draft.data.get("result_channel", ""), ""),
            step_urls={step: reverse(url, args=[draft.public_id]) for step, url in STEP_URLS.items()},
            chooses_result=DraftStep.RESULT in _steps_of(draft),
        ),
        status=422 if page_errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_delete(request, draft_id):
    draft = _or_404(submission.draft_get_for, request.user, draft_id)
    if request.method == "POST":
        _or_404(submission.draft_delete, draft=draft, actor=request.user)
        messages.success(request, _("Đã xóa hồ sơ đang soạn."))
        return redirect("citizen:draft_list")
    return render(request, "portal/dossiers/draft_delete.html", {"draft": draft})


# --- My dossiers: presentation -------------------------------------------------------------------------------


def _moment(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is None:
            return ""
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y")


def _names(agencies) -> str:
    seen: dict[int, str] = {}
    for agency in agencies:
        seen.setdefault(agency.pk, agency.name)
    return "; ".join(seen.values())


def holder_text(dossier) -> str:
    """Who has the dossier now, in plain words."""
    status = dossier.status
    if status == DossierStatus.SUBMITTED:
        return dossier.receiving_agency.name
    if status == DossierStatus.SUPPLEMENT_REQUESTED:
        return _("Đang chờ bạn bổ sung giấy tờ")
    if status == DossierStatus.AWAITING_PAYMENT:
        return _("Đang chờ bạn thực hiện nghĩa vụ tài chính")
    if status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING):
        open_steps = [step for step in _open_steps(dossier) if step.kind != DossierStep.Kind.RETURN]
        return _names(step.agency for step in open_steps) or dossier.competent_agency.name
    if status == DossierStatus.RESOLVED:
        return dossier.receiving_agency.name
    return ""


def _open_steps(dossier) -> list:
    steps = getattr(dossier, "open_steps", None)
    if steps is None:
        steps = [s for s in dossier.steps.all() if s.started_at is not None and s.finished_at is None]
    return steps


@dataclass(frozen=True)
class Timing:
    """Whether the dossier is within its appointment (ngày hẹn trả), in plain words."""

    label: str
    late: bool
    tone: str  # ok | late | wait | done


def timing_of(dossier, now: datetime | None = None) -> Timing:
    now = now or timezone.now()
    appointment = dossier.appointment_at
    status = dossier.status
    if status == DossierStatus.SUPPLEMENT_REQUESTED:
        return Timing(_("Tạm dừng, chờ bạn bổ sung"), False, "wait")
    if status == DossierStatus.AWAITING_PAYMENT:
        return Timing(_("Tạm dừng, chờ bạn nộp phí, lệ phí"), False, "wait")
    if appointment is None:
        return Timing("", False, "done" if status in FINAL_STATUSES else "ok")
    if status in CLOCK_RUNNING_STATUSES:
        if now > appointment:
            return Timing(_("Quá hạn"), True, "late")
        return Timing(_("Trong hạn"), False, "ok")
    finished = dossier.finished_at
    if status in (DossierStatus.RESOLVED, DossierStatus.RETURNED) and finished is not None:
        if finished > appointment:
            return Timing(_("Có kết quả trễ hạn"), True, "late")
        return Timing(_("Có kết quả đúng hạn"), False, "done")
    return Timing("", False, "done")


def waits_for_fees(dossier) -> bool:
    """An online dossier not received yet because its fees collected before reception are unpaid (one query,
    only for a dossier awaiting reception)."""
    return dossier.status == DossierStatus.SUBMITTED and reception_waits_for_payment(dossier)


def next_steps_text(dossier, *, fees_first: bool = False) -> str:
    """What happens next, for the applicant. ``fees_first``: the dossier waits for its "thu trước" fees."""
    status, substate = dossier.status, dossier.substate
    receiving = dossier.receiving_agency.name
    if status == DossierStatus.SUBMITTED and fees_first:
        return _(
            "Thủ tục này thu phí, lệ phí trước khi tiếp nhận: hồ sơ sẽ được %(agency)s tiếp nhận sau khi bạn nộp "
            "đủ phí, lệ phí (thời điểm nộp hồ sơ tính từ lúc thanh toán). Khi hồ sơ được tiếp nhận, bạn nhận được "
            "tin nhắn kèm ngày hẹn trả kết quả."
        ) % {"agency": receiving}
    if status == DossierStatus.SUBMITTED:
        return _(
            "Bộ phận một cửa của %(agency)s sẽ kiểm tra hồ sơ, rồi tiếp nhận hoặc báo bạn bổ sung. Khi hồ sơ "
            "được tiếp nhận, bạn nhận được tin nhắn kèm ngày hẹn trả kết quả."
        ) % {"agency": receiving}
    if status == DossierStatus.RECEIVED:
        return _("Hồ sơ đã được tiếp nhận và chuyển đến %(agency)s để giải quyết.") % {
            "agency": dossier.competent_agency.name
        }
    if status == DossierStatus.PROCESSING:
        return _("Hồ sơ đang được giải quyết. Bạn không cần làm gì thêm; khi có kết quả bạn sẽ được báo.")
    if status == DossierStatus.SUPPLEMENT_REQUESTED:
        return _(
            "Cơ quan cần bạn bổ sung giấy tờ. Hãy tải lên các giấy tờ còn thiếu ở phần “Bổ sung hồ sơ” bên "
            "dưới; hồ sơ sẽ được giải quyết tiếp ngay sau đó."
        )
    if status == DossierStatus.AWAITING_PAYMENT:
        return _(
            "Bạn cần thực hiện nghĩa vụ tài chính (nộp phí, lệ phí, thuế) để hồ sơ được giải quyết tiếp."
        )
    if status == DossierStatus.RESOLVED and substate == Substate.REFUSED:
        return _(
            "Cơ quan đã từ chối giải quyết hồ sơ. Văn bản trả lời nêu rõ lý do; bạn nhận tại %(agency)s."
        ) % {"agency": receiving}
    if status == DossierStatus.RESOLVED:
        if dossier.result_channel == ResultChannel.ONLINE:
            return _("Hồ sơ đã có kết quả. Bạn tải kết quả điện tử ở phần “Kết quả” bên dưới.")
        if dossier.result_channel == ResultChannel.POSTAL:
            return _("Hồ sơ đã có kết quả; kết quả sẽ được gửi đến bạn qua bưu chính.")
        return _("Hồ sơ đã có kết quả. Mời bạn nhận kết quả tại %(agency)s, theo ngày hẹn trả.") % {
            "agency": receiving
        }
    if status == DossierStatus.RETURNED:
        return _("Kết quả đã được trả. Hồ sơ đã hoàn thành.")
    if status == DossierStatus.NOT_RECEIVED:
        return _("Hồ sơ không được tiếp nhận. Xem lý do trong quá trình xử lý bên dưới.")
    if status == DossierStatus.WITHDRAWN:
        return _("Hồ sơ đã được rút theo yêu cầu.")
    if status == DossierStatus.STOPPED:
        return _("Cơ quan đã dừng xử lý hồ sơ. Xem lý do trong quá trình xử lý bên dưới.")
    return ""


@dataclass
class TimelineEntry:
    at: str
    title: str
    details: list[str] = field(default_factory=list)
    tone: str = ""


# Actions between staff members (assignment, consultation answers, send-back, proposals not yet decided,
# scanned attachments) are not the applicant's business; their notes never reach this page.
INTERNAL_ACTIONS = frozenset(
    {"assign", "answer_consultation", "send_back", "propose_extension", "reject_extension", "attach_file"}
)


def timeline_of(dossier, events, steps) -> list[TimelineEntry]:
    """The dossier's history in plain Vietnamese, oldest first, from its events and its control sheet."""
    steps_by_id = {step.pk: step for step in steps}
    extensions = {extension.pk: extension for extension in dossier.extensions.all()}
    entries = []
    for event in events:
        if event.action in INTERNAL_ACTIONS:
            continue
        entry = _timeline_entry(dossier, event, steps_by_id, extensions)
        if entry is not None:
            entries.append(entry)
    return entries


def _timeline_entry(dossier, event, steps_by_id, extensions) -> TimelineEntry | None:
    payload, reason, action = event.payload or {}, event.reason.strip(), event.action
    at = _moment(event.occurred_at)
    receiving = dossier.receiving_agency.name
    because = [_("Lý do: %(reason)s") % {"reason": reason}] if reason else []
    if action == "submit_online":
        return TimelineEntry(
            at,
            _("Bạn đã nộp hồ sơ trực tuyến, mã hồ sơ %(code)s.") % {"code": dossier.code},
            [_("Hồ sơ được gửi đến %(agency)s.") % {"agency": receiving}],
        )
    if action == "register":
        return TimelineEntry(at, _("Hồ sơ được tiếp nhận tại %(agency)s.") % {"agency": receiving}, tone="ok")
    if action == "receive":
        details = []
        if payload.get("due_at"):
            details.append(_("Hạn giải quyết: %(when)s.") % {"when": _moment(payload["due_at"])})
        return TimelineEntry(at, _("%(agency)s đã tiếp nhận hồ sơ.") % {"agency": receiving}, details, "ok")
    if action in ("refuse_reception", "refuse_at_counter"):
        return TimelineEntry(at, _("Hồ sơ không được tiếp nhận."), because, "late")
    if action in ("request_supplement_at_reception", "request_supplement"):
        items = payload.get("items") or []
        details = because + [_("Cần bổ sung: %(items)s.") % {"items": "; ".join(items)}] if items else because
        return TimelineEntry(at, _("Cơ quan yêu cầu bạn bổ sung hồ sơ."), details, "wait")
    if action == "submit_supplement":
        details = []
        if payload.get("appointment_at"):
            details.append(_("Ngày hẹn trả mới: %(when)s.") % {"when": _moment(payload["appointment_at"])})
        who = (
            _("Bạn đã nộp bổ sung hồ sơ.")
            if event.actor_id == dossier.owner_id
            else _("Hồ sơ đã được bổ sung.")
        )
        return TimelineEntry(at, who, details, "ok")
    if action == "hand_over":
        started = [steps_by_id[pk] for pk in payload.get("started", []) if pk in steps_by_id]
        started = [step for step in started if step.kind == DossierStep.Kind.PROCESS]
        if started:
            return TimelineEntry(
                at,
                _("Hồ sơ được chuyển sang bước “%(step)s” tại %(agency)s.")
                % {"step": started[0].name, "agency": _names(step.agency for step in started)},
            )
        return TimelineEntry(at, _("Một bước xử lý hồ sơ đã hoàn thành."))
    if action == "consult":
        return TimelineEntry(at, _("Cơ quan giải quyết đang lấy ý kiến của cơ quan liên quan."))
    if action == "submit_for_approval":
        return TimelineEntry(at, _("Hồ sơ đã được trình lãnh đạo phê duyệt."))
    if action == "approve":
        return TimelineEntry(at, _("Hồ sơ đã có kết quả giải quyết."), tone="ok")
    if action == "refuse":
        return TimelineEntry(at, _("Cơ quan từ chối giải quyết hồ sơ."), because, "late")
    if action == "request_payment":
        details = [payload.get("description", "")] if payload.get("description") else []
        if payload.get("amount"):
            from motcua.core.templatetags.motcua import format_vnd

            details.append(_("Số tiền: %(amount)s.") % {"amount": format_vnd(payload["amount"])})
        return TimelineEntry(at, _("Bạn cần thực hiện nghĩa vụ tài chính."), details, "wait")
    if action == "confirm_payment":
        return TimelineEntry(at, _("Đã xác nhận bạn hoàn thành nghĩa vụ tài chính."), tone="ok")
    if action == "approve_extension":
        extension = extensions.get(payload.get("extension"))
        details = [_("Ngày hẹn trả mới: %(when)s.") % {"when": _moment(payload.get("new_appointment"))}]
        if extension is not None and extension.reason:
            details.append(_("Lý do chậm: %(reason)s") % {"reason": extension.reason})
        return TimelineEntry(
            at, _("Cơ quan xin lỗi vì giải quyết chậm và hẹn lại ngày trả kết quả."), details, "late"
        )
    if action == "notify_early_return":
        return TimelineEntry(at, _("Kết quả đã sẵn sàng trước ngày hẹn; bạn có thể nhận sớm."), tone="ok")
    if action == "return_result":
        channel = dict(ResultChannel.choices).get(payload.get("channel", ""), "")
        title = (
            _("Kết quả đã được trả (%(channel)s).") % {"channel": str(channel).lower()}
            if channel
            else _("Kết quả đã được trả.")
        )
        return TimelineEntry(at, title, tone="ok")
    if action == "record_delivery_failure":
        details = (
            [_("Lý do bưu điện báo: %(reason)s") % {"reason": payload["reason"]}]
            if payload.get("reason")
            else []
        )
        details.append(
            _("Bưu điện sẽ liên hệ để phát lại; nếu không phát được, kết quả được chuyển về %(agency)s.")
            % {"agency": receiving}
        )
        return TimelineEntry(at, _("Bưu điện chưa phát được kết quả đến bạn."), details, "wait")
    if action == "withdraw":
        return TimelineEntry(at, _("Hồ sơ đã được rút."), because)
    if action == "stop":
        return TimelineEntry(at, _("Cơ quan dừng xử lý hồ sơ."), because, "late")
    return None


def lateness_reasons(dossier, steps, now: datetime | None = None) -> list[str]:
    """Why the dossier is (or was) late, from facts meant for the applicant: the apology, late steps and
    unanswered consultations, named by agency only."""
    now = now or timezone.now()
    reasons = []
    for extension in dossier.extensions.all():
        if extension.state == DossierExtension.State.APPROVED:
            reasons.append(
                _("Cơ quan đã xin lỗi và hẹn lại ngày trả kết quả %(when)s. Lý do: %(reason)s")
                % {"when": _moment(extension.new_appointment), "reason": extension.reason}
            )
    for step in steps:
        if step.kind == DossierStep.Kind.RECEPTION:
            continue
        late = step.timeliness == Timeliness.LATE or (
            step.finished_at is None
            and step.due_at is not None
            and step.started_at is not None
            and now > step.due_at
        )
        if late:
            reasons.append(
                _("Bước “%(step)s” tại %(agency)s chậm so với thời gian quy định.")
                % {"step": step.name, "agency": step.agency.name}
            )
    for consultation in dossier.consultations.all():
        if consultation.answered_at is None and consultation.is_late:
            reasons.append(
                _("%(agency)s chưa gửi ý kiến đúng hạn.") % {"agency": consultation.asked_agency.name}
            )
    return reasons


def results_available(dossier) -> bool:
    """Result files are the applicant's once returned, or as soon as they are issued for an online return."""
    if dossier.status == DossierStatus.RETURNED:
        return True
    return dossier.status == DossierStatus.RESOLVED and dossier.result_channel == ResultChannel.ONLINE


# --- My dossiers: pages ---------------------------------------------------------------------------------------


LIST_FILTERS = {
    "dang-giai-quyet": [
        DossierStatus.SUBMITTED,
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.AWAITING_PAYMENT,
    ],
    "can-bo-sung": [DossierStatus.SUPPLEMENT_REQUESTED, DossierStatus.AWAITING_PAYMENT],
    "da-co-ket-qua": [DossierStatus.RESOLVED, DossierStatus.RETURNED],
}


def _my_dossiers(user):
    """The account's own dossiers (never those it sees as staff), ready to list without a query per row."""
    open_steps = DossierStep.objects.filter(
        started_at__isnull=False, finished_at__isnull=True
    ).select_related("agency")
    return (
        dossier_reads.dossier_queryset_for(user)
        .filter(owner=user)
        .select_related(*dossier_reads.LIST_RELATED)
        .prefetch_related(Prefetch("steps", queryset=open_steps, to_attr="open_steps"))
        .order_by("-submitted_at", "-pk")
    )


def _my_dossier(user, code: str, *, detail: bool = False):
    """The account's own dossier ``code``; 404 for unknown codes and for dossiers of anyone else."""
    reader = dossier_reads.dossier_detail_for if detail else dossier_reads.dossier_get_for
    dossier = _or_404(reader, user, code)
    if dossier.owner_id != user.pk:
        raise Http404(_("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code})
    return dossier


@login_required
@require_safe
def my_dossiers(request):
    chosen = request.GET.get("loc", "")
    dossiers = _my_dossiers(request.user)
    if chosen in LIST_FILTERS:
        dossiers = dossiers.filter(status__in=LIST_FILTERS[chosen])
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = [dossier.code for dossier in page.object_list]
    unread = dict(
        inbox.portal_messages_for(user=request.user)
        .filter(read_at__isnull=True, reference__in=codes)
        .order_by()
        .values_list("reference")
        .annotate(count=Count("pk"))
    )
    now = timezone.now()
    rows = [
        {
            "dossier": dossier,
            "holder": holder_text(dossier),
            "timing": timing_of(dossier, now),
            "unread": unread.get(dossier.code, 0),
        }
        for dossier in page.object_list
    ]
    return render(
        request,
        "portal/dossiers/my_list.html",
        {
            "page": page,
            "rows": rows,
            "chosen": chosen,
            "filters": [
                ("", _("Tất cả")),
                ("dang-giai-quyet", _("Đang giải quyết")),
                ("can-bo-sung", _("Cần bạn bổ sung")),
                ("da-co-ket-qua", _("Đã có kết quả")),
            ],
            "draft_count": submission.drafts_for(request.user).count(),
        },
    )


def _detail_context(request, dossier, *, supplement_errors=None, supplement_form=None) -> dict:
    events = list(dossier_reads.dossier_events(dossier))
    steps = list(dossier_reads.control_sheet(dossier))
    dossier.open_steps = [s for s in steps if s.started_at is not None and s.finished_at is None]
    now = timezone.now()
    timing = timing_of(dossier, now)
    pending_supplement = None
    if dossier.status == DossierStatus.SUPPLEMENT_REQUESTED:
        pending_supplement = next(
            (s for s in reversed(list(dossier.supplements.all())) if s.resolved_at is None), None
        )
    components = dossier_reads.case_components_of(dossier) if pending_supplement else []
    box = list(inbox.portal_messages_for(user=request.user).filter(reference=dossier.code))
    # Read here for a dossier awaiting reception (the fees panel reuses it): are its "thu trước" fees unpaid?
    payments = payment_summary_for(dossier) if dossier.status == DossierStatus.SUBMITTED else None
    fees_first = bool(payments and payments.blocks_reception)
    return {
        "dossier": dossier,
        "timeline": timeline_of(dossier, events, steps),
        "steps": [step for step in steps if step.kind != DossierStep.Kind.RECEPTION or step.finished_at],
        "holder": holder_text(dossier),
        "timing": timing,
        "late_reasons": lateness_reasons(dossier, steps, now) if timing.late else [],
        "next_steps": next_steps_text(dossier, fees_first=fees_first),
        "fees_first": fees_first,
        "payments": payments,
        "results_available": results_available(dossier),
        "results": list(dossier.results.all()),
        "components": list(dossier.components.all()),
        "pending_supplement": pending_supplement,
        "supplement_components": [
            {
                "component": component,
                "field_id": f"file_{component.pk}",
                "accept": ",".join(f".{ext}" for ext in component.accepted_extensions),
                "errors": (supplement_errors or {}).get(component.pk, []),
            }
            for component in components
        ],
        "supplement_other_errors": (supplement_errors or {}).get("other", []),
        "supplement_form": supplement_form or SupplementNoteForm(),
        "supplement_rule": SupplementInterval.Rule,
        "inbox": box,
        "unread_count": sum(1 for message in box if message.read_at is None),
    }


@login_required
@require_safe
def dossier_detail(request, code: str):
    dossier = _my_dossier(request.user, code, detail=True)
    return render(request, "portal/dossiers/my_detail.html", _detail_context(request, dossier))


@login_required
@require_safe
def dossier_submitted(request, code: str):
    """Straight after submission: the dossier code and what happens next."""
    dossier = _my_dossier(request.user, code)
    fees_first = waits_for_fees(dossier)
    return render(
        request,
        "portal/dossiers/submitted.html",
        {
            "dossier": dossier,
            "next_steps": next_steps_text(dossier, fees_first=fees_first),
            "fees_first": fees_first,
        },
    )


@login_required
@require_POST
def dossier_supplement(request, code: str):
    """Answer a supplement request: the missing documents, uploaded on the dossier page."""
    dossier = _my_dossier(request.user, code, detail=True)
    components = {component.pk: component for component in dossier_reads.case_components_of(dossier)}
    uploads, _reuse = _posted_by_component(request)
    other_files = request.FILES.getlist("file_other")
    form = SupplementNoteForm(request.POST)
    form.is_valid()
    other_name = form.cleaned_data.get("other_name", "")
    errors: dict = {}
    page_error = ""
    documents = []
    if set(uploads) - set(components):
        page_error = _("Giấy tờ được gửi lên không thuộc thủ tục của hồ sơ này; không có gì được lưu.")
    else:
        # Checked here as well as in the service, so each message sits next to its own upload field.
        for component_id, files in uploads.items():
            for uploaded in files:
                try:
                    check_component_upload(components[component_id], uploaded)
                except ValidationFailed as error:
                    errors.setdefault(component_id, []).append(error.message)
            documents.append(
                dossier_services.DocumentData(case_component=components[component_id], files=files)
            )
        for uploaded in other_files:
            try:
                check_component_upload(None, uploaded)
            except ValidationFailed as error:
                errors.setdefault("other", []).append(error.message)
        if other_files and not other_name:
            form.add_error("other_name", _("Vui lòng ghi tên giấy tờ đính kèm."))
        elif other_name and not other_files:
            errors.setdefault("other", []).append(
                _("Vui lòng đính kèm tệp cho giấy tờ “%(name)s”.") % {"name": other_name}
            )
        elif other_files:
            documents.append(dossier_services.DocumentData(name=other_name, files=other_files))
    status = 422
    if page_error or errors or form.errors:
        page_error = page_error or _("Hồ sơ bổ sung chưa được gửi; vui lòng sửa các mục được đánh dấu.")
    else:
        revision = int(request.POST["revision"]) if request.POST.get("revision", "").isdigit() else -1
        try:
            dossier_services.dossier_submit_supplement(
                dossier=dossier,
                actor=request.user,
                revision=revision,
                documents=documents,
                origin=_origin(request),
            )
        except ApplicationError as error:
            page_error, status = error.message, _status_for(error)
        else:
            messages.success(request, _("Đã gửi hồ sơ bổ sung. Cơ quan sẽ giải quyết tiếp hồ sơ của bạn."))
            return redirect("citizen:dossier_detail", dossier.code)
    context = _detail_context(request, dossier, supplement_errors=errors, supplement_form=form)
    context["supplement_error"] = page_error
    return render(request, "portal/dossiers/my_detail.html", context, status=status)


def _file_response(field_file, name: str):
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError as error:
        raise Http404(_("Không tìm thấy tệp.")) from error
    return FileResponse(handle, as_attachment=True, filename=name or field_file.name.rsplit("/", 1)[-1])


@login_required
@require_safe
def result_download(request, code: str, result_id: int):
    dossier = _my_dossier(request.user, code)
    if not results_available(dossier):
        raise Http404(_("Kết quả chưa được trả."))
    result = _or_404(dossier_reads.dossier_result_get, dossier, result_id)
    return _file_response(result.file, result.original_name or f"{result.code}.pdf")


@login_required
@require_safe
def dossier_file_download(request, code: str, file_id: int):
    """A file the applicant handed in with this dossier."""
    dossier = _my_dossier(request.user, code)
    item = _or_404(dossier_reads.dossier_file_get, dossier, file_id)
    return _file_response(item.file, item.original_name)


@login_required
@require_POST
def messages_mark_read(request, code: str):
    """Mark one message of the agency about this dossier (or all of them) as read."""
    dossier = _my_dossier(request.user, code)
    box = inbox.portal_messages_for(user=request.user).filter(reference=dossier.code, read_at__isnull=True)
    chosen = request.POST.get("message", "")
    if chosen != "all":
        if not chosen.isdigit():
            raise Http404(_("Không tìm thấy thông báo."))
        box = box.filter(pk=int(chosen))
        if not box.exists():
            raise Http404(_("Không tìm thấy thông báo."))
    for message in box:
        inbox_services.portal_message_mark_read(message=message, user=request.user)
    return redirect(reverse("citizen:dossier_detail", args=[dossier.code]) + "#thong-bao")
