"""Public catalog pages: home, procedure search and browsing by agency and field, the procedure page.

Views translate the query string, call one selector and render; no view changes state.
"""

from __future__ import annotations

import posixpath

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from motcua.agencies.models import Level
from motcua.agencies.selectors import agency_get
from motcua.catalog import selectors as catalog
from motcua.core.errors import NotFound

from .forms import ProcedureFilterForm, ScopedSearchForm

PAGE_SIZE = 20
# The agency filter lists province- and district-level agencies; communes are reached from /co-quan/.
FILTER_AGENCY_LEVELS = [Level.PROVINCE, Level.DISTRICT]


def _or_404(selector, **kwargs):
    try:
        return selector(**kwargs)
    except NotFound as error:
        raise Http404(error.message) from error


def _page(request, versions):
    return Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))


def _present_levels(overview: dict) -> list[str]:
    return [level for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE) if overview.get(level)]


@require_safe
def home(request):
    overview = catalog.catalog_overview()
    agencies = list(catalog.agencies_with_procedure_counts(levels=FILTER_AGENCY_LEVELS)[:8])
    fields = sorted(catalog.fields_with_procedure_counts(), key=lambda f: (-f.procedure_count, f.name))
    level_labels = dict(Level.choices)
    return render(
        request,
        "portal/home.html",
        {
            "overview": overview,
            "levels": [(level, level_labels[level], overview[level]) for level in _present_levels(overview)],
            "fields": fields[:12],
            "more_fields": len(fields) > 12,
            "agencies": agencies,
            "most_used": catalog.most_used_procedures(limit=6),
        },
    )


@require_safe
def procedure_list(request):
    overview = catalog.catalog_overview()
    selected_agency = request.GET.get("agency", "")
    agencies = list(catalog.agencies_with_procedure_counts(levels=FILTER_AGENCY_LEVELS))
    if selected_agency and all(a.code != selected_agency for a in agencies):
        # A commune agency chosen from its own page stays selectable.
        agencies += [a for a in catalog.agencies_with_procedure_counts() if a.code == selected_agency]
    form = ProcedureFilterForm(
        request.GET or None,
        agencies=agencies,
        fields=catalog.fields_with_procedure_counts(),
        levels=_present_levels(overview),
    )
    filters = form.filters()
    page = _page(request, catalog.procedure_browse(**filters))
    return render(
        request,
        "portal/procedure_list.html",
        {"form": form, "page": page, "query": filters["query"], "is_filtered": form.is_filtered},
    )


@require_safe
def procedure_detail(request, national_code: str):
    version = _or_404(catalog.procedure_in_force, national_code=national_code)
    roles: dict[str, list] = {}
    for role in version.agency_roles.all():
        roles.setdefault(role.role, []).append(role)
    fees = list(version.fees.all())
    cases = [
        {"case": case, "fees": [fee for fee in fees if fee.case_id in (None, case.pk)]}
        for case in version.cases.all()
    ]
    steps: dict[str, list] = {}
    for step in version.sequence_steps.all():
        steps.setdefault(step.case_name, []).append(step)
    return render(
        request,
        "portal/procedure_detail.html",
        {
            "version": version,
            "procedure": version.procedure,
            "roles": roles,
            "cases": cases,
            "steps": steps,
            "results": list(version.results.all()),
            "legal_bases": list(version.legal_bases.all()),
        },
    )


@require_safe
def component_form_download(request, national_code: str, component_id: int):
    component = _or_404(
        catalog.case_component_form_get, national_code=national_code, component_id=component_id
    )
    try:
        handle = component.form_file.open("rb")
    except FileNotFoundError as error:
        raise Http404(str(error)) from error
    return FileResponse(handle, as_attachment=True, filename=posixpath.basename(component.form_file.name))


@require_safe
def agency_list(request):
    groups: dict[str, list] = {}
    for agency in catalog.agencies_with_procedure_counts():
        groups.setdefault(agency.level, []).append(agency)
    level_labels = dict(Level.choices)
    return render(
        request,
        "portal/agency_list.html",
        {"groups": [(level, level_labels.get(level, level), agencies) for level, agencies in groups.items()]},
    )


@require_safe
def agency_detail(request, code: str):
    agency = _or_404(agency_get, code=code)
    form = ScopedSearchForm(request.GET or None)
    query = form.query()
    page = _page(request, catalog.procedure_browse(query=query, agency_code=agency.code))
    return render(
        request, "portal/agency_detail.html", {"agency": agency, "form": form, "page": page, "query": query}
    )


@require_safe
def field_list(request):
    return render(request, "portal/field_list.html", {"fields": catalog.fields_with_procedure_counts()})


@require_safe
def field_detail(request, code: str):
    field = _or_404(catalog.field_get, code=code)
    form = ScopedSearchForm(request.GET or None)
    query = form.query()
    page = _page(request, catalog.procedure_browse(query=query, field_code=field.code))
    return render(
        request, "portal/field_detail.html", {"field": field, "form": form, "page": page, "query": query}
    )
