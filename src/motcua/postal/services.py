"""Writes of the postal app (QĐ 45/2016/QĐ-TTg; docs/postal.md).

Conventions as in ``dossiers.services``: keyword-only arguments; ``actor`` is the acting ``accounts.User`` or
``dossiers.workflow.SYSTEM``; refusals are ``motcua.core.errors`` exceptions with Vietnamese messages and
change nothing; every change leaves a ``PostalEvent``. Dossier changes go through ``dossiers.services``.

Citizen (portal):
    postal_request_pickup            send a dossier by post (pickup at an address, or hand it in at a post office)
    postal_arrangement_set_return    where the result goes by post (recipient, phone, address)
    postal_arrangement_cancel        withdraw a pickup request not yet handed over

Back office:
    postal_arrangement_record        record a dossier handed in at a post office without an online request
    postal_result_send               send the result of a resolved dossier by post (queues an outbound order)
    postal_order_cancel / postal_order_retry
    postal_handover_create / postal_handover_add_item / postal_handover_remove_item / postal_handover_sign

Operator and jobs:
    postal_webhook_receive           a signed tracking webhook (verified here, applied once, in order)
    postal_tracking_record           apply one tracking update (webhook or tracking query)
    postal_send_queued               the periodic job: send queued orders, with backoff
    postal_refresh_tracking          the periodic job: ask the operator for shipments gone quiet
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from motcua.agencies.models import Agency
from motcua.catalog.models import ProcedureCase
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import ApplicantData

from .models import (
    HandoverItem,
    HandoverRecord,
    PickupMethod,
    PostalArrangement,
    PostalOrder,
    TrackingEvent,
)

__all__ = [
    "SendStats",
    "WebhookOutcome",
    "postal_arrangement_cancel",
    "postal_arrangement_from_draft",
    "postal_arrangement_record",
    "postal_arrangement_set_return",
    "postal_handover_add_item",
    "postal_handover_create",
    "postal_handover_remove_item",
    "postal_handover_sign",
    "postal_order_cancel",
    "postal_order_retry",
    "postal_refresh_tracking",
    "postal_request_pickup",
    "postal_result_send",
    "postal_send_queued",
    "postal_tracking_record",
    "postal_webhook_receive",
]


@dataclass(frozen=True)
class SendStats:
    """What one run of :func:`postal_send_queued` did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class WebhookOutcome:
    """The answer to a webhook, as data (the API turns it into HTTP).

    ``status`` is the HTTP status to answer: 200 applied or already known (replay: same answer, nothing
    changed), 200 with ``code="ignored_out_of_order"`` for a stale event, 401 for a bad or missing signature,
    401 ``stale_timestamp`` outside the replay window, 404 ``unknown_reference``, 400 ``bad_request``.
    ``code`` is a stable machine word; ``message`` is Vietnamese for people.
    """

    status: int
    code: str
    message: str
    applied: bool = False


# --- Citizen -----------------------------------------------------------------------------------------------


def postal_request_pickup(
    *,
    actor,
    procedure_case: ProcedureCase,
    receiving_agency: Agency,
    competent_agency: Agency,
    applicant: ApplicantData,
    summary: str = "",
    pickup_method: str = PickupMethod.ADDRESS,
    pickup_address: str = "",
    post_office: str = "",
    return_by_post: bool = False,
    recipient_name: str = "",
    recipient_phone: str = "",
    return_address: str = "",
    origin: str = "portal",
) -> PostalArrangement:
    """The applicant sends a dossier through the public postal service (QĐ 45/2016 Art. 5–6).

    The procedure must allow postal submission (and postal return when ``return_by_post``). With pickup at an
    address an inbound ``PostalOrder`` is queued in the same transaction (postal staff come to the address,
    check the documents, collect the fees and issue the Phiếu gửi); at a post office the applicant goes there
    and no order is booked. The dossier is registered when the post hands it to the agency and the hand-over
    record is signed (:func:`postal_handover_sign`).
    """
    raise NotImplementedError


def postal_arrangement_set_return(
    *,
    arrangement: PostalArrangement | None = None,
    dossier: Dossier | None = None,
    actor,
    recipient_name: str,
    recipient_phone: str,
    return_address: str,
    origin: str = "",
) -> PostalArrangement:
    """Set where the result goes by post: the dossier's owner (or a reception officer of its receiving agency).

    Give ``arrangement`` or ``dossier`` (whose result channel is postal; its arrangement is created if missing).
    Refused once the result has been handed to the post (an outbound order exists that is not cancelled).
    """
    raise NotImplementedError


def postal_arrangement_cancel(
    *, arrangement: PostalArrangement, actor, reason: str = ""
) -> PostalArrangement:
    """The applicant withdraws a pickup request whose dossier has not been handed over yet.

    Its inbound order is cancelled: at once if it never reached the operator, otherwise a cancel request is
    queued for the operator.
    """
    raise NotImplementedError


def postal_arrangement_from_draft(*, dossier: Dossier, data: Mapping) -> PostalArrangement | None:
    """Create the return arrangement of an online dossier from its submission draft (``delivery_address``).

    Called inside the submission transaction when the draft is linked to its dossier; does nothing (returns
    None) when the result is not returned by post, and is idempotent.
    """
    raise NotImplementedError


# --- Back office ---------------------------------------------------------------------------------------------


def postal_arrangement_record(
    *,
    actor,
    receiving_agency: Agency,
    procedure_case: ProcedureCase,
    competent_agency: Agency,
    applicant: ApplicantData,
    summary: str = "",
    post_office: str = "",
    return_by_post: bool = False,
    recipient_name: str = "",
    recipient_phone: str = "",
    return_address: str = "",
    origin: str = "counter",
) -> PostalArrangement:
    """A reception officer records a dossier the applicant handed in at a post office with no online request,
    so it can be listed on a hand-over record. No order is booked (the post already holds the package)."""
    raise NotImplementedError


def postal_result_send(
    *,
    dossier: Dossier,
    actor,
    contents: str = "",
    recipient_name: str = "",
    recipient_phone: str = "",
    recipient_address: str = "",
    origin: str = "",
) -> PostalOrder:
    """Send the result of a resolved dossier (status 9) by post (QĐ 45/2016 Art. 9): queue an outbound order.

    By a reception officer of the receiving agency. The recipient defaults to the dossier's postal
    arrangement, then to the applicant. If the result is ready before the appointment the applicant is
    told of the early return first (``dossier_notify_early_return``). Refused when an active outbound order
    exists. Delivery (a tracking update) returns the result and closes the dossier.
    """
    raise NotImplementedError


def postal_order_cancel(*, order: PostalOrder, actor, reason: str = "") -> PostalOrder:
    """Cancel an order not yet picked up: locally if it never reached the operator, else queue a cancel."""
    raise NotImplementedError


def postal_order_retry(*, order: PostalOrder, actor) -> PostalOrder:
    """Put an order whose request failed (rejected by the operator) back in the queue, to be sent now."""
    raise NotImplementedError


def postal_handover_create(
    *,
    actor,
    agency: Agency,
    postal_staff_name: str,
    kind: str = HandoverRecord.Kind.RECEPTION,
    postal_staff_phone: str = "",
    postal_unit: str = "",
    note: str = "",
) -> HandoverRecord:
    """Start a hand-over record (Biên bản giao nhận) between postal staff and ``agency`` (a draft, unsigned).

    ``kind`` RECEPTION: the post hands dossiers (new or supplements) to the agency. DISPATCH: the agency
    hands results to the post. By a reception officer of ``agency``.
    """
    raise NotImplementedError


def postal_handover_add_item(
    *,
    record: HandoverRecord,
    actor,
    slip_number: str,
    kind: str = HandoverItem.Kind.NEW,
    arrangement: PostalArrangement | None = None,
    dossier: Dossier | None = None,
    documents: str = "",
    complete: bool = True,
    missing_items: Sequence[str] = (),
    fee_amount: int = 0,
    fee_account: str = "",
    fee_receipt_number: str = "",
    note: str = "",
) -> HandoverItem:
    """List one package (its Phiếu gửi number) on a draft record.

    * NEW (reception): ``arrangement`` is the applicant's postal arrangement; if omitted, it is found from
      an inbound order with this slip number. ``complete`` False needs ``missing_items``: the dossier is then
      not registered and the arrangement waits for the complete package.
    * SUPPLEMENT (reception): ``dossier`` waits for a supplement (status 5).
    * RESULT (dispatch): ``dossier`` has an outbound order; the slip number is the operator's.
    ``fee_amount`` is what postal staff collected for the dossier (đồng) and ``fee_account`` where it went;
    the back office records it as a payment through the payments app.
    """
    raise NotImplementedError


def postal_handover_remove_item(*, record: HandoverRecord, actor, item_id: int) -> HandoverRecord:
    """Take an item off a draft record."""
    raise NotImplementedError


def postal_handover_sign(
    *, record: HandoverRecord, actor, signed_at: datetime | None = None, origin: str = ""
) -> HandoverRecord:
    """Both sides sign the record; ``signed_at`` (default now, never in the future) is the legal moment.

    RECEPTION: every complete NEW item registers its dossier (channel 3) with ``received_at = signed_at``
    (``dossiers.services.dossier_register_at_counter``); every SUPPLEMENT item completes the dossier's
    supplement at ``signed_at`` (``dossier_submit_supplement``); inbound orders are marked delivered.
    DISPATCH: the listed outbound orders are marked picked up by the post. All or nothing: one item that
    cannot be processed refuses the signature and changes nothing. A signed record never changes.
    """
    raise NotImplementedError


# --- Operator, webhooks and jobs ---------------------------------------------------------------------------


def postal_webhook_receive(
    *, body: bytes, headers: Mapping[str, str], now: datetime | None = None, origin: str = ""
) -> WebhookOutcome:
    """Handle one tracking webhook from the operator (raw body and its headers).

    Checks, in order: the timestamp header within ``MOTCUA_POSTAL_WEBHOOK_WINDOW_SECONDS`` of now, the
    HMAC-SHA256 signature of ``"<timestamp>.<raw body>"`` with the shared secret, the JSON shape, and that the
    reference is one of our orders. Then applies it with :func:`postal_tracking_record`. Every refusal is
    logged (never the secret or the signature) and changes nothing.
    """
    raise NotImplementedError


def postal_tracking_record(
    *,
    order: PostalOrder,
    event_id: str,
    status: str,
    occurred_at: datetime,
    sequence: int = 0,
    location: str = "",
    note: str = "",
    slip_number: str = "",
    source: str = "webhook",
) -> TrackingEvent | None:
    """Apply one tracking update to ``order``; None when it changes nothing.

    A known ``event_id`` (a replay) is ignored. An update older than the last applied one or moving the
    shipment backwards (``in_transit`` after ``delivered``) is ignored. Delivery of an outbound order returns
    the result (``dossier_return_result``, channel postal, by the system) and closes the dossier; a failed
    delivery is recorded and the staff of the receiving agency are told (a dossier event).
    """
    raise NotImplementedError


def postal_send_queued(*, limit: int | None = None) -> SendStats:
    """Send due queued requests (create or cancel) to the operator; reschedule with backoff when it is down.

    Safe to run in several processes at once (rows are claimed). A request the operator refuses for good
    (a 4xx answer) is marked failed for staff to fix and retry; a down operator is retried without end.
    """
    raise NotImplementedError


def postal_refresh_tracking(*, limit: int | None = None) -> int:
    """Ask the operator for the tracking of sent, unfinished orders with no update for a while (a lost
    webhook must not leave a shipment unknown); returns how many updates were applied."""
    raise NotImplementedError
