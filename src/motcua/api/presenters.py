"""Turn domain objects (already loaded by selectors) into the API's response shapes. No queries here."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, Level, OneStopUnit
from motcua.catalog.models import (
    CaseComponent,
    Fee,
    ProcedureAgency,
    ProcedureCase,
    ProcedureVersion,
    TimeUnit,
)

# The portal serves a component's form file at this address (see motcua.portal).
FORM_DOWNLOAD_PATH = "/thu-tuc/{national_code}/mau/{component_id}/"


@cache
def _labels(choices, language: str) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def label(choices, value: str) -> str:
    """The display label of ``value`` in the active language; like ``get_FOO_display()``, without its cost
    (Django rebuilds and hashes the whole choice list, translating every label, on each call)."""
    return _labels(choices, get_language() or "vi").get(value, value)


def _amount_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return number_format(value.normalize(), use_l10n=True)


def processing_time(case: ProcedureCase) -> dict:
    unit_label = label(TimeUnit, case.time_unit)
    online = case.online_processing_time
    return {
        "amount": float(case.processing_time),
        "unit": case.time_unit,
        "unit_label": unit_label,
        "online_amount": None if online is None else float(online),
        "text": _("%(amount)s %(unit)s") % {"amount": _amount_text(case.processing_time), "unit": unit_label},
    }


def procedure_agency(role: ProcedureAgency) -> dict:
    agency = role.agency
    return {
        "role": role.role,
        "role_label": label(ProcedureAgency.Role, role.role),
        "code": agency.code if agency else role.external_code,
        "code_qd20": agency.code_qd20 if agency else "",
        "name": agency.name if agency else role.external_name,
        "in_province": agency is not None,
    }


def procedure_summary(version: ProcedureVersion) -> dict:
    """The list shape; needs ``procedure``, ``field``, ``cases`` and ``agency_roles`` loaded."""
    cases = list(version.cases.all())
    return {
        "national_code": version.procedure.national_code,
        "local_code": version.procedure.local_code,
        "name": version.name,
        "field": {"code": version.field.code, "name": version.field.name} if version.field else None,
        "levels": version.levels,
        "online_service_level": version.online_service_level,
        "fully_online": version.is_fully_online,
        "processing_time": processing_time(cases[0]) if cases else None,
        "agencies": [procedure_agency(role) for role in version.agency_roles.all()],
    }


def component(item: CaseComponent, *, national_code: str, request: HttpRequest) -> dict:
    download = None
    if item.form_file:
        download = request.build_absolute_uri(
            FORM_DOWNLOAD_PATH.format(national_code=national_code, component_id=item.pk)
        )
    return {
        "id": item.pk,
        "order": item.order,
        "code": item.code,
        "name": item.name,
        "originals": item.originals,
        "copies": item.copies,
        "is_required": item.is_required,
        "accepted_types": item.accepted_extensions,
        "max_size_mb": item.max_size_mb,
        "form_name": item.form_name,
        "form_download_url": download,
        "form_url": item.form_url,
        "replaceable_by_result_code": item.replaceable_by_result_code,
    }


def fee(item: Fee) -> dict:
    return {
        "kind": item.kind,
        "kind_label": label(Fee.Kind, item.kind),
        "code": item.code,
        "amount": item.amount,
        "description": item.description,
        "timing": item.timing,
        "timing_label": label(Fee.Timing, item.timing),
        "channel": item.channel or None,
        "case_id": item.case_id,
        "exemptions": item.exemptions,
    }


def procedure_detail(version: ProcedureVersion, *, request: HttpRequest) -> dict:
    """The full shape; needs everything ``catalog.selectors.procedure_in_force`` loads."""
    code = version.procedure.national_code
    return {
        **procedure_summary(version),
        "version": {
            "number": version.number,
            # In the province's time zone (+07:00) rather than UTC, as people read it.
            "effective_from": timezone.localtime(version.effective_from),
            "publication_decision": version.publication_decision,
        },
        "procedure_type": version.procedure_type,
        "description": version.description,
        "sequence": version.sequence,
        "sequence_steps": [
            {"order": step.order, "case_name": step.case_name, "text": step.text}
            for step in version.sequence_steps.all()
        ],
        "method": version.method,
        "subjects": version.subjects,
        "requirements": version.requirements,
        "result_description": version.result_description,
        "reception_address": version.reception_address,
        "fee_description": version.fee_description,
        "postal_submission_allowed": version.postal_submission_allowed,
        "postal_return_allowed": version.postal_return_allowed,
        "online_payment_offered": version.online_payment_offered,
        "is_interconnected": version.is_interconnected,
        "cross_boundary_allowed": version.cross_boundary_allowed,
        "cases": [
            {
                "id": case.pk,
                "order": case.order,
                "name": case.name,
                "processing_time": processing_time(case),
                "no_appointment": case.no_appointment,
                "accepted_online": case.accepted_online,
                "supplement_rule": case.supplement_rule,
                "description": case.description,
                "components": [
                    component(item, national_code=code, request=request) for item in case.components.all()
                ],
            }
            for case in version.cases.all()
        ],
        "fees": [fee(item) for item in version.fees.all()],
        "results": [
            {
                "code": result.code,
                "name": result.name,
                "template_name": result.template_name,
                "template_url": result.template_url,
            }
            for result in version.results.all()
        ],
        "legal_bases": [
            {
                "number": basis.number,
                "title": basis.title,
                "issuer": basis.issuer,
                "issued_on": basis.issued_on,
                "effective_on": basis.effective_on,
                "url": basis.url,
            }
            for basis in version.legal_bases.all()
        ],
    }


def working_hours(unit: OneStopUnit) -> dict:
    return {
        "morning_start": unit.morning_start,
        "morning_end": unit.morning_end,
        "afternoon_start": unit.afternoon_start,
        "afternoon_end": unit.afternoon_end,
        "paper_cutoff": unit.paper_cutoff,
        "saturday_morning_open": unit.saturday_morning_open,
    }


def agency(item: Agency) -> dict:
    """Needs ``parent`` and ``one_stop_unit`` loaded (``agencies.selectors.agency_list``)."""
    try:
        unit = item.one_stop_unit
    except OneStopUnit.DoesNotExist:
        unit = None
    return {
        "code": item.code,
        "code_qd20": item.code_qd20,
        "name": item.name,
        "short_name": item.short_name,
        "level": item.level,
        "level_label": label(Level, item.level),
        "kind": item.kind,
        "kind_label": label(Agency.Kind, item.kind),
        "parent_code": item.parent.code if item.parent_id else None,
        "address": item.address,
        "phone": item.phone,
        "email": item.email,
        "is_one_stop_unit": unit is not None,
        "working_hours": working_hours(unit) if unit else None,
    }
