"""Reads of agencies and one-stop units."""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.text import fold, search_terms

from .models import Agency, Level, StaffMembership, StaffRole

LEVEL_ORDER = [Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]


def agency_list(*, level: str = "", kind: str = "", query: str = "") -> QuerySet[Agency]:
    """Active agencies, province level first then by name, with parent and one-stop unit loaded.

    ``query`` matches every term against the name, short name and both codes, ignoring diacritics and case.
    Agencies carry no folded search column, so the terms are matched in Python over the (few hundred)
    candidates and the result stays a queryset for counting and paging.
    """
    agencies = Agency.objects.filter(is_active=True)
    if level:
        if level not in Level.values:
            raise ValidationFailed(_("Cấp phải là province, district hoặc commune."))
        agencies = agencies.filter(level=level)
    if kind:
        if kind not in Agency.Kind.values:
            raise ValidationFailed(_("Loại cơ quan không hợp lệ."))
        agencies = agencies.filter(kind=kind)
    terms = search_terms(query)
    if terms:
        candidates = agencies.values_list("pk", "name", "short_name", "code", "code_qd20")
        matching = [pk for pk, *texts in candidates if all(term in fold(" ".join(texts)) for term in terms)]
        agencies = agencies.filter(pk__in=matching)
    level_rank = Case(
        *(When(level=value, then=Value(rank)) for rank, value in enumerate(LEVEL_ORDER)),
        default=Value(len(LEVEL_ORDER)),
        output_field=IntegerField(),
    )
    return (
        agencies.select_related("parent", "one_stop_unit")
        .annotate(level_rank=level_rank)
        .order_by("level_rank", "name", "code")
    )


def agency_get(*, code: str) -> Agency:
    """The active agency whose code (QCVN 102:2016 or QĐ 20/2020) is ``code``; raises ``NotFound``."""
    agency = (
        Agency.objects.filter(is_active=True)
        .filter(Q(code=code) | Q(code_qd20=code))
        .select_related("parent", "administrative_unit")
        .order_by("pk")
        .first()
    )
    if agency is None:
        raise NotFound(_("Không tìm thấy cơ quan có mã %(code)s.") % {"code": code})
    return agency


# --- Monitoring: whose figures and dossiers a supervisor may look at ------------------------------------------

# Roles that watch the indicators of their agencies (the supervisor dashboard, docs/backoffice.md).
MONITORING_ROLES = (StaffRole.SUPERVISOR, StaffRole.LEADER, StaffRole.ADMINISTRATOR)
# A monitoring role at a province-level People's Committee or public-service centre covers the whole province:
# the centre is where the province watches and publishes every agency's results (ND 61/2018, ND 107/2021).
PROVINCE_WIDE_KINDS = (Agency.Kind.PEOPLE_COMMITTEE, Agency.Kind.SERVICE_CENTER)
# Sub-agencies are followed this many levels down (province → district → commune → unit is three).
MONITORING_DEPTH = 6


def monitoring_memberships(user) -> QuerySet[StaffMembership]:
    """The user's active memberships with a monitoring role (none for anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return StaffMembership.objects.none()
    return StaffMembership.objects.filter(user=user, is_active=True, role__in=MONITORING_ROLES)


def monitored_agencies(user) -> QuerySet[Agency]:
    """Agencies whose indicators and dossiers ``user`` may monitor: every agency for superusers and for a
    monitoring role at a province-level People's Committee or public-service centre; otherwise the agencies of
    the user's monitoring memberships and their sub-agencies (``Agency.parent``).

    Built as one SQL condition (no query until evaluated), so the dossier access gate can embed it.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    memberships = monitoring_memberships(user)
    roots = memberships.values("agency_id")
    under = Q(pk__in=roots)
    path = "parent"
    for _depth in range(MONITORING_DEPTH):
        under |= Q(**{f"{path}_id__in": roots})
        path += "__parent"
    province_wide = memberships.filter(agency__level=Level.PROVINCE, agency__kind__in=PROVINCE_WIDE_KINDS)
    return Agency.objects.filter(under | Q(Exists(province_wide)))
