"""Helpers shared by the back-office views: the dossier lookup behind the access gate, error statuses, paging."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from motcua.core.errors import Conflict, NotFound, PermissionDenied
from motcua.dossiers.selectors import dossier_detail_for, dossier_get_for

PAGE_SIZE = 25


def dossier_or_404(request, code: str, *, detail: bool = False):
    """The dossier if the officer may see it; 404 for unknown and forbidden alike (codes cannot be probed)."""
    try:
        return (dossier_detail_for if detail else dossier_get_for)(request.user, code)
    except NotFound as error:
        raise Http404(error.message) from error


def error_status(error) -> int:
    """HTTP status of a page re-shown because of a domain error."""
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, PermissionDenied):
        return 403
    return 422


def page_of(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
