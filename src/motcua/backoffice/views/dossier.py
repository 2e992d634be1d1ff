"""The dossier page, its actions, file downloads and the official forms (Mẫu 01–06) as PDF.

Every action is a POST to ``ho-so/<code>/thao-tac/<transition>/``. An action the page did not offer is
refused before any service runs; a stale revision shows the conflict message on the reloaded page with what
the officer typed; any other domain error is shown on the form. State changes only through the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from motcua.core.errors import ApplicationError, Conflict, NotFound
from motcua.dossiers.models import DossierExtension, ResultChannel
from motcua.dossiers.selectors import (
    control_sheet,
    dossier_events,
    dossier_fees,
    dossier_file_get,
    dossier_result_get,
)
from motcua.dossiers.workflow import TRANSITIONS, DossierStatus, Substate, available_transitions
from motcua.postal.models import Direction, OrderStatus
from motcua.postal.selectors import orders_for_dossier

from ..access import client_address, staff_required
from ..actions import ACTION_FORMS, ActionContext
from .common import dossier_or_404, error_status

# Official forms (TT 01/2018/TT-VPCP): number -> title.
PAPERWORK_FORMS = {
    "01": gettext_lazy("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "02": gettext_lazy("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "03": gettext_lazy("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "04": gettext_lazy("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    "05": gettext_lazy("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
    "06": gettext_lazy("Sổ theo dõi hồ sơ"),
}
STALE_MESSAGE = gettext_lazy("Hồ sơ vừa được thay đổi, vui lòng tải lại.")
# File types a browser shows itself; everything else is downloaded.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp"}


def paperwork_for(dossier) -> list[dict]:
    """The forms that exist for the dossier in its current state (uses the prefetched details)."""
    received = dossier.received_at is not None
    refused = dossier.status == DossierStatus.NOT_RECEIVED or dossier.substate == Substate.REFUSED
    apologised = any(e.state == DossierExtension.State.APPROVED for e in dossier.extensions.all())
    present = {
        "01": received,
        "02": bool(dossier.supplements.all()),
        "03": refused,
        "04": apologised,
        "05": received,
        "06": received,
    }
    return [
        {"number": number, "title": PAPERWORK_FORMS[number]} for number, shown in present.items() if shown
    ]


def _control_rows(dossier) -> list[dict]:
    """Mẫu 05 rows: every step, who handed it over and who received it, for how long, and how it ended."""
    rows, previous_stage, previous_agencies = [], None, []
    by_stage: dict[int, list] = {}
    steps = list(control_sheet(dossier))
    for step in steps:
        by_stage.setdefault(step.stage, []).append(step)
    stages = sorted(by_stage)
    for step in steps:
        position = stages.index(step.stage)
        if step.stage != previous_stage:
            previous_agencies = (
                list({s.agency_id: s.agency for s in by_stage[stages[position - 1]]}.values())
                if position
                else []
            )
            previous_stage = step.stage
        rows.append(
            {
                "step": step,
                "from_agencies": previous_agencies,
                "holder": step.finished_by or step.assignee,
                "state": "done" if step.finished_at else ("open" if step.started_at else "planned"),
            }
        )
    return rows


def _timeline(dossier) -> list[dict]:
    return [
        {
            "event": event,
            "label": TRANSITIONS[event.action].label if event.action in TRANSITIONS else event.action,
            "from_status": DossierStatus(event.from_status).label if event.from_status else "",
            "to_status": DossierStatus(event.to_status).label,
            "changed": event.from_status != event.to_status,
        }
        for event in dossier_events(dossier)
    ]


def postal_return_offer(dossier, offered: set[str]) -> dict | None:
    """For a resolved dossier whose applicant chose the post, what the return officer is offered instead of
    a plain "Trả kết quả": the postal send page, or the shipment already under way. None otherwise (and for
    officers who do not return results: neither return nor the early-return notice is offered to them)."""
    if dossier.status != DossierStatus.RESOLVED or dossier.result_channel != ResultChannel.POSTAL:
        return None
    if not offered & {"return_result", "notify_early_return"}:
        return None
    live = (
        orders_for_dossier(dossier)
        .filter(direction=Direction.OUTBOUND)
        .exclude(status__in=(OrderStatus.CANCELLED, OrderStatus.RETURNED))
        .last()
    )
    return {"live": live}


def render_dossier(request, dossier, *, bound=None, status: int = 200, error: str = ""):
    """The dossier page; ``bound`` is an action form to show again with what the officer typed."""
    context = ActionContext(dossier=dossier, user=request.user, agency_ids=request.desk.agency_ids)
    transitions = available_transitions(dossier, request.user)
    action_forms = []
    for transition in transitions:
        form_class = ACTION_FORMS.get(transition.name)
        if form_class is None:  # pragma: no cover - every staff transition has a form (tested)
            continue
        if bound is not None and bound.action == transition.name:
            action_forms.append(bound)
        else:
            action_forms.append(form_class(context=context))
    offered = {t.name for t in transitions}
    stale = bound if bound is not None and bound.action not in offered else None
    postal_offer = postal_return_offer(dossier, offered)
    return render(
        request,
        "backoffice/dossier_detail.html",
        {
            "dossier": dossier,
            "action_forms": action_forms,
            "postal_offer": postal_offer,
            "open_action": bound.action if bound is not None else "",
            "stale_form": stale,
            "error": error,
            "components": list(dossier.components.all()),
            "results": list(dossier.results.all()),
            "fees": dossier_fees(dossier),
            "control_rows": _control_rows(dossier),
            "timeline": _timeline(dossier),
            "consultations": list(dossier.consultations.all()),
            "supplements": list(dossier.supplements.all()),
            "extensions": list(dossier.extensions.all()),
            "paperwork": paperwork_for(dossier),
            "just_received": request.GET.get("moi") == "1",
        },
        status=status,
    )


@require_safe
@staff_required
def dossier_detail(request, code: str):
    return render_dossier(request, dossier_or_404(request, code, detail=True))


@require_POST
@staff_required
def dossier_action(request, code: str, action: str):
    dossier = dossier_or_404(request, code, detail=True)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    context = ActionContext(dossier=dossier, user=request.user, agency_ids=request.desk.agency_ids)
    if action not in {t.name for t in available_transitions(dossier, request.user)}:
        if request.POST.get(f"{action}-revision", str(dossier.revision)) != str(dossier.revision):
            # The page was stale: the dossier moved on and the action went away. Show what was typed.
            stale = form_class(request.POST, context=context)
            return render_dossier(request, dossier, bound=stale, status=409, error=str(STALE_MESSAGE))
        # A forced request (an action the page does not offer): refused before any service runs.
        return render_dossier(
            request,
            dossier,
            status=403,
            error=_(
                "Không thể thực hiện “%(action)s”: thao tác này không được phép với hồ sơ ở trạng thái hiện tại "
                "hoặc với vai trò của bạn. Hồ sơ không thay đổi."
            )
            % {"action": TRANSITIONS[action].label},
        )
    form = form_class(request.POST, request.FILES, context=context)
    if not form.is_valid():
        if any(field.errors for field in form.hidden_fields()):
            form.add_error(None, _("Dữ liệu gửi lên không đầy đủ; vui lòng tải lại trang rồi thực hiện lại."))
        return render_dossier(request, dossier, bound=form, status=422)
    try:
        form.run(origin=client_address(request))
    except Conflict as conflict:
        fresh = dossier_or_404(request, code, detail=True)
        fresh_context = ActionContext(dossier=fresh, user=request.user, agency_ids=request.desk.agency_ids)
        again = form.rebind(fresh_context)
        again.is_valid()
        message = conflict.message
        if form.has_files:
            message += " " + _("Các tệp đã chọn cần chọn lại.")
        return render_dossier(request, fresh, bound=again, status=409, error=message)
    except ApplicationError as refusal:
        form.add_error(None, refusal.message)
        return render_dossier(request, dossier, bound=form, status=error_status(refusal))
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": form.label})
    return redirect("backoffice:dossier", code=dossier.code)


def _file_response(stored, *, name: str, content_type: str):
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("Tệp không còn trong kho lưu trữ.")) from error
    return FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type not in INLINE_TYPES,
        filename=name,
    )


@require_safe
@staff_required
def dossier_file(request, code: str, file_id: int):
    dossier = dossier_or_404(request, code)
    try:
        row = dossier_file_get(dossier, file_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return _file_response(row.file, name=row.original_name, content_type=row.content_type)


@require_safe
@staff_required
def result_file(request, code: str, result_id: int):
    dossier = dossier_or_404(request, code)
    try:
        row = dossier_result_get(dossier, result_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return _file_response(row.file, name=row.original_name or f"{row.code}", content_type=row.content_type)


@require_safe
@staff_required
def paperwork(request, code: str, form: str):
    """One of the official forms (Mẫu 01–06) of the dossier as a PDF shown in the browser, ready to print."""
    if form not in PAPERWORK_FORMS:
        raise Http404
    dossier = dossier_or_404(request, code)
    from motcua.paperwork.services import paperwork_document

    try:
        filename, content = paperwork_document(dossier=dossier, form=form, actor=request.user)
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
        return redirect("backoffice:dossier", code=dossier.code)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
