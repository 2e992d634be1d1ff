"""Reads of the payments app. Access to anything of a dossier goes through the dossiers access gate
(``dossiers.selectors.dossier_queryset_for``): an unknown or forbidden request answers ``NotFound``.

Names the screens use (portal pay page and receipts, back-office collections, refunds, reconciliation):

* :func:`fee_lines_for` – the catalog's phí / lệ phí of a case and channel (what a request would hold);
* :func:`payment_summary_for` – everything the dossier pages and the API show about a dossier's payments;
* :func:`reception_waits_for_payment` – an online dossier held at reception until its "thu trước" fees are paid;
* :func:`payment_requests_of` – a dossier's requests with lines, transactions, receipts, collections, refunds;
* :func:`payment_request_get_for` – one request by its ``public_id`` for a user (access gate);
* :func:`payment_transaction_by_reference` – a transaction by ``MaThamChieu`` / ``vnp_TxnRef`` (return page);
* :func:`receipt_get_for` / :func:`receipt_pdf` – a receipt a user may see and its PDF bytes;
* :func:`collections_for`, :func:`refunds_for`, :func:`reconciliation_runs`, :func:`reconciliation_run_get`,
  :func:`open_mismatches`, :func:`notifications_for` – back-office lists;
* :func:`enabled_providers` / :func:`provider_label` – the online providers the citizen may choose;
* :func:`may_record_payments` / :func:`may_resolve_mismatches` / :func:`payment_staff_may_see` – who may act.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from motcua.agencies.models import StaffMembership, StaffRole
from motcua.catalog.models import Fee, ProcedureCase
from motcua.core.errors import NotFound
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_queryset_for

from .models import (
    ManualCollection,
    PaymentLine,
    PaymentNotification,
    PaymentRequest,
    PaymentTransaction,
    Provider,
    Receipt,
    ReconciliationMismatch,
    ReconciliationRun,
    Refund,
)

# Staff roles that see the payment lists of their agency (collections, refunds, reconciliation).
PAYMENT_STAFF_ROLES = (
    StaffRole.RECEPTION_OFFICER,
    StaffRole.LEADER,
    StaffRole.SUPERVISOR,
    StaffRole.ADMINISTRATOR,
)
# Staff roles that record collections, exemptions, cancellations and refunds, at the dossier's receiving or
# competent agency (the services refuse anyone else).
COLLECTING_ROLES = (StaffRole.RECEPTION_OFFICER, StaffRole.LEADER)
# Roles that may record how a reconciliation mismatch was dealt with (any agency).
RECONCILING_ROLES = (StaffRole.LEADER, StaffRole.SUPERVISOR, StaffRole.ADMINISTRATOR)


# --- Fees from the catalog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeLine:
    """One phí or lệ phí the catalog sets for a case and channel."""

    fee_id: int | None
    kind: str  # Fee.Kind: "phi" / "le_phi"
    code: str
    name: str
    amount: int
    timing: str  # Fee.Timing: "before" / "after" / "exempt"
    exemptions: str = ""
    for_case: bool = False  # set for the case, not the whole version
    for_channel: bool = False  # set for the channel, not every channel

    @property
    def specificity(self) -> int:
        return 2 * self.for_case + self.for_channel


def fee_lines_for(*, case: ProcedureCase, channel: str) -> list[FeeLine]:
    """The fees the catalog sets for ``case`` (and the version-wide ones) on ``channel`` (and the
    all-channel ones), in catalog order. Fees of 0 đồng and fees marked "Đối tượng miễn phí" are included
    (with their timing) so that pages can show them; :func:`fees_due` keeps only what is collected."""
    fees = (
        Fee.objects.filter(version_id=case.version_id)
        .filter(Q(case__isnull=True) | Q(case_id=case.pk))
        .filter(Q(channel="") | Q(channel=channel))
        .order_by("case_id", "channel", "pk")
    )
    return [
        FeeLine(
            fee_id=fee.pk,
            kind=fee.kind,
            code=fee.code,
            name=(fee.description or fee.get_kind_display()).strip()[:500],
            amount=int(fee.amount),
            timing=fee.timing,
            exemptions=fee.exemptions,
            for_case=fee.case_id is not None,
            for_channel=bool(fee.channel),
        )
        for fee in fees
    ]


def fees_due(lines: list[FeeLine]) -> list[FeeLine]:
    """The lines actually collected. Of each kind (phí, lệ phí) only the most specific lines apply: a fee set
    for the case or for the channel replaces the general fee of the same kind (a lower rate online, a dearer
    re-issue, free online registration); lines at the same level add up. Then only those with a positive
    amount and a timing other than "Đối tượng miễn phí" are collected."""
    top: dict[str, int] = {}
    for line in lines:
        top[line.kind] = max(top.get(line.kind, 0), line.specificity)
    applicable = [line for line in lines if line.specificity == top[line.kind]]
    return [line for line in applicable if line.amount > 0 and line.timing != Fee.Timing.EXEMPT]


def timing_of(lines: list[FeeLine]) -> str:
    """``PaymentRequest.Timing`` of a set of due lines: "before" if any is collected before reception."""
    if any(line.timing == Fee.Timing.BEFORE for line in lines):
        return PaymentRequest.Timing.BEFORE
    return PaymentRequest.Timing.AFTER


# --- Providers ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderChoice:
    code: str  # Provider value
    label: str
    through_dvcqg: bool


def enabled_providers() -> list[ProviderChoice]:
    """The online providers offered to citizens, in the order of ``MOTCUA_PAYMENT_PROVIDERS`` (first =
    default)."""
    codes = [code.strip() for code in settings.MOTCUA_PAYMENT_PROVIDERS.split(",") if code.strip()]
    return [
        ProviderChoice(code=code, label=str(Provider(code).label), through_dvcqg=code == Provider.PAYGOV)
        for code in codes
        if code in Provider.values
    ]


def provider_label(code: str) -> str:
    return str(Provider(code).label) if code in Provider.values else code


# --- A dossier's payments ----------------------------------------------------------------------------------


def payment_requests_of(dossier: Dossier) -> list[PaymentRequest]:
    """The dossier's requests, oldest first, with lines, transactions (newest first), receipts, collections
    and refunds prefetched (a fixed number of queries)."""
    return list(
        PaymentRequest.objects.filter(dossier=dossier)
        .order_by("requested_at", "id")
        .prefetch_related(
            Prefetch("lines", queryset=PaymentLine.objects.order_by("id")),
            Prefetch("transactions", queryset=PaymentTransaction.objects.order_by("-initiated_at", "-id")),
            Prefetch("receipts", queryset=Receipt.objects.order_by("kind", "id")),
            Prefetch("collections", queryset=ManualCollection.objects.order_by("collected_at", "id")),
            Prefetch("refunds", queryset=Refund.objects.order_by("due_since", "id")),
        )
    )


@dataclass
class PaymentSummary:
    """What a dossier page or the API shows about the dossier's payments."""

    requests: list[PaymentRequest] = field(default_factory=list)
    amount_due: int = 0  # still to pay over the open requests
    amount_paid: int = 0
    amount_refunded: int = 0
    blocks_reception: bool = False  # a "thu trước" request is unpaid
    payable_online: PaymentRequest | None = None  # the open request the citizen can pay online now
    receipts: list[Receipt] = field(default_factory=list)

    @property
    def has_obligation(self) -> bool:
        return any(r.state != PaymentRequest.State.CANCELLED for r in self.requests)

    @property
    def state(self) -> str:
        """One word for the dossier: "" (no fees), or the state of the latest non-cancelled request."""
        live = [r for r in self.requests if r.state != PaymentRequest.State.CANCELLED]
        if not live:
            return ""
        if any(r.is_open for r in live):
            pending = any(r.state == PaymentRequest.State.PENDING for r in live)
            return PaymentRequest.State.PENDING if pending else PaymentRequest.State.UNPAID
        return live[-1].state


def reception_waits_for_payment(dossier: Dossier) -> bool:
    """Whether fees collected before reception ("thu trước") that the applicant can pay online are still unpaid,
    so the online dossier is not received until they are paid or exempted (one query; the rule of
    ``PaymentRequest.blocks_reception`` and of ``services.reception_check``)."""
    if dossier.pk is None:
        return False
    return PaymentRequest.objects.filter(
        dossier_id=dossier.pk,
        timing=PaymentRequest.Timing.BEFORE,
        state__in=(PaymentRequest.State.UNPAID, PaymentRequest.State.PENDING),
        amount__gt=0,
        online_payment_allowed=True,
    ).exists()


def payment_summary_for(dossier: Dossier) -> PaymentSummary:
    """Amounts, states and receipts of ``dossier`` (the caller has already passed the access gate)."""
    requests = payment_requests_of(dossier)
    summary = PaymentSummary(requests=requests)
    for request in requests:
        if request.is_open:
            summary.amount_due += request.amount
            if request.blocks_reception:
                summary.blocks_reception = True
            if summary.payable_online is None and request.online_payment_allowed and request.amount > 0:
                summary.payable_online = request
        elif request.state in (PaymentRequest.State.PAID, PaymentRequest.State.REFUNDED):
            summary.amount_paid += request.amount
        summary.amount_refunded += sum(
            r.amount for r in request.refunds.all() if r.state == Refund.State.DONE
        )
        summary.receipts.extend(request.receipts.all())
    return summary


def payment_request_get_for(user, public_id) -> PaymentRequest:
    """A request of a dossier ``user`` may see, by its ``public_id`` (UUID); ``NotFound`` otherwise."""
    try:
        return (
            PaymentRequest.objects.select_related("dossier", "dossier__procedure_version")
            .filter(dossier__in=dossier_queryset_for(user))
            .get(public_id=public_id)
        )
    except (PaymentRequest.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(_not_found()) from error


def payment_transaction_by_reference(reference: str) -> PaymentTransaction | None:
    """The transaction with our reference ``MaThamChieu`` / ``vnp_TxnRef`` (None if unknown)."""
    return (
        PaymentTransaction.objects.select_related("request", "request__dossier")
        .filter(reference=str(reference or "")[:64])
        .first()
    )


def receipt_get_for(user, receipt_id: int) -> Receipt:
    """A receipt of a dossier ``user`` may see; ``NotFound`` otherwise."""
    try:
        return (
            Receipt.objects.select_related("request", "request__dossier", "agency")
            .filter(request__dossier__in=dossier_queryset_for(user))
            .get(pk=receipt_id)
        )
    except (Receipt.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(_not_found()) from error


def receipt_pdf(receipt: Receipt) -> bytes:
    """The PDF of ``receipt``: the stored one, or (before the job has stored it) the same document rendered
    now from the receipt's data."""
    if not receipt.file:
        from .receipts import render_receipt_pdf

        return render_receipt_pdf(receipt)
    with receipt.file.open("rb") as handle:
        return handle.read()


def payment_events_of(request: PaymentRequest) -> QuerySet:
    return request.events.order_by("occurred_at", "id")


# --- Back-office lists ---------------------------------------------------------------------------------------


def _staff_agencies(user) -> QuerySet:
    return StaffMembership.objects.filter(user=user, is_active=True, role__in=PAYMENT_STAFF_ROLES).values(
        "agency_id"
    )


def _requests_visible_to(user) -> Q:
    """Requests of dossiers received or decided by an agency where ``user`` holds a payment staff role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    agencies = _staff_agencies(user)
    return Q(dossier__receiving_agency_id__in=agencies) | Q(dossier__competent_agency_id__in=agencies)


def payment_staff_may_see(user) -> bool:
    """Whether ``user`` may open the back-office payment pages at all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or _staff_agencies(user).exists()


def may_record_payments(user, dossier: Dossier) -> bool:
    """Whether staff ``user`` may record a collection, an exemption, a cancellation or a refund for
    ``dossier`` (exactly what the services accept)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return StaffMembership.objects.filter(
        user=user,
        is_active=True,
        role__in=COLLECTING_ROLES,
        agency_id__in=[dossier.receiving_agency_id, dossier.competent_agency_id],
    ).exists()


def may_resolve_mismatches(user) -> bool:
    """Whether ``user`` may record how a reconciliation mismatch was dealt with."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        bool(user.is_superuser)
        or StaffMembership.objects.filter(user=user, is_active=True, role__in=RECONCILING_ROLES).exists()
    )


def requests_for(user, *, state: str | None = None) -> QuerySet[PaymentRequest]:
    """Payment requests visible to staff ``user``, newest first, optionally in one state."""
    queryset = PaymentRequest.objects.filter(_requests_visible_to(user)).select_related("dossier")
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-requested_at", "-id")


def collections_for(user, *, since: date | None = None, until: date | None = None) -> QuerySet:
    """Manual collections (cash, transfer, post office) visible to staff ``user``, newest first."""
    queryset = ManualCollection.objects.filter(
        request__in=PaymentRequest.objects.filter(_requests_visible_to(user))
    ).select_related("request", "request__dossier", "collected_by", "agency")
    if since:
        queryset = queryset.filter(collected_at__date__gte=since)
    if until:
        queryset = queryset.filter(collected_at__date__lte=until)
    return queryset.order_by("-collected_at", "-id")


def refunds_for(user, *, state: str | None = None) -> QuerySet[Refund]:
    """Refunds visible to staff ``user``: due ones first, then newest."""
    queryset = Refund.objects.filter(
        request__in=PaymentRequest.objects.filter(_requests_visible_to(user))
    ).select_related("request", "request__dossier", "transaction", "done_by")
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("state", "-due_since", "-id")


def refund_get_for(user, refund_id: int) -> Refund:
    try:
        return refunds_for(user).get(pk=refund_id)
    except (Refund.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(_not_found()) from error


def reconciliation_runs(*, provider: str | None = None, limit: int = 60) -> list[ReconciliationRun]:
    """The latest reconciliation runs, newest day first (supervisors and admins read them)."""
    queryset = ReconciliationRun.objects.all()
    if provider:
        queryset = queryset.filter(provider=provider)
    return list(queryset.order_by("-day", "-started_at", "-id")[:limit])


def reconciliation_run_get(run_id: int) -> ReconciliationRun:
    try:
        return ReconciliationRun.objects.prefetch_related(
            Prefetch(
                "mismatches",
                queryset=ReconciliationMismatch.objects.select_related("transaction").order_by("id"),
            )
        ).get(pk=run_id)
    except (ReconciliationRun.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(_not_found()) from error


def open_mismatches() -> QuerySet[ReconciliationMismatch]:
    """Mismatches nobody has dealt with yet, oldest day first."""
    return (
        ReconciliationMismatch.objects.filter(auto_resolved=False, resolved_at__isnull=True)
        .select_related("run", "transaction")
        .order_by("run__day", "id")
    )


def notifications_for(
    *, reference: str | None = None, since: datetime | None = None, limit: int = 200
) -> list[PaymentNotification]:
    """The partner message log, newest first (the "nhật ký" page of reconciliation)."""
    queryset = PaymentNotification.objects.all()
    if reference:
        queryset = queryset.filter(reference=reference)
    if since:
        queryset = queryset.filter(received_at__gte=since)
    return list(queryset.order_by("-received_at", "-id")[:limit])


def pending_transactions(*, older_than: datetime, limit: int = 100) -> list[PaymentTransaction]:
    """Initiated transactions started before ``older_than``, oldest first (for the query job)."""
    return list(
        PaymentTransaction.objects.filter(
            status=PaymentTransaction.Status.INITIATED, initiated_at__lt=older_than
        ).order_by("initiated_at", "id")[:limit]
    )


# --- Screens: totals, receipts, reconciliation per officer (added for the payment pages) -------------------


@dataclass(frozen=True)
class TotalRow:
    key: str  # the method or kind
    label: str
    count: int
    amount: int


@dataclass(frozen=True)
class Totals:
    """Counts and sums of a list page's rows, per method (collections) or per kind (receipts)."""

    rows: list[TotalRow] = field(default_factory=list)
    count: int = 0
    amount: int = 0


def _totals(queryset: QuerySet, key: str, labels: dict) -> Totals:
    """One GROUP BY query over ``queryset`` (filters kept, ordering dropped)."""
    from django.db.models import Count, Sum

    grouped = queryset.order_by().values(key).annotate(count=Count("pk"), amount=Sum("amount"))
    rows = [
        TotalRow(
            key=row[key],
            label=str(labels.get(row[key], row[key])),
            count=row["count"],
            amount=row["amount"] or 0,
        )
        for row in sorted(grouped, key=lambda row: list(labels).index(row[key]) if row[key] in labels else 99)
    ]
    return Totals(rows=rows, count=sum(r.count for r in rows), amount=sum(r.amount for r in rows))


def collection_totals(collections: QuerySet) -> Totals:
    """Count and sum per method of a :func:`collections_for` queryset (with the page's filters)."""
    from .models import CollectionMethod

    return _totals(collections, "method", dict(CollectionMethod.choices))


def receipts_for(
    user,
    *,
    agency_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    method: str | None = None,
) -> QuerySet[Receipt]:
    """Receipts of requests visible to staff ``user``, between the local days ``since`` and ``until``, newest
    first; when given, only those issued by ``agency_id`` or for dossiers it received (a one-stop unit sees what
    it collected for the agencies it serves), and paid by ``method``."""
    queryset = Receipt.objects.filter(
        request__in=PaymentRequest.objects.filter(_requests_visible_to(user))
    ).select_related("request", "request__dossier")
    if agency_id:
        queryset = queryset.filter(
            Q(agency_id=agency_id) | Q(request__dossier__receiving_agency_id=agency_id)
        )
    if since:
        queryset = queryset.filter(issued_at__date__gte=since)
    if until:
        queryset = queryset.filter(issued_at__date__lte=until)
    if method:
        queryset = queryset.filter(method=method)
    return queryset.order_by("-issued_at", "-id")


def receipt_totals(receipts: QuerySet) -> Totals:
    """Count and sum per kind (phí, lệ phí) of a :func:`receipts_for` queryset."""
    return _totals(receipts, "kind", dict(Fee.Kind.choices))


def reconciliation_runs_of_day(*, day: date, provider: str | None = None) -> list[ReconciliationRun]:
    """Every run for ``day`` (at ``provider`` when given), newest first."""
    queryset = ReconciliationRun.objects.filter(day=day).select_related("started_by")
    if provider:
        queryset = queryset.filter(provider=provider)
    return list(queryset.order_by("-started_at", "-id"))


def _mismatches_visible_to(user) -> QuerySet[ReconciliationMismatch]:
    """Mismatches of transactions of requests ``user`` may see, and those with no transaction of ours (a
    reference the provider has and we do not: nothing of a dossier to hide)."""
    visible = PaymentRequest.objects.filter(_requests_visible_to(user)).values("pk")
    return ReconciliationMismatch.objects.filter(
        Q(transaction__isnull=True) | Q(transaction__request__in=visible)
    ).select_related("run", "transaction", "transaction__request__dossier")


def mismatches_for(
    user, *, run: ReconciliationRun | None = None, open_only: bool = False, limit: int = 500
) -> list[ReconciliationMismatch]:
    """The mismatches staff ``user`` may see: of ``run``, or (``open_only``) those nobody has dealt with
    yet; oldest day first, at most ``limit``."""
    if not payment_staff_may_see(user):
        return []
    queryset = _mismatches_visible_to(user)
    if run is not None:
        queryset = queryset.filter(run=run)
    if open_only:
        queryset = queryset.filter(auto_resolved=False, resolved_at__isnull=True)
    return list(queryset.order_by("run__day", "run_id", "id")[:limit])


def mismatch_get_for(user, mismatch_id: int) -> ReconciliationMismatch:
    """One mismatch ``user`` may see (see :func:`mismatches_for`); ``NotFound`` otherwise."""
    if not payment_staff_may_see(user):
        raise NotFound(_not_found())
    try:
        return _mismatches_visible_to(user).get(pk=mismatch_id)
    except (ReconciliationMismatch.DoesNotExist, ValueError, TypeError) as error:
        raise NotFound(_not_found()) from error


def public_payment_state(code: str) -> str:
    """The payment state of dossier ``code`` for the public lookup page (one query, no amount, no name):
    "" when nothing is owed, else :attr:`PaymentSummary.state` ("unpaid", "pending", "paid", "refunded")."""
    states = list(
        PaymentRequest.objects.filter(dossier__code=(code or "").strip())
        .exclude(state=PaymentRequest.State.CANCELLED)
        .order_by("requested_at", "id")
        .values_list("state", flat=True)
    )
    if not states:
        return ""
    if PaymentRequest.State.PENDING in states:
        return PaymentRequest.State.PENDING
    if PaymentRequest.State.UNPAID in states:
        return PaymentRequest.State.UNPAID
    return states[-1]


def _not_found() -> str:
    from django.utils.translation import gettext

    return gettext("Không tìm thấy thông tin thanh toán.")
