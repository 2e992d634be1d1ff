"""Reads of the catalog."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import ProcedureVersion


def version_in_force(*, procedure, at: datetime | None = None) -> ProcedureVersion | None:
    """The published version of ``procedure`` in force at ``at`` (default: now)."""
    at = at or timezone.now()
    return (
        ProcedureVersion.objects.filter(
            procedure=procedure, status=ProcedureVersion.Status.PUBLISHED, effective_from__lte=at
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=at))
        .order_by("-effective_from", "-number")
        .first()
    )


def versions_in_force(at: datetime | None = None) -> QuerySet[ProcedureVersion]:
    """Every procedure's version in force at ``at``: the public catalog."""
    at = at or timezone.now()
    return ProcedureVersion.objects.filter(
        status=ProcedureVersion.Status.PUBLISHED, effective_from__lte=at, procedure__is_active=True
    ).filter(Q(effective_to__isnull=True) | Q(effective_to__gt=at))


def procedure_search(
    *,
    query: str = "",
    agency_code: str = "",
    level: str = "",
    field_code: str = "",
    online_only: bool = False,
    at: datetime | None = None,
) -> QuerySet[ProcedureVersion]:
    """Versions in force matching a diacritic- and case-insensitive query, title matches first.

    Every term must appear in the name, keywords, codes or field; versions whose name holds the whole
    phrase rank first, then those whose name holds every term, then the rest, each by name.
    """
    from django.db.models import Case, IntegerField, Value, When

    from motcua.core.text import search_terms

    versions = versions_in_force(at).select_related("procedure", "field")
    terms = search_terms(query)
    for term in terms:
        versions = versions.filter(search_text__contains=term)
    if agency_code:
        versions = versions.filter(
            Q(agency_roles__agency__code=agency_code) | Q(agency_roles__agency__code_qd20=agency_code)
            | Q(agency_roles__external_code=agency_code)
        ).distinct()
    if level:
        if level not in {"province", "district", "commune"}:
            from django.utils.translation import gettext as _

            from motcua.core.errors import ValidationFailed

            raise ValidationFailed(_("Cấp thực hiện phải là province, district hoặc commune."))
        versions = versions.filter(**{f"at_{level}": True})
    if field_code:
        versions = versions.filter(field__code=field_code)
    if online_only:
        versions = versions.filter(online_service_level__gte=3)
    if terms:
        phrase = " ".join(terms)
        all_in_name = Q()
        for term in terms:
            all_in_name &= Q(search_name__contains=term)
        versions = versions.annotate(
            rank=Case(
                When(search_name__contains=phrase, then=Value(0)),
                When(all_in_name, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("rank", "search_name", "procedure__national_code")
    else:
        versions = versions.order_by("search_name", "procedure__national_code")
    return versions


def procedure_list(
    *,
    query: str = "",
    agency_code: str = "",
    level: str = "",
    field_code: str = "",
    online_only: bool = False,
    at: datetime | None = None,
) -> QuerySet[ProcedureVersion]:
    """``procedure_search`` with what a list shows (cases, agencies) loaded in a fixed number of queries."""
    from django.db.models import Prefetch

    from .models import ProcedureCase

    return procedure_search(
        query=query,
        agency_code=agency_code,
        level=level,
        field_code=field_code,
        online_only=online_only,
        at=at,
    ).prefetch_related(
        Prefetch("cases", queryset=ProcedureCase.objects.order_by("order", "id")),
        Prefetch("agency_roles", queryset=_agency_roles_in_order()),
    )


def procedure_in_force(*, national_code: str, at: datetime | None = None) -> ProcedureVersion:
    """The version of the procedure ``national_code`` in force at ``at``, with everything a citizen reads.

    Raises ``NotFound`` for an unknown code, a procedure not in use in the province, or one with no version
    in force.
    """
    from django.db.models import F, Prefetch
    from django.utils.translation import gettext as _

    from motcua.core.errors import NotFound

    from .models import CaseComponent, Fee, LegalBasis, ProcedureCase, ProcedureResult

    cases = ProcedureCase.objects.order_by("order", "id").prefetch_related(
        Prefetch("components", queryset=CaseComponent.objects.order_by("order", "id"))
    )
    version = (
        versions_in_force(at)
        .filter(procedure__national_code=national_code)
        .select_related("procedure", "field")
        .prefetch_related(
            Prefetch("cases", queryset=cases),
            Prefetch("agency_roles", queryset=_agency_roles_in_order()),
            # Fees for every case first, then each case's own, the same on SQLite and PostgreSQL.
            Prefetch(
                "fees",
                queryset=Fee.objects.order_by(F("case__order").asc(nulls_first=True), "case_id", "channel", "id"),
            ),
            Prefetch("results", queryset=ProcedureResult.objects.order_by("id")),
            Prefetch("legal_bases", queryset=LegalBasis.objects.order_by("id")),
            "sequence_steps",
        )
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise NotFound(
            _("Không tìm thấy thủ tục hành chính có mã %(code)s đang áp dụng.") % {"code": national_code}
        )
    return version


def _agency_roles_in_order():
    """Agency roles with their agency, the implementing agencies first, then in the order recorded."""
    from django.db.models import Case, IntegerField, Value, When

    from .models import ProcedureAgency

    roles = list(ProcedureAgency.Role.values)
    return (
        ProcedureAgency.objects.select_related("agency")
        .annotate(
            role_rank=Case(
                *(When(role=role, then=Value(rank)) for rank, role in enumerate(roles)),
                default=Value(len(roles)),
                output_field=IntegerField(),
            )
        )
        .order_by("role_rank", "id")
    )
