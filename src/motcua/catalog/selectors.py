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
    phrase rank first, then those whose name holds every term, then the rest, each by name. On PostgreSQL the
    ``search_text LIKE '%term%'`` filters are answered by the trigram index of catalog migration 0004.
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


# --- Public catalog pages (portal) -------------------------------------------------------------------

ONLINE_FILTERS = {
    # value of the portal's "online" filter -> lookup on online_service_level
    "online": {"online_service_level__gte": 3},
    "partial": {"online_service_level": 3},
    "full": {"online_service_level": 4},
}


def _with_list_details(versions: QuerySet[ProcedureVersion]) -> QuerySet[ProcedureVersion]:
    """Prefetch what a result row shows (field, implementing agencies, cases) in a fixed number of queries."""
    from django.db.models import Prefetch

    from .models import ProcedureAgency, ProcedureCase

    return versions.select_related("procedure", "field").prefetch_related(
        Prefetch(
            "agency_roles",
            queryset=ProcedureAgency.objects.filter(role=ProcedureAgency.Role.IMPLEMENTING).select_related(
                "agency"
            ),
            to_attr="implementing_roles",
        ),
        Prefetch("cases", queryset=ProcedureCase.objects.order_by("order", "id"), to_attr="case_list"),
    )


def procedure_browse(
    *,
    query: str = "",
    agency_code: str = "",
    level: str = "",
    field_code: str = "",
    online: str = "",
    postal: bool = False,
    at: datetime | None = None,
) -> QuerySet[ProcedureVersion]:
    """``procedure_search`` plus the portal's filters (online level, postal service), ready for a result list.

    ``online`` is "" (any), "online" (level 3 or 4), "partial" (level 3) or "full" (level 4, toàn trình);
    ``postal`` keeps procedures whose dossier may be submitted or whose result may be returned by post.
    """
    if online and online not in ONLINE_FILTERS:
        from django.utils.translation import gettext as _

        from motcua.core.errors import ValidationFailed

        raise ValidationFailed(_("Mức độ trực tuyến không hợp lệ."))
    versions = procedure_search(
        query=query, agency_code=agency_code, level=level, field_code=field_code, at=at
    )
    if online:
        versions = versions.filter(**ONLINE_FILTERS[online])
    if postal:
        versions = versions.filter(Q(postal_submission_allowed=True) | Q(postal_return_allowed=True))
    return _with_list_details(versions)


def case_component_form_get(*, national_code: str, component_id: int):
    """A component of a published version of ``national_code`` that has a form file to download.

    Raises ``NotFound`` when the component is unknown, belongs to another procedure or to a draft, or has
    no uploaded form.
    """
    from django.utils.translation import gettext as _

    from motcua.core.errors import NotFound

    from .models import CaseComponent

    component = (
        CaseComponent.objects.filter(
            pk=component_id,
            case__version__procedure__national_code=national_code,
            case__version__status__in=[ProcedureVersion.Status.PUBLISHED, ProcedureVersion.Status.RETIRED],
        )
        .exclude(form_file="")
        .first()
    )
    if component is None:
        raise NotFound(_("Không tìm thấy biểu mẫu này."))
    return component


def catalog_overview(*, at: datetime | None = None) -> dict[str, int]:
    """Counts for the portal's home page: procedures in force, online, fully online, and per level."""
    from django.db.models import Count

    return versions_in_force(at).aggregate(
        total=Count("id"),
        online=Count("id", filter=Q(online_service_level__gte=3)),
        fully_online=Count("id", filter=Q(online_service_level=4)),
        postal=Count("id", filter=Q(postal_submission_allowed=True) | Q(postal_return_allowed=True)),
        province=Count("id", filter=Q(at_province=True)),
        district=Count("id", filter=Q(at_district=True)),
        commune=Count("id", filter=Q(at_commune=True)),
    )


def fields_with_procedure_counts(*, at: datetime | None = None):
    """Fields (lĩnh vực) holding at least one procedure in force, each with ``procedure_count``."""
    from django.db.models import Count

    from .models import Field

    in_force = versions_in_force(at).values("pk")
    return (
        Field.objects.annotate(
            procedure_count=Count("versions", filter=Q(versions__in=in_force), distinct=True)
        )
        .filter(procedure_count__gt=0)
        .order_by("name")
    )


def field_get(*, code: str):
    """The field ``code``; raises ``NotFound``."""
    from django.utils.translation import gettext as _

    from motcua.core.errors import NotFound

    from .models import Field

    field = Field.objects.filter(code=code).first()
    if field is None:
        raise NotFound(_("Không tìm thấy lĩnh vực có mã %(code)s.") % {"code": code})
    return field


def agencies_with_procedure_counts(*, at: datetime | None = None, levels: list[str] | None = None):
    """Active agencies with a role in at least one procedure in force, each with ``procedure_count``.

    Ordered province, district, commune level, then by name.
    """
    from django.db.models import Case, Count, IntegerField, Value, When

    from motcua.agencies.models import Agency, Level

    in_force = versions_in_force(at).values("pk")
    agencies = Agency.objects.filter(is_active=True)
    if levels:
        agencies = agencies.filter(level__in=levels)
    return (
        agencies.annotate(
            procedure_count=Count(
                "procedure_roles__version", filter=Q(procedure_roles__version__in=in_force), distinct=True
            ),
            level_order=Case(
                When(level=Level.PROVINCE, then=Value(0)),
                When(level=Level.DISTRICT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .filter(procedure_count__gt=0)
        .order_by("level_order", "name")
    )


def most_used_procedures(*, limit: int = 6, at: datetime | None = None) -> list[ProcedureVersion]:
    """The procedures citizens use most, for the home page.

    The catalog holds no usage figures yet (dossiers come later), so fully online procedures come first,
    then partially online ones, then by name; a dossier-count ranking can replace this without changing
    callers.
    """
    return list(
        _with_list_details(versions_in_force(at)).order_by(
            "-online_service_level", "search_name", "procedure__national_code"
        )[:limit]
    )


def procedure_list(
    *,
    query: str = "",
    agency_code: str = "",
    level: str = "",
    field_code: str = "",
    online_only: bool = False,
    at: datetime | None = None,
) -> QuerySet[ProcedureVersion]:
    """``procedure_search`` with what a list shows (cases, agencies) loaded in a fixed number of queries.

    Only the columns a list shows are selected: the long texts and the raw national package stay in the
    database, which keeps the rows the database sorts small.
    """
    from django.db.models import Prefetch

    from .models import ProcedureCase

    return (
        procedure_search(
            query=query,
            agency_code=agency_code,
            level=level,
            field_code=field_code,
            online_only=online_only,
            at=at,
        )
        .only(*LIST_COLUMNS)
        .prefetch_related(
            Prefetch("cases", queryset=ProcedureCase.objects.order_by("order", "id")),
            Prefetch("agency_roles", queryset=_agency_roles_in_order()),
        )
    )


LIST_COLUMNS = (
    "name",
    "search_name",
    "at_province",
    "at_district",
    "at_commune",
    "online_service_level",
    "procedure__national_code",
    "procedure__local_code",
    "field__code",
    "field__name",
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
