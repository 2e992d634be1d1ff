"""Reads of the postal app. Dossier-bound reads start from ``dossiers.selectors.dossier_queryset_for`` (an
unknown or forbidden dossier answers ``NotFound``); staff lists are scoped to the agencies the user works in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from motcua.agencies.models import Agency, StaffMembership
from motcua.core.errors import NotFound
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.workflow import DossierStatus

from .models import (
    Direction,
    HandoverRecord,
    OrderStatus,
    PostalArrangement,
    PostalOrder,
    SyncState,
    TrackingEvent,
)

__all__ = [
    "PostalStatus",
    "ShipmentStatus",
    "arrangement_for_dossier",
    "arrangement_for_owner",
    "arrangements_for_owner",
    "arrangements_awaiting_handover",
    "dossiers_awaiting_postal_return",
    "handover_record_for",
    "handover_records_for",
    "order_by_reference",
    "order_for",
    "orders_for",
    "orders_needing_attention",
    "orders_for_dossier",
    "postal_status_for_dossier",
    "postal_statuses_for_dossiers",
    "sync_backlog",
    "tracking_events_for",
]

ACTIVE_ORDER = ~Q(status=OrderStatus.CANCELLED)


@dataclass(frozen=True)
class ShipmentStatus:
    """One leg of a dossier's postal journey, as the portal, the back office and the API show it."""

    reference: str
    direction: str
    status: str
    status_label: str
    slip_number: str
    sync_state: str
    postage: int | None
    status_changed_at: datetime | None
    delivered_at: datetime | None
    failure_reason: str


@dataclass(frozen=True)
class PostalStatus:
    """A dossier's postal arrangement and shipments (None from the selectors when it has neither)."""

    option: str
    option_label: str
    recipient_name: str
    return_address: str
    inbound: ShipmentStatus | None = None
    outbound: ShipmentStatus | None = None
    handover_signed_at: datetime | None = None
    shipments: list[ShipmentStatus] = field(default_factory=list)


def _staff_agency_ids(user) -> QuerySet:
    return StaffMembership.objects.filter(user=user, is_active=True).values("agency_id")


def _visible_dossiers(user) -> QuerySet[Dossier]:
    from motcua.dossiers.selectors import dossier_queryset_for

    return dossier_queryset_for(user)


# --- Arrangements ------------------------------------------------------------------------------------------


def arrangement_for_dossier(dossier: Dossier) -> PostalArrangement | None:
    """The dossier's postal arrangement, if any (no access check: the caller already holds the dossier)."""
    return PostalArrangement.objects.filter(dossier=dossier).first()


def arrangements_for_owner(user) -> QuerySet[PostalArrangement]:
    """The account's postal arrangements, newest first, with their dossier and orders."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PostalArrangement.objects.none()
    return (
        PostalArrangement.objects.filter(owner=user)
        .select_related("dossier", "procedure_case", "receiving_agency", "competent_agency")
        .prefetch_related(Prefetch("orders", queryset=PostalOrder.objects.order_by("created_at", "id")))
    )


def arrangement_for_owner(user, public_id) -> PostalArrangement:
    """One of the account's arrangements by its public id; NotFound otherwise."""
    try:
        return arrangements_for_owner(user).get(public_id=public_id)
    except (PostalArrangement.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound("Không tìm thấy đăng ký bưu chính.") from error


def arrangements_awaiting_handover(agency: Agency) -> QuerySet[PostalArrangement]:
    """Send-leg arrangements of ``agency`` whose dossier the post has not handed over yet (not cancelled)."""
    return (
        PostalArrangement.objects.filter(
            receiving_agency=agency,
            dossier__isnull=True,
            cancelled_at__isnull=True,
            option__in=("send", "both"),
        )
        .select_related("procedure_case", "procedure_case__version", "competent_agency")
        .prefetch_related("orders")
        .order_by("created_at", "id")
    )


# --- Orders ----------------------------------------------------------------------------------------------


def order_by_reference(reference: str) -> PostalOrder | None:
    """The order with our reference (no access check: for the operator's callbacks)."""
    return PostalOrder.objects.filter(reference=reference).first()


def orders_for(
    user, *, agency: Agency | None = None, direction: str = "", status: str = "", sync_state: str = ""
) -> QuerySet[PostalOrder]:
    """Orders of the agencies ``user`` works in (all for superusers), optionally filtered, newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PostalOrder.objects.none()
    orders = PostalOrder.objects.select_related("dossier", "agency", "arrangement")
    if not user.is_superuser:
        orders = orders.filter(agency_id__in=_staff_agency_ids(user))
    if agency is not None:
        orders = orders.filter(agency=agency)
    if direction:
        orders = orders.filter(direction=direction)
    if status:
        orders = orders.filter(status=status)
    if sync_state:
        orders = orders.filter(sync_state=sync_state)
    return orders.order_by("-created_at", "-id")


def orders_needing_attention(user, *, agency: Agency | None = None) -> QuerySet[PostalOrder]:
    """Orders staff must act on: the delivery failed, the operator refused the request for good, or the
    result came back to the agency (returned). Oldest first."""
    attention = Q(status__in=(OrderStatus.DELIVERY_FAILED, OrderStatus.RETURNED)) | Q(
        sync_state=SyncState.FAILED
    )
    return orders_for(user, agency=agency).filter(attention).order_by("status_changed_at", "id")


def order_for(user, pk) -> PostalOrder:
    """One order ``user`` may see (staff of its agency, or the owner of its dossier or arrangement)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotFound("Không tìm thấy đơn bưu gửi.")
    visible = Q(agency_id__in=_staff_agency_ids(user)) | Q(dossier__owner=user) | Q(arrangement__owner=user)
    orders = PostalOrder.objects.select_related("dossier", "agency", "arrangement")
    if not user.is_superuser:
        orders = orders.filter(visible)
    try:
        return orders.get(pk=pk)
    except (PostalOrder.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound("Không tìm thấy đơn bưu gửi.") from error


def orders_for_dossier(dossier: Dossier) -> QuerySet[PostalOrder]:
    """The dossier's orders, oldest first (no access check: the caller already holds the dossier)."""
    return PostalOrder.objects.filter(Q(dossier=dossier) | Q(arrangement__dossier=dossier)).order_by(
        "created_at", "id"
    )


def tracking_events_for(order: PostalOrder) -> QuerySet[TrackingEvent]:
    """The shipment's journey as the operator reported it, in order."""
    return order.tracking_events.order_by("sequence", "occurred_at", "id")


def dossiers_awaiting_postal_return(user, *, agency: Agency | None = None) -> QuerySet[Dossier]:
    """Resolved dossiers (status 9) to return by post that have no active outbound order yet."""
    dossiers = _visible_dossiers(user).filter(
        status=DossierStatus.RESOLVED, result_channel=ResultChannel.POSTAL
    )
    if agency is not None:
        dossiers = dossiers.filter(receiving_agency=agency)
    active = PostalOrder.objects.filter(direction=Direction.OUTBOUND).filter(ACTIVE_ORDER)
    return (
        dossiers.exclude(pk__in=active.values("dossier_id"))
        .select_related("procedure_version", "receiving_agency")
        .order_by("finished_at", "id")
    )


# --- Hand-over records -----------------------------------------------------------------------------------


def handover_records_for(
    user, *, agency: Agency | None = None, kind: str = "", status: str = ""
) -> QuerySet[HandoverRecord]:
    """Hand-over records of the agencies ``user`` works in (all for superusers), newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return HandoverRecord.objects.none()
    records = HandoverRecord.objects.select_related("agency", "receiving_officer")
    if not user.is_superuser:
        records = records.filter(agency_id__in=_staff_agency_ids(user))
    if agency is not None:
        records = records.filter(agency=agency)
    if kind:
        records = records.filter(kind=kind)
    if status:
        records = records.filter(status=status)
    return records.order_by("-created_at", "-id")


def handover_record_for(user, pk) -> HandoverRecord:
    """One record ``user`` may see, with its items (their dossiers, arrangements and orders); else NotFound."""
    try:
        return (
            handover_records_for(user)
            .prefetch_related("items", "items__dossier", "items__arrangement", "items__order")
            .get(pk=pk)
        )
    except (HandoverRecord.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound("Không tìm thấy biên bản giao nhận.") from error


# --- Status for the dossier pages and the API ------------------------------------------------------------


def _shipment(order: PostalOrder) -> ShipmentStatus:
    return ShipmentStatus(
        reference=order.reference,
        direction=order.direction,
        status=order.status,
        status_label=str(order.get_status_display()),
        slip_number=order.slip_number,
        sync_state=order.sync_state,
        postage=order.postage,
        status_changed_at=order.status_changed_at,
        delivered_at=order.delivered_at,
        failure_reason=order.failure_reason,
    )


def _status(
    arrangement: PostalArrangement | None, orders: Iterable[PostalOrder], signed_at
) -> PostalStatus | None:
    orders = sorted(orders, key=lambda o: (o.created_at, o.pk))
    if arrangement is None and not orders:
        return None
    shipments = [_shipment(order) for order in orders]

    def latest(direction: str) -> ShipmentStatus | None:
        legs = [s for s in shipments if s.direction == direction]
        active = [s for s in legs if s.status != OrderStatus.CANCELLED]
        return (active or legs or [None])[-1]

    return PostalStatus(
        option=arrangement.option if arrangement else "",
        option_label=str(arrangement.get_option_display()) if arrangement else "",
        recipient_name=arrangement.recipient_name if arrangement else "",
        return_address=arrangement.return_address if arrangement else "",
        inbound=latest(Direction.INBOUND),
        outbound=latest(Direction.OUTBOUND),
        handover_signed_at=signed_at,
        shipments=shipments,
    )


def postal_status_for_dossier(dossier: Dossier) -> PostalStatus | None:
    """The dossier's postal arrangement and shipments, or None when it has nothing to do with the post."""
    return postal_statuses_for_dossiers([dossier]).get(dossier.pk)


def postal_statuses_for_dossiers(dossiers: Iterable[Dossier]) -> dict[int, PostalStatus]:
    """Postal status per dossier id, for a page or a list of dossiers, in three queries whatever their number.
    Dossiers with no postal arrangement and no order are left out."""
    ids = [d.pk for d in dossiers if d.pk is not None]
    if not ids:
        return {}
    from .models import HandoverItem

    arrangements = {a.dossier_id: a for a in PostalArrangement.objects.filter(dossier_id__in=ids)}
    by_dossier: dict[int, list[PostalOrder]] = {}
    orders = PostalOrder.objects.filter(
        Q(dossier_id__in=ids) | Q(arrangement__dossier_id__in=ids)
    ).select_related("arrangement")
    for order in orders:
        key = order.dossier_id or (order.arrangement.dossier_id if order.arrangement else None)
        if key is not None:
            by_dossier.setdefault(key, []).append(order)
    signed = {}
    for dossier_id, signed_at in (
        HandoverItem.objects.filter(
            dossier_id__in=ids, record__status=HandoverRecord.Status.SIGNED, record__kind="reception"
        )
        .order_by("record__signed_at")
        .values_list("dossier_id", "record__signed_at")
    ):
        signed[dossier_id] = signed_at
    result = {}
    for pk in ids:
        status = _status(arrangements.get(pk), by_dossier.get(pk, ()), signed.get(pk))
        if status is not None:
            result[pk] = status
    return result


def sync_backlog() -> dict[str, int]:
    """How many orders wait in the queue, are being sent, or failed for good (for operators)."""
    from django.db.models import Count

    rows = PostalOrder.objects.exclude(sync_state=SyncState.SENT).values("sync_state").annotate(n=Count("id"))
    return {row["sync_state"]: row["n"] for row in rows}


# --- For the portal and back-office screens ------------------------------------------------------------------
# Added by the postal screens: shipment stages for the back-office list, and a dossier's whole postal journey.

SHIPMENT_STAGES: dict[str, Q] = {
    # The request waits in our queue (the operator has not answered yet: it may be down).
    "queued": Q(status=OrderStatus.CREATED) & ~Q(sync_state=SyncState.FAILED),
    # The operator accepted the request and gave the slip number; postal staff have not taken the package.
    "sent": Q(status=OrderStatus.ACCEPTED) & ~Q(sync_state=SyncState.FAILED),
    "in_transit": Q(status__in=(OrderStatus.PICKED_UP, OrderStatus.IN_TRANSIT))
    & ~Q(sync_state=SyncState.FAILED),
    "delivered": Q(status=OrderStatus.DELIVERED),
    # Staff must act: the delivery failed, the package came back, or the operator refused the request for good.
    "failed": Q(status__in=(OrderStatus.DELIVERY_FAILED, OrderStatus.RETURNED))
    | (Q(sync_state=SyncState.FAILED) & ~Q(status__in=(OrderStatus.DELIVERED, OrderStatus.CANCELLED))),
    "cancelled": Q(status=OrderStatus.CANCELLED),
}


def shipment_stage_of(order: PostalOrder) -> str:
    """The stage (a key of ``SHIPMENT_STAGES``) of one order, as the back-office list groups it."""
    failed_request = order.sync_state == SyncState.FAILED
    if order.status in (OrderStatus.DELIVERY_FAILED, OrderStatus.RETURNED) or (
        failed_request and order.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
    ):
        return "failed"
    if order.status == OrderStatus.CREATED:
        return "queued"
    if order.status == OrderStatus.ACCEPTED:
        return "sent"
    if order.status in (OrderStatus.PICKED_UP, OrderStatus.IN_TRANSIT):
        return "in_transit"
    return "delivered" if order.status == OrderStatus.DELIVERED else "cancelled"


def orders_in_stage(
    user, *, agency: Agency | None = None, stage: str = "", direction: str = ""
) -> QuerySet[PostalOrder]:
    """``orders_for`` narrowed to one stage of ``SHIPMENT_STAGES`` (every order when ``stage`` is empty);
    the orders that need staff (``failed``) first, then newest first."""
    orders = orders_for(user, agency=agency, direction=direction)
    if stage:
        orders = orders.filter(SHIPMENT_STAGES[stage])
    return orders


def order_stage_counts(user, *, agency: Agency | None = None, direction: str = "") -> dict[str, int]:
    """How many orders of ``orders_for`` are in each stage, in one query."""
    from django.db.models import Count

    return (
        orders_for(user, agency=agency, direction=direction)
        .order_by()
        .aggregate(**{stage: Count("pk", filter=condition) for stage, condition in SHIPMENT_STAGES.items()})
    )


def _with_events(orders: QuerySet[PostalOrder]) -> QuerySet[PostalOrder]:
    events = TrackingEvent.objects.order_by("sequence", "occurred_at", "id")
    return orders.prefetch_related(Prefetch("tracking_events", queryset=events, to_attr="journey"))


@dataclass(frozen=True)
class PostalJourney:
    """A dossier's (or a pickup request's) postal arrangement and its shipments, each with its tracking
    events as ``order.journey``, oldest first; ``handover`` the signed reception record that listed it."""

    arrangement: PostalArrangement | None
    orders: list[PostalOrder]
    handover: HandoverRecord | None = None

    @property
    def inbound(self) -> list[PostalOrder]:
        return [order for order in self.orders if order.direction == Direction.INBOUND]

    @property
    def outbound(self) -> list[PostalOrder]:
        return [order for order in self.orders if order.direction == Direction.OUTBOUND]


def postal_journey_for_dossier(dossier: Dossier) -> PostalJourney | None:
    """The dossier's postal journey (no access check: the caller holds the dossier), or None when it was
    neither sent nor returned by post (channel and result channel not postal): no query for such dossiers,
    three otherwise. A dossier to return by post with no arrangement or order yet has an empty journey."""
    if dossier.channel != "postal" and dossier.result_channel != ResultChannel.POSTAL:
        return None
    from .models import HandoverItem

    arrangement = arrangement_for_dossier(dossier)
    orders = list(_with_events(orders_for_dossier(dossier)))
    item = (
        HandoverItem.objects.filter(
            dossier=dossier,
            record__status=HandoverRecord.Status.SIGNED,
            record__kind=HandoverRecord.Kind.RECEPTION,
        )
        .select_related("record")
        .order_by("record__signed_at")
        .first()
    )
    return PostalJourney(arrangement=arrangement, orders=orders, handover=item.record if item else None)


def postal_journey_for_arrangement(arrangement: PostalArrangement) -> PostalJourney:
    """A pickup request's journey (no access check: the caller holds the arrangement)."""
    orders = list(
        _with_events(PostalOrder.objects.filter(arrangement=arrangement).order_by("created_at", "id"))
    )
    return PostalJourney(arrangement=arrangement, orders=orders)


def order_with_journey(user, pk) -> PostalOrder:
    """``order_for`` with its tracking events as ``order.journey``."""
    order = order_for(user, pk)
    order.journey = list(tracking_events_for(order))
    return order
