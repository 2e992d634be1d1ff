"""Postal operators behind one interface, chosen by ``MOTCUA_POSTAL_PROVIDER`` (docs/postal.md).

- ``sandbox`` (embedded default) and ``vnpost``: :class:`~.vnpost.HttpPostalProvider`, the VNPost-style JSON
  protocol (to be aligned with the provincial contract), at ``MOTCUA_POSTAL_URL``; the sandbox operator
  (``motcua.sandbox.post``) speaks it on 127.0.0.1.
- ``""``: no operator; orders wait in the queue.
- a dotted path to a class implementing :class:`PostalProvider` for an operator with its own protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class PostalProviderError(Exception):
    """The operator could not take the request. ``permanent``: it refused it for good (fix, then retry);
    otherwise it was down or busy and the request is tried again later."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None):
        super().__init__(message)
        self.permanent, self.status = permanent, status


@dataclass(frozen=True)
class Party:
    name: str
    address: str
    phone: str = ""


@dataclass(frozen=True)
class OrderRequest:
    """What we ask the operator to carry. ``reference`` is ours; the operator is idempotent on it."""

    reference: str
    direction: str
    sender: Party
    receiver: Party
    contents: str
    cod_amount: int = 0
    callback_url: str = ""
    note: str = ""


@dataclass(frozen=True)
class OrderAnswer:
    reference: str
    slip_number: str
    status: str
    postage: int | None = None


@dataclass(frozen=True)
class TrackingUpdate:
    event_id: str
    sequence: int
    status: str
    occurred_at: str
    location: str = ""
    note: str = ""


@dataclass(frozen=True)
class Tracking:
    reference: str
    slip_number: str
    status: str
    postage: int | None = None
    events: list[TrackingUpdate] = field(default_factory=list)


class PostalProvider(Protocol):
    name: str

    def create_order(self, order: OrderRequest) -> OrderAnswer:
        """Book a shipment; the same ``reference`` again answers the same slip. Raises PostalProviderError."""

    def cancel_order(self, reference: str) -> OrderAnswer:
        """Cancel a shipment not yet picked up. Raises PostalProviderError (permanent once picked up)."""

    def get_tracking(self, reference: str) -> Tracking:
        """The shipment's status and events. Raises PostalProviderError."""


def provider_name() -> str:
    return (settings.MOTCUA_POSTAL_PROVIDER or "").strip()


def get_provider() -> PostalProvider:
    """The configured operator; raises PostalProviderError (temporary) when none is configured."""
    name = provider_name()
    if name in ("sandbox", "vnpost"):
        from .vnpost import HttpPostalProvider

        return HttpPostalProvider(
            name=name,
            url=settings.MOTCUA_POSTAL_URL,
            api_key=settings.MOTCUA_POSTAL_API_KEY,
            partner_code=settings.MOTCUA_POSTAL_PARTNER_CODE,
            timeout=settings.MOTCUA_POSTAL_TIMEOUT_SECONDS,
        )
    if not name:
        raise PostalProviderError(_("Chưa cấu hình đơn vị bưu chính (MOTCUA_POSTAL_PROVIDER)."))
    return import_string(name)()
