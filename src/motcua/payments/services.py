"""Writes of the payments app (docs/payments.md).

Conventions (as in ``dossiers.services``): keyword-only arguments; ``actor`` is an ``accounts.User`` or
``dossiers.workflow.SYSTEM``; refusals are ``motcua.core.errors`` exceptions with Vietnamese messages and
change nothing; every state change of a request appends a ``PaymentEvent``; every change of the dossier
(status 6 → 4, ``paid_online``, the legal submission time of a "thu trước" dossier) goes through a
``dossiers.services`` function and leaves a ``DossierEvent``.

No database transaction is held open while a provider is called over the network.

Public services:

* requests: :func:`payment_request_create_for_dossier` (automatic on submission),
  :func:`payment_request_obligation` (status 6, staff), :func:`payment_request_exempt`,
  :func:`payment_request_cancel`;
* online payment: :func:`payment_start` (→ the provider's payment page URL),
  :func:`payment_notification_receive` (callback / IPN, answers in the partner's format),
  :func:`payment_transaction_check` (QUERY / querydr one transaction),
  :func:`payment_check_pending` (the job), :func:`payment_bill_fetch` (GET_BILL);
* at the counter / post office: :func:`payment_collection_record`;
* refunds: :func:`refund_record_due`, :func:`refund_record_done`;
* reconciliation: :func:`reconciliation_run`, :func:`reconciliation_run_due` (the job),
  :func:`reconciliation_mismatch_resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from motcua.core.errors import ValidationFailed

from .models import (
    ManualCollection,
    PaymentRequest,
    PaymentTransaction,
    ReconciliationMismatch,
    ReconciliationRun,
    Refund,
)


class PaymentProviderUnavailable(ValidationFailed):
    """The payment provider could not be reached or refused to start the payment (message in Vietnamese)."""

    status = 503
    code = "payment_provider_unavailable"


@dataclass(frozen=True)
class LineData:
    """One line of a staff-given obligation: name, amount in đồng, kind ("phi" / "le_phi"), optional code."""

    name: str
    amount: int
    kind: str = "le_phi"
    code: str = ""


@dataclass(frozen=True)
class NotificationReply:
    """What to answer the partner: HTTP status and a JSON body in the partner's own format."""

    status: int
    body: dict
    verdict: str


@dataclass(frozen=True)
class CheckSummary:
    checked: int = 0
    succeeded: int = 0
    failed: int = 0
    still_pending: int = 0
    errors: int = 0


# --- Payment requests --------------------------------------------------------------------------------------


def payment_request_create_for_dossier(*, dossier, actor=None) -> PaymentRequest | None:
    """Create the dossier's request from the catalog fees of its case and channel (idempotent: an existing
    catalog request is returned). None when nothing is collected. Called automatically when a dossier is
    submitted online or registered at the counter (``dossier_event_recorded``)."""
    raise NotImplementedError


def payment_request_obligation(
    *,
    dossier,
    actor,
    revision: int,
    description: str,
    amount: int | None = None,
    lines: list[LineData] | None = None,
    origin: str = "",
) -> PaymentRequest:
    """Staff ask the applicant to fulfil a financial obligation (dossier 4 → 6 through
    ``dossiers.services.dossier_request_payment``). Give ``lines`` or a single ``amount``. Paying it confirms
    the obligation BY_SYSTEM (6 → 4) and the clock resumes."""
    raise NotImplementedError


def payment_request_exempt(
    *, request: PaymentRequest, actor, reason: str, line_ids: list[int] | None = None
) -> PaymentRequest:
    """Record that the applicant is exempt (đối tượng miễn) from some lines (``line_ids``) or all of them,
    with the reason. A request with nothing left to pay is cancelled as exempt; the dossier then has no
    financial obligation (``paid_online`` back to empty) and a "thu trước" dossier may be received."""
    raise NotImplementedError


def payment_request_cancel(*, request: PaymentRequest, actor, reason: str) -> PaymentRequest:
    """Cancel an unpaid request (Hủy) with a reason."""
    raise NotImplementedError


# --- Online payment ----------------------------------------------------------------------------------------


def payment_start(
    *,
    request: PaymentRequest,
    actor,
    provider: str | None = None,
    client_ip: str = "",
    return_url: str = "",
) -> PaymentTransaction:
    """Start an online payment of ``request`` at ``provider`` (default: the first enabled one) and return the
    transaction; redirect the citizen to ``transaction.payment_url``. Only the dossier's owner (or staff of
    its receiving agency) may start it. When the provider cannot be reached, raises
    ``PaymentProviderUnavailable`` (a ``ValidationFailed`` with a Vietnamese message) and records nothing
    paid."""
    raise NotImplementedError


def payment_notification_receive(
    *, provider: str, data: dict, remote_addr: str = "", kind: str = ""
) -> NotificationReply:
    """A callback (PayGov, POST JSON) or IPN (VNPay, GET query) from ``provider``: check signature, reference
    and amount; settle the transaction once; log the message with its verdict; return the reply in the
    partner's format. Replays and a "failed" after a success change nothing."""
    raise NotImplementedError


def payment_transaction_check(*, transaction: PaymentTransaction) -> PaymentTransaction:
    """Ask the provider for the status of one transaction (QUERY / querydr) and settle it if final."""
    raise NotImplementedError


def payment_check_pending(*, older_than_seconds: float | None = None, limit: int = 100) -> CheckSummary:
    """The job: query every transaction still initiated after ``older_than_seconds`` (setting
    ``MOTCUA_PAYMENT_QUERY_AFTER_SECONDS``) and settle those the provider has finished."""
    raise NotImplementedError


def payment_bill_fetch(*, transaction: PaymentTransaction) -> bytes:
    """The provider's PDF receipt of a succeeded transaction (PayGov GET_BILL)."""
    raise NotImplementedError


# --- Counter, bank transfer, post office ---------------------------------------------------------------------


def payment_collection_record(
    *,
    request: PaymentRequest,
    actor,
    method: str,
    amount: int,
    proof,
    payer_name: str = "",
    reference: str = "",
    collected_at: datetime | None = None,
    note: str = "",
) -> ManualCollection:
    """Staff record a payment collected in cash, by bank transfer or by the post office, with its proof file
    (PDF or image, checked by content). The amount must equal what is due; the request becomes paid, receipts
    are issued and the dossier moves on as for an online payment."""
    raise NotImplementedError


# --- Refunds -------------------------------------------------------------------------------------------------


def refund_record_due(
    *, request: PaymentRequest, actor, reason: str, note: str = "", amount: int | None = None
) -> Refund:
    """Record that a paid request must be refunded (done automatically when a paid dossier is refused or not
    received, and for a duplicate payment)."""
    raise NotImplementedError


def refund_record_done(
    *,
    refund: Refund,
    actor,
    method: str,
    proof,
    reference: str = "",
    note: str = "",
    done_at: datetime | None = None,
) -> Refund:
    """Staff record that a due refund was paid back, with its proof; the request becomes "Đã hoàn phí" when
    its whole amount is refunded."""
    raise NotImplementedError


# --- Reconciliation ------------------------------------------------------------------------------------------


def reconciliation_run(*, day: date, provider: str | None = None, actor=None) -> ReconciliationRun:
    """Compare the provider's listing of ``day`` with our transactions of that day and record every
    mismatch. A success the provider has and we do not is settled at once (no payment is lost) and its
    mismatch marked auto-resolved."""
    raise NotImplementedError


def reconciliation_run_due(*, now: datetime | None = None) -> list[ReconciliationRun]:
    """The job: reconcile yesterday for every enabled provider, once a day."""
    raise NotImplementedError


def reconciliation_mismatch_resolve(
    *, mismatch: ReconciliationMismatch, actor, resolution: str
) -> ReconciliationMismatch:
    """Staff record how a mismatch was dealt with."""
    raise NotImplementedError
