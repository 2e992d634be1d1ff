"""Reads of the integration app."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.core.errors import PermissionDenied
from motcua.dossiers.workflow import TRANSITIONS

from .models import ApiClient


def api_client_check_action(*, client: ApiClient, action: str) -> None:
    """Refuse (403) an action the client is not allowed, before the workflow's own checks."""
    if action not in (client.allowed_actions or []):
        transition = TRANSITIONS.get(action)
        raise PermissionDenied(
            _("Hệ thống kết nối “%(client)s” không được phép thực hiện “%(action)s”.")
            % {"client": client.name, "action": transition.label if transition else action},
            code="client_action_forbidden",
        )
