"""Who may use the back office, and at which agency they are working.

Only people with an active staff membership (or superusers) get in. A person who belongs to several agencies
chooses one (kept in the session); the worklists show that agency's work. The access gate of every dossier
stays ``dossiers.selectors.dossier_queryset_for``: the chosen agency narrows lists, never widens access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from motcua.agencies.models import StaffMembership
from motcua.dossiers.selectors import staff_memberships_of

SESSION_AGENCY = "backoffice_agency"


@dataclass
class Desk:
    """The signed-in officer's memberships and the agency they are working at now (None: all of them)."""

    memberships: list[StaffMembership]
    agency: object | None = None
    agencies: list = field(default_factory=list)

    @classmethod
    def for_request(cls, request, memberships: list[StaffMembership]) -> Desk:
        agencies = list({m.agency_id: m.agency for m in memberships}.values())
        chosen = request.session.get(SESSION_AGENCY)
        agency = next((a for a in agencies if a.pk == chosen), None)
        if agency is None and agencies:
            agency = agencies[0]
            request.session[SESSION_AGENCY] = agency.pk
        return cls(memberships=memberships, agency=agency, agencies=agencies)

    @property
    def agency_id(self) -> int | None:
        return self.agency.pk if self.agency is not None else None

    @property
    def roles(self) -> list[str]:
        """Role values at the current agency (every role when working across all agencies)."""
        return [m.role for m in self.memberships if self.agency is None or m.agency_id == self.agency.pk]

    @property
    def role_labels(self) -> list[str]:
        return [
            m.get_role_display()
            for m in self.memberships
            if self.agency is None or m.agency_id == self.agency.pk
        ]

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def agency_ids(self) -> set[int]:
        return {m.agency_id for m in self.memberships}


def is_staff_member(user, memberships=None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(memberships if memberships is not None else staff_memberships_of(user))


def staff_required(view):
    """Signed-in staff only: others go to the sign-in page, signed-in non-staff see why they cannot enter.

    Sets ``request.desk``.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))
        memberships = staff_memberships_of(request.user)
        if not is_staff_member(request.user, memberships):
            return render(request, "backoffice/not_staff.html", status=403)
        request.desk = Desk.for_request(request, memberships)
        return view(request, *args, **kwargs)

    return wrapper


def client_address(request) -> str:
    """The officer's IP address, stored on every dossier event they cause and counted by the sign-in limits:
    REMOTE_ADDR, or the header named by MOTCUA_CLIENT_IP_HEADER (behind a reverse proxy)."""
    header = settings.MOTCUA_CLIENT_IP_HEADER
    value = request.META.get(header, "") if header else ""
    value = value.split(",")[0].strip() if value else request.META.get("REMOTE_ADDR", "")
    return (value or "")[:100]
