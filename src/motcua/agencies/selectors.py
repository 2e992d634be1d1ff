"""Reads of agencies and one-stop units."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.text import fold, search_terms

from .models import Agency, Level

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
