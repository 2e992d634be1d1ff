"""Tracking rules and webhook signatures, as pure functions (docs/postal.md §4–§6).

A shipment moves forward only. ``NEXT`` says where each status may go; delivered, returned and cancelled are
final. A failed delivery may be tried again (``in_transit``, then ``delivered``). Updates carry the operator's
per-shipment ``sequence``; one not newer than the last applied is out of order and ignored.

Webhook signature: ``X-Postal-Signature: sha256=<hex>`` with ``hex = HMAC-SHA256(secret, "<ts>." + raw body)``
and ``X-Postal-Timestamp: <ts>`` (unix seconds), accepted within ``MOTCUA_POSTAL_WEBHOOK_WINDOW_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from .models import OrderStatus

S = OrderStatus
FINAL_STATUSES = frozenset({S.DELIVERED, S.RETURNED, S.CANCELLED})
NEXT: dict[str, frozenset[str]] = {
    S.CREATED: frozenset(
        {S.ACCEPTED, S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED, S.DELIVERY_FAILED, S.RETURNED, S.CANCELLED}
    ),
    S.ACCEPTED: frozenset(
        {S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED, S.DELIVERY_FAILED, S.RETURNED, S.CANCELLED}
    ),
    S.PICKED_UP: frozenset({S.IN_TRANSIT, S.DELIVERED, S.DELIVERY_FAILED, S.RETURNED}),
    S.IN_TRANSIT: frozenset({S.IN_TRANSIT, S.DELIVERED, S.DELIVERY_FAILED, S.RETURNED}),
    S.DELIVERY_FAILED: frozenset({S.IN_TRANSIT, S.DELIVERED, S.DELIVERY_FAILED, S.RETURNED}),
}
# Statuses an operator may report (``created`` is ours alone).
REPORTED_STATUSES = frozenset(S.values) - {S.CREATED}
TIMESTAMP_HEADER = "X-Postal-Timestamp"
SIGNATURE_HEADER = "X-Postal-Signature"


def can_move(current: str, new: str) -> bool:
    """Whether a shipment in ``current`` may be reported as ``new`` (staying in transit counts: a new hop)."""
    return new in NEXT.get(current, frozenset())


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_valid(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    if not secret or not given or not timestamp.isascii():
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given.strip())


def timestamp_fresh(timestamp: str, *, now: datetime, window_seconds: int) -> bool:
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs(now.timestamp() - moment) <= window_seconds
