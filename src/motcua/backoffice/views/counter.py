"""Counter entry of a paper dossier (trực tiếp or bưu chính): procedure, case, applicant, documents, fees.

Three steps on one address: find the procedure (``?q=``), choose its case (``?thu_tuc=<national code>``),
then fill in the dossier (``&truong_hop=<case id>``). Registering calls ``dossier_register_at_counter`` and
opens the dossier page, which offers the receipt (Mẫu 01); refusing calls ``dossier_refuse_at_counter`` and
offers the refusal slip (Mẫu 03).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.catalog.selectors import procedure_in_force, procedure_search
from motcua.core.errors import ApplicationError, NotFound
from motcua.dossiers import services
from motcua.dossiers.selectors import reception_desks_for

from ..access import client_address, staff_required
from ..forms import CounterForm
from .common import error_status

SEARCH_LIMIT = 20


def _fees_for(version, case) -> list:
    return [fee for fee in version.fees.all() if fee.case_id in (None, case.pk)]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def counter_new(request):
    desks = reception_desks_for(request.user)
    if not desks:
        return render(request, "backoffice/counter_forbidden.html", status=403)
    desk = next((agency for agency in desks if agency.pk == request.desk.agency_id), desks[0])
    code = (request.GET.get("thu_tuc") or "").strip()
    if not code:
        query = (request.GET.get("q") or "").strip()
        versions = list(procedure_search(query=query)[:SEARCH_LIMIT]) if query else []
        return render(
            request,
            "backoffice/counter_new.html",
            {"step": "procedure", "query": query, "versions": versions, "desk": desk},
        )
    try:
        version = procedure_in_force(national_code=code)
    except NotFound as error:
        raise Http404(error.message) from error
    cases = list(version.cases.all())
    chosen = request.GET.get("truong_hop", "")
    case = next((c for c in cases if str(c.pk) == chosen), cases[0] if len(cases) == 1 else None)
    if case is None:
        return render(
            request,
            "backoffice/counter_new.html",
            {"step": "case", "version": version, "cases": cases, "desk": desk},
        )
    form = CounterForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        version=version,
        case=case,
        desks=desks,
        desk=desk,
    )
    status = 200
    if request.method == "POST":
        refusing = "tu_choi" in request.POST
        if form.is_valid():
            try:
                dossier = _refuse(request, form, case) if refusing else _register(request, form, case)
            except ApplicationError as refusal:
                form.add_error(None, refusal.message)
                status = error_status(refusal)
            else:
                if dossier is not None:
                    return redirect(reverse("backoffice:dossier", args=[dossier.code]) + "?moi=1")
                status = 422
        else:
            status = 422
    return render(
        request,
        "backoffice/counter_new.html",
        {
            "step": "dossier",
            "version": version,
            "case": case,
            "cases": cases,
            "form": form,
            "fees": _fees_for(version, case),
            "desk": desk,
        },
        status=status,
    )


def _register(request, form: CounterForm, case):
    missing = form.missing_required()
    if missing:
        form.add_error(
            None,
            _(
                "Hồ sơ còn thiếu giấy tờ bắt buộc: %(names)s. Hãy hướng dẫn người nộp bổ sung, hoặc từ chối "
                "tiếp nhận nếu hồ sơ không đủ điều kiện."
            )
            % {"names": "; ".join(missing)},
        )
        return None
    receiving, competent = form.agencies()
    data = form.cleaned_data
    return services.dossier_register_at_counter(
        actor=request.user,
        procedure_case=case,
        receiving_agency=receiving,
        competent_agency=competent,
        applicant=form.applicant(),
        documents=form.documents(),
        summary=data["summary"],
        channel=data["channel"],
        result_channel=data["result_channel"],
        submitted_at=data["submitted_at"],
        submitter=form.submitter(),
        origin=client_address(request),
    )


def _refuse(request, form: CounterForm, case):
    data = form.cleaned_data
    if not (data.get("refusal_reason") or "").strip():
        form.add_error("refusal_reason", _("Vui lòng nêu lý do từ chối tiếp nhận."))
        return None
    receiving, competent = form.agencies()
    return services.dossier_refuse_at_counter(
        actor=request.user,
        procedure_case=case,
        receiving_agency=receiving,
        competent_agency=competent,
        applicant=form.applicant(),
        reason=data["refusal_reason"],
        summary=data["summary"],
        channel=data["channel"],
        origin=client_address(request),
    )
