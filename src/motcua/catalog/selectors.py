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
