"""Writes of the payments app (docs/payments.md).

Conventions (as in ``dossiers.services``): keyword-only arguments; ``actor`` is an ``accounts.User`` or
``dossiers.workflow.SYSTEM``; refusals are ``motcua.core.errors`` exceptions with Vietnamese messages and
change nothing; every state change of a request appends a ``PaymentEvent``; every change of the dossier
(status 6 → 4, ``paid_online``, the legal submission time of a "thu trước" dossier) goes through a
``dossiers.services`` function and leaves a ``DossierEvent``.

Rows are locked in one order everywhere: the dossier, then its payment request, then the transaction. No
database transaction is held open while a provider is called over the network.

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
  :func:`reconciliation_mismatch_resolve`;
* receipts: :func:`receipts_store_pending` (the job that keeps every receipt's PDF).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import StaffMembership, StaffRole
from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.core.logging import redact
from motcua.dossiers import services as dossier_services
from motcua.dossiers.files import check_upload
from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import SYSTEM, DossierStatus, SystemActor

from . import signals
from .models import (
    MANUAL_METHODS,
    CollectionMethod,
    FeeKind,
    ManualCollection,
    NotificationVerdict,
    PaymentEvent,
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
from .providers import ProviderError, ProviderUnavailable, Report, ReportStatus, StartData, get_provider
from .receipts import next_receipt_number, render_receipt_pdf, series_for
from .selectors import (
    COLLECTING_ROLES,
    RECONCILING_ROLES,
    enabled_providers,
    fee_lines_for,
    fees_due,
    pending_transactions,
    reception_waits_for_payment,
    timing_of,
)

logger = logging.getLogger("motcua.payments")

PROOF_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]
PROOF_MAX_SIZE_MB = 10
OPEN_STATES = (PaymentRequest.State.UNPAID, PaymentRequest.State.PENDING)
# Dossier statuses after which a payment is no longer taken (a late success is refunded).
CLOSED_STATUSES = frozenset({DossierStatus.NOT_RECEIVED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED})
# Dossier statuses in which fees can still be paid.
PAYABLE_STATUSES = frozenset(
    {
        DossierStatus.SUBMITTED,
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.AWAITING_PAYMENT,
        DossierStatus.RESOLVED,
    }
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


# --- Helpers -------------------------------------------------------------------------------------------------


def _actor_user(actor):
    if actor is None or isinstance(actor, SystemActor) or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _actor_name(actor) -> str:
    user = _actor_user(actor)
    if user is None:
        return _("Hệ thống")
    return (getattr(user, "full_name", "") or user.get_full_name() or user.get_username())[:200]


def _jsonable(payload: dict | None) -> dict:
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def _event(
    request: PaymentRequest, action: str, *, actor=None, from_state: str = "", reason: str = "", **payload
) -> PaymentEvent:
    return PaymentEvent.objects.create(
        request=request,
        occurred_at=timezone.now(),
        actor=_actor_user(actor),
        actor_name=_actor_name(actor),
        action=action,
        from_state=from_state,
        to_state=request.state,
        reason=(reason or "").strip(),
        payload=_jsonable(payload),
    )


def _lock(request: PaymentRequest) -> tuple[Dossier, PaymentRequest]:
    """Lock the request's dossier, then the request (the lock order of the whole app)."""
    return _lock_ids(request.dossier_id, request.pk)


def _lock_ids(dossier_id: int, request_id: int) -> tuple[Dossier, PaymentRequest]:
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure_version", "procedure_version__procedure", "competent_agency")
        .get(pk=dossier_id)
    )
    locked = PaymentRequest.objects.select_for_update().get(pk=request_id)
    return dossier, locked


def _check_staff(user, dossier: Dossier, roles=COLLECTING_ROLES) -> None:
    if user is None:
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
    allowed = StaffMembership.objects.filter(
        user=user,
        is_active=True,
        role__in=roles,
        agency_id__in=[dossier.receiving_agency_id, dossier.competent_agency_id],
    ).exists()
    if not allowed:
        raise PermissionDenied(
            _(
                "Chỉ cán bộ tiếp nhận hoặc lãnh đạo của cơ quan tiếp nhận, cơ quan giải quyết hồ sơ được thực hiện."
            )
        )


def _check_proof(proof):
    if proof is None:
        raise ValidationFailed(_("Vui lòng đính kèm chứng từ (ảnh hoặc tệp PDF)."), code="proof_required")
    return check_upload(proof, accepted_extensions=PROOF_EXTENSIONS, max_size_mb=PROOF_MAX_SIZE_MB)


def _vnd(amount: int) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đ"


def _recompute_amount(request: PaymentRequest) -> int:
    return sum(line.amount_due for line in request.lines.all())


def _live_requests(dossier: Dossier):
    return PaymentRequest.objects.filter(dossier=dossier).exclude(state=PaymentRequest.State.CANCELLED)


# --- Reporting fields and the dossier (called by dossiers through the hooks) ----------------------------------


def dossier_transition_hook(dossier: Dossier, transition, at: datetime) -> dict | None:
    """``dossiers.hooks`` transition hook: a dossier submitted or registered with fees to pay, or asked to
    fulfil a financial obligation, has a financial obligation (``paid_online`` False until paid online)."""
    if transition.name in ("submit_online", "register") and dossier.paid_online is None:
        lines = fees_due(fee_lines_for(case=dossier.procedure_case, channel=dossier.channel))
        if lines:
            dossier.paid_online = False
            return {"fees_due": sum(line.amount for line in lines)}
    if transition.name == "request_payment" and dossier.paid_online is None:
        dossier.paid_online = False
    return None


def reception_check(dossier: Dossier) -> str | None:
    """``dossiers.hooks`` reception check: fees collected before reception ("thu trước") that the applicant
    can pay online must be paid (or exempted) before the online dossier is received. Where the procedure
    offers no online payment, the one-stop unit collects them when the applicant comes and records the
    collection (the dossier is not held back: the applicant would have no way to pay)."""
    if reception_waits_for_payment(dossier):
        return _(
            "Thủ tục thu phí, lệ phí trước khi tiếp nhận: người nộp chưa thanh toán nên chưa thể tiếp nhận hồ sơ."
        )
    return None


def _record_on_dossier(
    dossier: Dossier, request: PaymentRequest, *, online: bool | None, reference: str = "", moment=None
) -> None:
    """After a request is paid (or lifted): the dossier's ``record_payment`` event (its process history), the
    legal submission time of a "thu trước" dossier, and the end of a status-6 wait."""
    paid = request.state == PaymentRequest.State.PAID
    if paid:
        paid_online = bool(online or dossier.paid_online)
    else:  # exempted or cancelled: no obligation left unless another request is still live
        paid_online = dossier.paid_online if _live_requests(dossier).exists() else None
    submitted_at = None
    if (
        paid
        and request.timing == PaymentRequest.Timing.BEFORE
        and dossier.status == DossierStatus.SUBMITTED
        and dossier.received_at is None
    ):
        submitted_at = moment or request.paid_at or timezone.now()
    dossier = dossier_services.dossier_record_payment(
        dossier=dossier,
        actor=SYSTEM,
        paid_online=paid_online,
        submitted_at=submitted_at,
        payload={
            "payment_request": str(request.public_id),
            "state": request.state,
            "amount": request.amount,
            "method": request.paid_via,
            "paid_at": request.paid_at if paid else None,
            "reference": reference,
        },
    )
    if (
        request.origin == PaymentRequest.Origin.OBLIGATION
        and dossier.status == DossierStatus.AWAITING_PAYMENT
    ):
        still_open = PaymentRequest.objects.filter(
            dossier=dossier, origin=PaymentRequest.Origin.OBLIGATION, state__in=OPEN_STATES
        ).exists()
        if not still_open:
            dossier_services.dossier_confirm_payment(
                dossier=dossier, actor=SYSTEM, revision=None, reference=reference or str(request.public_id)
            )


def _mark_paid(
    dossier: Dossier,
    request: PaymentRequest,
    *,
    method: str,
    actor,
    at: datetime,
    transaction_obj: PaymentTransaction | None = None,
    collection: ManualCollection | None = None,
    reference: str = "",
) -> None:
    before = request.state
    request.state = PaymentRequest.State.PAID
    request.paid_at = at
    request.paid_via = method
    request.paid_through_dvcqg = bool(transaction_obj and transaction_obj.through_dvcqg)
    request.revision += 1
    request.save()
    _event(
        request,
        "pay",
        actor=actor,
        from_state=before,
        method=method,
        amount=request.amount,
        reference=reference,
        transaction=transaction_obj.reference if transaction_obj else "",
        collection=collection.pk if collection else None,
    )
    _issue_receipts(dossier, request, method=method, transaction_obj=transaction_obj, collection=collection)
    _record_on_dossier(
        dossier, request, online=method == CollectionMethod.ONLINE, reference=reference, moment=at
    )
    transaction.on_commit(
        lambda: signals.payment_settled.send(sender=PaymentRequest, request=request, dossier_id=dossier.pk)
    )


def _issue_receipts(
    dossier: Dossier,
    request: PaymentRequest,
    *,
    method: str,
    transaction_obj: PaymentTransaction | None,
    collection: ManualCollection | None,
) -> list[Receipt]:
    """One receipt per kind (phí, lệ phí) of the paid lines; the PDF is rendered later."""
    by_kind: dict[str, list[dict]] = {}
    for line in request.lines.all():
        if line.amount_due > 0:
            by_kind.setdefault(line.kind, []).append(
                {"kind": line.kind, "code": line.code, "name": line.name, "amount": line.amount_due}
            )
    now = timezone.now()
    year = timezone.localtime(now).year
    receipts = []
    for kind in (FeeKind.FEE, FeeKind.CHARGE):
        lines = by_kind.get(kind)
        if not lines:
            continue
        series = series_for(kind, year)
        number = next_receipt_number(agency_id=dossier.competent_agency_id, series=series, year=year)
        receipts.append(
            Receipt.objects.create(
                request=request,
                kind=kind,
                agency_id=dossier.competent_agency_id,
                series=series,
                year=year,
                number=number,
                amount=sum(line["amount"] for line in lines),
                lines=lines,
                payer_name=(collection.payer_name if collection else "") or dossier.applicant_name,
                payer_address=dossier.applicant_address,
                method=method,
                transaction=transaction_obj,
                collection=collection,
                issued_at=now,
            )
        )
    return receipts


# --- Payment requests --------------------------------------------------------------------------------------


@transaction.atomic
def payment_request_create_for_dossier(*, dossier, actor=None) -> PaymentRequest | None:
    """Create the dossier's request from the catalog fees of its case and channel (idempotent: an existing
    catalog request is returned). None when nothing is collected. Called automatically when a dossier is
    submitted online or registered at the counter (``dossier_event_recorded``)."""
    existing = PaymentRequest.objects.filter(dossier=dossier, origin=PaymentRequest.Origin.CATALOG).first()
    if existing is not None:
        return existing
    lines = fees_due(fee_lines_for(case=dossier.procedure_case, channel=dossier.channel))
    if not lines:
        return None
    version = dossier.procedure_version
    request = PaymentRequest.objects.create(
        dossier=dossier,
        origin=PaymentRequest.Origin.CATALOG,
        timing=timing_of(lines),
        description=_("Phí, lệ phí hồ sơ %(code)s") % {"code": dossier.code},
        amount=sum(line.amount for line in lines),
        online_payment_allowed=bool(version.online_payment_offered),
        requested_by=_actor_user(actor),
    )
    PaymentLine.objects.bulk_create(
        [
            PaymentLine(
                request=request,
                fee_id=line.fee_id,
                kind=line.kind,
                code=line.code,
                name=line.name,
                amount=line.amount,
            )
            for line in lines
        ]
    )
    _event(request, "create", actor=actor or SYSTEM, timing=request.timing, amount=request.amount)
    return request


@transaction.atomic
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
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(_("Vui lòng nêu nghĩa vụ tài chính cần thực hiện."))
    if lines is None:
        lines = [LineData(name=description, amount=int(amount or 0))]
    cleaned: list[LineData] = []
    for line in lines:
        name = " ".join(str(line.name or "").split())[:500]
        try:
            value = int(line.amount)
        except (TypeError, ValueError):
            value = -1
        if not name or value <= 0:
            raise ValidationFailed(
                _("Mỗi khoản phải có tên và số tiền lớn hơn 0."), code="obligation_line_invalid"
            )
        if line.kind not in FeeKind.values:
            raise ValidationFailed(_("Loại khoản thu phải là phí hoặc lệ phí."))
        cleaned.append(LineData(name=name, amount=value, kind=line.kind, code=str(line.code or "")[:60]))
    if not cleaned:
        raise ValidationFailed(_("Vui lòng nhập ít nhất một khoản phải nộp."))
    total = sum(line.amount for line in cleaned)
    dossier = dossier_services.dossier_request_payment(
        dossier=dossier, actor=actor, revision=revision, amount=total, description=description, origin=origin
    )
    request = PaymentRequest.objects.create(
        dossier=dossier,
        origin=PaymentRequest.Origin.OBLIGATION,
        timing=PaymentRequest.Timing.AFTER,
        description=description,
        amount=total,
        online_payment_allowed=True,
        requested_by=_actor_user(actor),
    )
    PaymentLine.objects.bulk_create(
        [
            PaymentLine(request=request, kind=line.kind, code=line.code, name=line.name, amount=line.amount)
            for line in cleaned
        ]
    )
    _event(request, "create", actor=actor, amount=total, obligation=True)
    return request


@transaction.atomic
def payment_request_exempt(
    *, request: PaymentRequest, actor, reason: str, line_ids: list[int] | None = None
) -> PaymentRequest:
    """Record that the applicant is exempt (đối tượng miễn) from some lines (``line_ids``) or all of them,
    with the reason. A request with nothing left to pay is cancelled as exempt; the dossier then has no
    financial obligation (``paid_online`` back to empty) and a "thu trước" dossier may be received."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Vui lòng nêu lý do miễn (đối tượng được miễn, căn cứ)."), code="reason_required"
        )
    dossier, request = _lock(request)
    _check_staff(_actor_user(actor), dossier)
    if request.state != PaymentRequest.State.UNPAID:
        raise ValidationFailed(
            _("Chỉ ghi nhận miễn cho khoản chưa thanh toán và không có giao dịch đang chờ.")
        )
    lines = list(request.lines.all())
    chosen = [line for line in lines if line_ids is None or line.pk in set(line_ids)]
    if not chosen or (line_ids is not None and len(chosen) != len(set(line_ids))):
        raise ValidationFailed(_("Chọn các khoản được miễn trong yêu cầu này."))
    for line in chosen:
        line.exempt, line.exemption_reason = True, reason
        line.save(update_fields=["exempt", "exemption_reason"])
    before = request.state
    request.amount = _recompute_amount(request)
    if request.amount == 0:
        request.state = PaymentRequest.State.CANCELLED
        request.exempt, request.exemption_reason = True, reason
        request.cancelled_at, request.cancel_reason = timezone.now(), reason
    request.revision += 1
    request.save()
    _event(
        request, "exempt", actor=actor, from_state=before, reason=reason, lines=[line.pk for line in chosen]
    )
    if request.state == PaymentRequest.State.CANCELLED:
        _record_on_dossier(dossier, request, online=None, reference="exempt")
    return request


@transaction.atomic
def payment_request_cancel(*, request: PaymentRequest, actor, reason: str) -> PaymentRequest:
    """Cancel an unpaid request (Hủy) with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Vui lòng nêu lý do hủy."), code="reason_required")
    dossier, request = _lock(request)
    if not isinstance(actor, SystemActor):
        _check_staff(_actor_user(actor), dossier)
    if request.state != PaymentRequest.State.UNPAID:
        raise ValidationFailed(_("Chỉ hủy được yêu cầu chưa thanh toán và không có giao dịch đang chờ."))
    _cancel(request, actor=actor, reason=reason)
    _record_on_dossier(dossier, request, online=None, reference="cancelled")
    return request


def _cancel(request: PaymentRequest, *, actor, reason: str) -> None:
    before = request.state
    request.state = PaymentRequest.State.CANCELLED
    request.cancelled_at, request.cancel_reason = timezone.now(), reason
    request.revision += 1
    request.save()
    _event(request, "cancel", actor=actor, from_state=before, reason=reason)


def on_dossier_event(sender, *, dossier, event, **kwargs) -> None:
    """``dossier_event_recorded`` receiver (inside the dossier's transaction): create the request when a
    dossier with fees is submitted or registered; when a dossier is refused, not received, withdrawn or
    stopped, cancel what is unpaid and record a refund due for what a refused dossier paid."""
    action = event.action
    if action in ("submit_online", "register"):
        payment_request_create_for_dossier(dossier=dossier, actor=SYSTEM)
        return
    if action not in ("refuse_reception", "refuse", "withdraw", "stop"):
        return
    reason = {
        "refuse_reception": _("Hồ sơ không được tiếp nhận"),
        "refuse": _("Hồ sơ bị từ chối giải quyết"),
        "withdraw": _("Người nộp rút hồ sơ"),
        "stop": _("Cơ quan dừng xử lý hồ sơ"),
    }[action]
    for request in PaymentRequest.objects.select_for_update().filter(dossier=dossier).order_by("pk"):
        if request.state == PaymentRequest.State.UNPAID:
            _cancel(request, actor=SYSTEM, reason=reason)
        elif request.state == PaymentRequest.State.PAID and action in ("refuse_reception", "refuse"):
            refund_reason = (
                Refund.Reason.NOT_RECEIVED if action == "refuse_reception" else Refund.Reason.REFUSED
            )
            _refund_due(request, actor=SYSTEM, reason=refund_reason, note=reason)
        # A pending request stays pending: its transaction settles later, and a success then is refunded.


# --- Online payment ----------------------------------------------------------------------------------------


def _new_reference(dossier: Dossier) -> str:
    """MaThamChieu / vnp_TxnRef: "dvc" + the dossier code without non-word characters + a timestamp + a random
    suffix, at most 64 characters, unique (payments.md §3.2)."""
    code = re.sub(r"\W", "", dossier.code)[-30:]
    return f"dvc{code}{timezone.localtime():%y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"[:64]


def _return_url() -> str:
    configured = settings.MOTCUA_PAYMENT_RETURN_URL
    return configured or f"{settings.SITE_URL.rstrip('/')}/thanh-toan/ket-qua/"


def _may_pay(user, dossier: Dossier) -> bool:
    if user is None:
        return False
    if dossier.owner_id is not None and dossier.owner_id == user.pk:
        return True
    return StaffMembership.objects.filter(
        user=user, is_active=True, role=StaffRole.RECEPTION_OFFICER, agency_id=dossier.receiving_agency_id
    ).exists()


def _request_lines_for_provider(request: PaymentRequest) -> list[dict]:
    return [
        {"kind": line.kind, "code": line.code, "name": line.name, "amount": line.amount_due}
        for line in request.lines.all()
        if line.amount_due > 0
    ]


def payment_start(
    *,
    request: PaymentRequest,
    actor,
    provider: str | None = None,
    client_ip: str = "",
    return_url: str = "",
) -> PaymentTransaction:
    """Start an online payment of ``request`` at ``provider`` (default: the first enabled one) and return the
    transaction; redirect the citizen to ``transaction.payment_url``. Only the dossier's owner (or a reception
    officer of its receiving agency) may start it. When the provider cannot be reached, raises
    ``PaymentProviderUnavailable`` (a ``ValidationFailed`` with a Vietnamese message) and records nothing
    paid."""
    choices = {choice.code: choice for choice in enabled_providers()}
    if not choices:
        raise ValidationFailed(_("Chưa cấu hình cổng thanh toán trực tuyến."), code="no_payment_provider")
    code = provider or next(iter(choices))
    if code not in choices:
        raise ValidationFailed(_("Cổng thanh toán không hợp lệ."), code="payment_provider_invalid")
    client = get_provider(code)
    user = _actor_user(actor)
    with transaction.atomic():
        dossier, locked = _lock(request)
        if not _may_pay(user, dossier):
            raise NotFound(_("Không tìm thấy thông tin thanh toán."))
        if not locked.is_open:
            raise ValidationFailed(
                _("Khoản phí, lệ phí này không còn phải thanh toán (%(state)s).")
                % {"state": locked.get_state_display()},
                code="payment_request_closed",
            )
        if not locked.online_payment_allowed:
            raise ValidationFailed(
                _("Thủ tục này chưa hỗ trợ thanh toán trực tuyến."), code="online_payment_not_offered"
            )
        if locked.amount <= 0:
            raise ValidationFailed(_("Không có khoản nào phải thanh toán."))
        if dossier.status not in PAYABLE_STATUSES:
            raise ValidationFailed(
                _("Hồ sơ đang ở trạng thái “%(status)s”, không thể thanh toán.")
                % {"status": dossier.get_status_display()}
            )
        tx = PaymentTransaction.objects.create(
            request=locked,
            provider=code,
            through_dvcqg=client.through_dvcqg,
            reference=_new_reference(dossier),
            amount=locked.amount,
            client_ip=client_ip or None,
            initiated_by=user,
        )
        before = locked.state
        locked.state = PaymentRequest.State.PENDING
        locked.revision += 1
        locked.save()
        _event(locked, "start", actor=actor, from_state=before, provider=code, transaction=tx.reference)
        data = StartData(
            reference=tx.reference,
            amount=tx.amount,
            description=_("Thanh toan phi, le phi ho so %(code)s") % {"code": dossier.code},
            created_at=tx.initiated_at,
            return_url=return_url or _return_url(),
            client_ip=client_ip,
            dossier_code=dossier.code,
            procedure_code=dossier.procedure_version.procedure.national_code,
            procedure_name=dossier.procedure_version.name,
            agency_code=dossier.competent_agency.code or "",
            agency_name=dossier.competent_agency.name,
            payer_name=dossier.applicant_name,
            payer_identity=dossier.applicant_identity_number,
            payer_address=dossier.applicant_address,
            lines=_request_lines_for_provider(locked),
        )
    try:
        url = client.start(data)
    except ProviderUnavailable as error:
        _start_failed(tx, actor=actor, reason=f"unavailable: {error}")
        raise PaymentProviderUnavailable(
            _(
                "Cổng thanh toán %(provider)s đang tạm thời không kết nối được. Chưa có khoản tiền nào bị trừ; "
                "vui lòng thử lại sau ít phút hoặc nộp tại bộ phận một cửa."
            )
            % {"provider": Provider(code).label}
        ) from error
    except ProviderError as error:
        _start_failed(tx, actor=actor, reason=f"refused: {error}")
        raise PaymentProviderUnavailable(
            _(
                "Cổng thanh toán từ chối khởi tạo giao dịch. Chưa có khoản tiền nào bị trừ; vui lòng thử lại sau."
            )
        ) from error
    PaymentTransaction.objects.filter(pk=tx.pk).update(payment_url=url[:2000], updated_at=timezone.now())
    tx.payment_url = url[:2000]
    return tx


def _start_failed(tx: PaymentTransaction, *, actor, reason: str) -> None:
    logger.warning("payment %s could not start at %s: %s", tx.reference, tx.provider, redact(reason))
    with transaction.atomic():
        dossier, request = _lock(tx.request)
        locked = PaymentTransaction.objects.select_for_update().get(pk=tx.pk)
        if locked.status != PaymentTransaction.Status.INITIATED:
            return
        locked.status = PaymentTransaction.Status.FAILED
        locked.failure_reason = reason[:1000]
        locked.settled_at = timezone.now()
        locked.settled_by = PaymentTransaction.SettledBy.START
        locked.save()
        _back_to_unpaid(request, actor=actor, transaction_ref=locked.reference)


def _back_to_unpaid(request: PaymentRequest, *, actor, transaction_ref: str) -> None:
    """A pending request whose transactions are all finished without success is unpaid again."""
    if request.state != PaymentRequest.State.PENDING:
        return
    if request.transactions.filter(status=PaymentTransaction.Status.INITIATED).exists():
        return
    request.state = PaymentRequest.State.UNPAID
    request.revision += 1
    request.save()
    _event(
        request,
        "payment_failed",
        actor=actor,
        from_state=PaymentRequest.State.PENDING,
        transaction=transaction_ref,
    )


def _settle(tx_id: int, report: Report, *, via: str) -> str:
    """Apply a provider's word on a transaction, once. Returns the verdict (NotificationVerdict).

    A success is final: a later "failed" or a replay changes nothing. A success after a "failed" is applied
    (the money was taken). A success for a request already paid (or cancelled) is recorded as a duplicate and
    a refund becomes due. Must not run inside another transaction that holds other locks.
    """
    with transaction.atomic():
        request_id, dossier_id = PaymentTransaction.objects.values_list(
            "request_id", "request__dossier_id"
        ).get(pk=tx_id)
        dossier, request = _lock_ids(dossier_id, request_id)
        tx = PaymentTransaction.objects.select_for_update().get(pk=tx_id)
        final = report.status in (ReportStatus.SUCCEEDED, ReportStatus.FAILED)
        if final and report.amount is not None and report.amount != tx.amount:
            return NotificationVerdict.WRONG_AMOUNT
        if tx.status == PaymentTransaction.Status.SUCCEEDED:
            return (
                NotificationVerdict.DUPLICATE
                if report.status == ReportStatus.SUCCEEDED
                else NotificationVerdict.OUT_OF_ORDER
            )
        if report.status in (ReportStatus.PENDING, ReportStatus.NOT_FOUND):
            if tx.status == PaymentTransaction.Status.FAILED:
                return NotificationVerdict.OUT_OF_ORDER
            return NotificationVerdict.STILL_PENDING
        now = timezone.now()
        if report.status == ReportStatus.FAILED:
            if tx.status == PaymentTransaction.Status.FAILED:
                return NotificationVerdict.DUPLICATE
            tx.status = PaymentTransaction.Status.FAILED
            tx.provider_code = report.code
            tx.provider_transaction_id = tx.provider_transaction_id or report.provider_transaction_id
            tx.failure_reason = report.message[:1000] or _("Cổng thanh toán báo giao dịch không thành công.")
            tx.settled_at, tx.settled_by = now, via
            tx.save()
            _back_to_unpaid(request, actor=SYSTEM, transaction_ref=tx.reference)
            return NotificationVerdict.ACCEPTED
        # Succeeded.
        tx.status = PaymentTransaction.Status.SUCCEEDED
        tx.provider_code = report.code
        tx.provider_transaction_id = report.provider_transaction_id or tx.provider_transaction_id
        tx.bank_code = report.bank_code or tx.bank_code
        tx.provider_paid_at = report.paid_at
        tx.failure_reason = ""
        tx.settled_at, tx.settled_by = now, via
        if request.is_open and dossier.status not in CLOSED_STATUSES:
            tx.save()
            _mark_paid(
                dossier,
                request,
                method=CollectionMethod.ONLINE,
                actor=SYSTEM,
                at=now,
                transaction_obj=tx,
                reference=tx.reference,
            )
        else:  # already paid, cancelled, or the dossier is over: the money goes back
            tx.duplicate = True
            tx.save()
            if request.state == PaymentRequest.State.PAID:
                reason = Refund.Reason.DUPLICATE
                note = _("Giao dịch %(reference)s thành công khi yêu cầu đã được thanh toán.")
            elif request.is_open:  # the dossier is over (not received, withdrawn, stopped)
                reason = (
                    Refund.Reason.NOT_RECEIVED
                    if dossier.status == DossierStatus.NOT_RECEIVED
                    else Refund.Reason.OTHER
                )
                note = _("Giao dịch %(reference)s thành công khi hồ sơ đã “%(state)s”.") % {
                    "reference": tx.reference,
                    "state": dossier.get_status_display(),
                }
                _cancel(request, actor=SYSTEM, reason=_("Hồ sơ đã kết thúc trước khi thanh toán xong."))
            else:
                reason = Refund.Reason.OTHER
                note = _("Giao dịch %(reference)s thành công khi yêu cầu đã “%(state)s”.") % {
                    "reference": tx.reference,
                    "state": request.get_state_display(),
                }
            if "%(reference)s" in note:
                note = note % {"reference": tx.reference}
            Refund.objects.create(request=request, transaction=tx, amount=tx.amount, reason=reason, note=note)
            _event(
                request, "duplicate_payment", actor=SYSTEM, from_state=request.state, transaction=tx.reference
            )
        return NotificationVerdict.ACCEPTED


def _log_notification(
    *,
    provider: str,
    kind: str,
    data: dict,
    verdict: str,
    reply: dict,
    remote_addr: str,
    report: Report | None,
    tx: PaymentTransaction | None,
) -> None:
    reference = report.reference if report else str(data.get("MaThamChieu") or data.get("vnp_TxnRef") or "")
    payload = (
        {str(k)[:60]: str(v)[:1000] for k, v in list(data.items())[:60]} if isinstance(data, dict) else {}
    )
    PaymentNotification.objects.create(
        provider=provider,
        kind=kind,
        reference=reference[:100],
        transaction=tx,
        reported_status=report.status if report else "",
        reported_amount=report.amount if report else None,
        verdict=verdict,
        remote_addr=(remote_addr or "")[:100],
        payload=payload,
        reply=_jsonable(reply),
    )
    if verdict not in (
        NotificationVerdict.ACCEPTED,
        NotificationVerdict.STILL_PENDING,
        NotificationVerdict.DUPLICATE,
    ):
        logger.warning("payment %s from %s about %r: %s", kind, provider, redact(reference[:100]), verdict)


def payment_notification_receive(
    *, provider: str, data: dict, remote_addr: str = "", kind: str = ""
) -> NotificationReply:
    """A callback (PayGov, POST JSON) or IPN (VNPay, GET query) from ``provider``: check signature, reference
    and amount; settle the transaction once; log the message with its verdict; return the reply in the
    partner's format. Replays and a "failed" after a success change nothing."""
    client = get_provider(provider)
    data = data if isinstance(data, dict) else {}
    kind = kind or (
        PaymentNotification.Kind.CALLBACK if provider == Provider.PAYGOV else PaymentNotification.Kind.IPN
    )
    incoming = client.read_incoming(data)
    report, tx = incoming.report, None
    if report is None:
        verdict = NotificationVerdict.MALFORMED
    elif not incoming.signature_ok:
        verdict = NotificationVerdict.BAD_SIGNATURE
    else:
        tx = PaymentTransaction.objects.filter(reference=report.reference, provider=provider).first()
        if tx is None:
            verdict = NotificationVerdict.UNKNOWN_REFERENCE
        elif report.amount != tx.amount:
            verdict = NotificationVerdict.WRONG_AMOUNT
        else:
            try:
                verdict = _settle(tx.pk, report, via=PaymentTransaction.SettledBy.CALLBACK)
            except Exception:  # the partner gets "retry later"; the error goes to the log
                logger.exception("payment %s %s: settling failed", provider, tx.reference)
                verdict = NotificationVerdict.ERROR
    status, body = client.reply(verdict=verdict, data=data)
    _log_notification(
        provider=provider,
        kind=kind,
        data=data,
        verdict=verdict,
        reply=body,
        remote_addr=remote_addr,
        report=report,
        tx=tx,
    )
    return NotificationReply(status=status, body=body, verdict=verdict)


def payment_transaction_check(*, transaction: PaymentTransaction) -> PaymentTransaction:
    """Ask the provider for the status of one transaction (QUERY / querydr) and settle it if final. A
    transaction the provider does not know, past its page's expiry, is failed. Raises
    ``PaymentProviderUnavailable`` when the provider cannot answer."""
    tx = transaction
    client = get_provider(tx.provider)
    now = timezone.now()
    PaymentTransaction.objects.filter(pk=tx.pk).update(checks=tx.checks + 1, last_checked_at=now)
    try:
        report = client.query(
            reference=tx.reference, created_at=tx.initiated_at, client_ip=tx.client_ip or ""
        )
    except (ProviderUnavailable, ProviderError) as error:
        logger.warning("payment %s: query at %s failed: %s", tx.reference, tx.provider, redact(str(error)))
        raise PaymentProviderUnavailable(
            _("Không tra cứu được giao dịch tại cổng thanh toán; hệ thống sẽ tự tra cứu lại sau.")
        ) from error
    expired = now - tx.initiated_at > timedelta(minutes=settings.MOTCUA_PAYMENT_EXPIRE_MINUTES + 5)
    if report.status == ReportStatus.NOT_FOUND and expired:
        report = Report(
            reference=tx.reference,
            status=ReportStatus.FAILED,
            amount=None,
            code=report.code,
            message=_("Cổng thanh toán không có giao dịch này (trang thanh toán đã hết hạn)."),
        )
    if report.amount is not None and report.status == ReportStatus.SUCCEEDED and report.amount != tx.amount:
        verdict = NotificationVerdict.WRONG_AMOUNT
    else:
        verdict = _settle(tx.pk, report, via=PaymentTransaction.SettledBy.QUERY)
    _log_notification(
        provider=tx.provider,
        kind=PaymentNotification.Kind.QUERY,
        data={
            "reference": tx.reference,
            "status": report.status,
            "amount": report.amount,
            "code": report.code,
        },
        verdict=verdict,
        reply={},
        remote_addr="",
        report=report,
        tx=tx,
    )
    return PaymentTransaction.objects.get(pk=tx.pk)


def payment_check_pending(*, older_than_seconds: float | None = None, limit: int = 100) -> CheckSummary:
    """The job: query every transaction still initiated after ``older_than_seconds`` (setting
    ``MOTCUA_PAYMENT_QUERY_AFTER_SECONDS``) and settle those the provider has finished."""
    seconds = (
        settings.MOTCUA_PAYMENT_QUERY_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    )
    counts = {"checked": 0, "succeeded": 0, "failed": 0, "still_pending": 0, "errors": 0}
    for tx in pending_transactions(older_than=timezone.now() - timedelta(seconds=seconds), limit=limit):
        counts["checked"] += 1
        try:
            after = payment_transaction_check(transaction=tx)
        except PaymentProviderUnavailable:
            counts["errors"] += 1
            continue
        key = {"succeeded": "succeeded", "failed": "failed"}.get(after.status, "still_pending")
        counts[key] += 1
    return CheckSummary(**counts)


def payment_bill_fetch(*, transaction: PaymentTransaction) -> bytes:
    """The provider's PDF receipt of a succeeded transaction (PayGov GET_BILL)."""
    if transaction.status != PaymentTransaction.Status.SUCCEEDED:
        raise ValidationFailed(_("Giao dịch chưa thành công nên chưa có biên lai của cổng thanh toán."))
    client = get_provider(transaction.provider)
    try:
        return client.bill(reference=transaction.reference, created_at=transaction.initiated_at)
    except ProviderUnavailable as error:
        raise PaymentProviderUnavailable(
            _("Không kết nối được cổng thanh toán; vui lòng thử lại sau.")
        ) from error
    except ProviderError as error:
        raise ValidationFailed(_("Cổng thanh toán không cung cấp biên lai cho giao dịch này.")) from error


# --- Counter, bank transfer, post office ---------------------------------------------------------------------


def _store_proof(model_file_field, proof, checked) -> None:
    proof.seek(0) if hasattr(proof, "seek") else None
    content = proof.read()
    model_file_field.save(f"proof.{checked.extension}", ContentFile(content), save=False)


@transaction.atomic
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
    user = _actor_user(actor)
    if method not in [m.value for m in MANUAL_METHODS]:
        raise ValidationFailed(_("Hình thức thu không hợp lệ."), code="collection_method_invalid")
    now = timezone.now()
    collected_at = collected_at or now
    if collected_at > now + timedelta(minutes=1):
        raise ValidationFailed(_("Thời điểm thu không được ở tương lai."))
    checked = _check_proof(proof)
    dossier, locked = _lock(request)
    _check_staff(user, dossier)
    if not locked.is_open:
        raise ValidationFailed(
            _("Khoản phí, lệ phí này không còn phải thu (%(state)s).")
            % {"state": locked.get_state_display()},
            code="payment_request_closed",
        )
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        amount = -1
    if amount != locked.amount:
        raise ValidationFailed(
            _("Số tiền thu %(given)s không khớp số phải nộp %(due)s.")
            % {"given": _vnd(max(amount, 0)), "due": _vnd(locked.amount)},
            code="collection_amount_mismatch",
        )
    if method == CollectionMethod.BANK_TRANSFER and not reference.strip():
        raise ValidationFailed(_("Vui lòng nhập số giao dịch chuyển khoản."))
    agency_id = (
        dossier.receiving_agency_id
        if StaffMembership.objects.filter(
            user=user, is_active=True, agency_id=dossier.receiving_agency_id
        ).exists()
        else dossier.competent_agency_id
    )
    collection = ManualCollection(
        request=locked,
        method=method,
        amount=amount,
        collected_at=collected_at,
        collected_by=user,
        agency_id=agency_id,
        reference=reference.strip()[:100],
        payer_name=(payer_name or dossier.applicant_name).strip()[:255],
        note=(note or "").strip(),
        proof_name=checked.original_name[:255],
        proof_size=checked.size,
        proof_sha256=checked.sha256,
        proof_content_type=checked.content_type,
    )
    _store_proof(collection.proof, proof, checked)
    stored_name = collection.proof.name
    try:
        collection.save()
        _mark_paid(
            dossier,
            locked,
            method=method,
            actor=actor,
            at=collected_at,
            collection=collection,
            reference=collection.reference,
        )
    except BaseException:
        collection.proof.storage.delete(stored_name)
        raise
    return collection


# --- Refunds -------------------------------------------------------------------------------------------------


def _refund_due(
    request: PaymentRequest, *, actor, reason: str, note: str = "", amount: int | None = None
) -> Refund:
    existing = Refund.objects.filter(request=request, transaction__isnull=True).first()
    if existing is not None:
        return existing
    refund = Refund.objects.create(
        request=request, amount=request.amount if amount is None else amount, reason=reason, note=note
    )
    _event(
        request,
        "refund_due",
        actor=actor,
        from_state=request.state,
        reason=note,
        refund=refund.pk,
        amount=refund.amount,
    )
    return refund


@transaction.atomic
def refund_record_due(
    *, request: PaymentRequest, actor, reason: str, note: str = "", amount: int | None = None
) -> Refund:
    """Record that a paid request must be refunded (done automatically when a paid dossier is refused or not
    received, and for a duplicate payment)."""
    dossier, locked = _lock(request)
    if not isinstance(actor, SystemActor):
        _check_staff(_actor_user(actor), dossier)
    if reason not in Refund.Reason.values:
        raise ValidationFailed(_("Lý do hoàn phí không hợp lệ."))
    if locked.state != PaymentRequest.State.PAID:
        raise ValidationFailed(_("Chỉ hoàn phí cho khoản đã thanh toán."), code="refund_not_paid")
    if amount is not None and not 0 < int(amount) <= locked.amount:
        raise ValidationFailed(_("Số tiền hoàn phải lớn hơn 0 và không quá số đã nộp."))
    if Refund.objects.filter(request=locked, transaction__isnull=True).exists():
        raise Conflict(_("Khoản này đã có đề nghị hoàn phí."), code="refund_exists")
    return _refund_due(locked, actor=actor, reason=reason, note=(note or "").strip(), amount=amount)


@transaction.atomic
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
    user = _actor_user(actor)
    if method not in CollectionMethod.values:
        raise ValidationFailed(_("Hình thức hoàn không hợp lệ."))
    now = timezone.now()
    done_at = done_at or now
    if done_at > now + timedelta(minutes=1):
        raise ValidationFailed(_("Thời điểm hoàn không được ở tương lai."))
    checked = _check_proof(proof)
    dossier, request = _lock(refund.request)
    _check_staff(user, dossier)
    locked = Refund.objects.select_for_update().get(pk=refund.pk)
    if locked.state != Refund.State.DUE:
        raise ValidationFailed(_("Khoản hoàn phí này đã được ghi nhận."), code="refund_done")
    locked.state = Refund.State.DONE
    locked.done_at, locked.done_by = done_at, user
    locked.method = method
    locked.reference = reference.strip()[:100]
    if note.strip():
        locked.note = f"{locked.note}\n{note.strip()}".strip()
    locked.proof_name, locked.proof_size = checked.original_name[:255], checked.size
    locked.proof_sha256, locked.proof_content_type = checked.sha256, checked.content_type
    _store_proof(locked.proof, proof, checked)
    stored_name = locked.proof.name
    try:
        locked.save()
        before = request.state
        if (
            locked.transaction_id is None
            and request.state == PaymentRequest.State.PAID
            and locked.amount >= request.amount
        ):
            request.state = PaymentRequest.State.REFUNDED
            request.refunded_at = done_at
            request.revision += 1
            request.save()
        _event(
            request,
            "refund_done",
            actor=actor,
            from_state=before,
            refund=locked.pk,
            amount=locked.amount,
            method=method,
        )
    except BaseException:
        locked.proof.storage.delete(stored_name)
        raise
    return locked


# --- Reconciliation ------------------------------------------------------------------------------------------


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def reconciliation_run(*, day: date, provider: str | None = None, actor=None) -> ReconciliationRun:
    """Compare the provider's listing of ``day`` (local date of the transactions' start) with our
    transactions and record every mismatch. A success the provider has and we do not is settled at once (no
    payment is lost) and its mismatch marked auto-resolved; so is a transaction we still had as pending that
    the provider failed."""
    code = provider or (enabled_providers()[0].code if enabled_providers() else Provider.PAYGOV)
    if code not in Provider.values:
        raise ValidationFailed(_("Cổng thanh toán không hợp lệ."))
    run = ReconciliationRun.objects.create(provider=code, day=day, started_by=_actor_user(actor))
    client = get_provider(code)
    try:
        reports = client.listing(day)
    except (ProviderUnavailable, ProviderError) as error:
        run.outcome = ReconciliationRun.Outcome.FAILED
        run.error = redact(str(error))[:2000]
        run.finished_at = timezone.now()
        run.save()
        logger.warning("reconciliation %s %s failed: %s", code, day, run.error)
        return run
    start, end = _day_bounds(day)
    ours = {
        tx.reference: tx
        for tx in PaymentTransaction.objects.filter(
            provider=code, initiated_at__gte=start, initiated_at__lt=end
        )
    }
    mismatches: list[ReconciliationMismatch] = []

    def mismatch(kind, reference, tx, report, **detail) -> ReconciliationMismatch:
        row = ReconciliationMismatch(
            run=run,
            kind=kind,
            reference=reference[:100],
            transaction=tx,
            provider_status=report.status if report else "",
            provider_amount=report.amount if report else None,
            our_status=tx.status if tx else "",
            our_amount=tx.amount if tx else None,
            detail=_jsonable(detail),
        )
        mismatches.append(row)
        return row

    seen = set()
    for report in reports:
        seen.add(report.reference)
        tx = (
            ours.get(report.reference)
            or PaymentTransaction.objects.filter(provider=code, reference=report.reference).first()
        )
        if tx is None:
            if report.status == ReportStatus.SUCCEEDED:
                mismatch(ReconciliationMismatch.Kind.UNKNOWN_REFERENCE, report.reference, None, report)
            continue
        if report.status == ReportStatus.SUCCEEDED:
            if report.amount != tx.amount:
                mismatch(ReconciliationMismatch.Kind.AMOUNT_DIFFERS, report.reference, tx, report)
            elif tx.status != PaymentTransaction.Status.SUCCEEDED:
                row = mismatch(ReconciliationMismatch.Kind.MISSING_HERE, report.reference, tx, report)
                verdict = _settle(tx.pk, report, via=PaymentTransaction.SettledBy.RECONCILIATION)
                row.auto_resolved = verdict == NotificationVerdict.ACCEPTED
                row.detail = {"settled": verdict}
        elif tx.status == PaymentTransaction.Status.SUCCEEDED:
            mismatch(ReconciliationMismatch.Kind.STATUS_DIFFERS, report.reference, tx, report)
        elif tx.status == PaymentTransaction.Status.INITIATED and report.status == ReportStatus.FAILED:
            row = mismatch(ReconciliationMismatch.Kind.STATUS_DIFFERS, report.reference, tx, report)
            verdict = _settle(tx.pk, report, via=PaymentTransaction.SettledBy.RECONCILIATION)
            row.auto_resolved = verdict == NotificationVerdict.ACCEPTED
            row.detail = {"settled": verdict}
    for reference, tx in ours.items():
        if reference not in seen and tx.status == PaymentTransaction.Status.SUCCEEDED:
            mismatch(ReconciliationMismatch.Kind.MISSING_AT_PROVIDER, reference, tx, None)
    for row in mismatches:  # the transaction's state after any settlement above
        if row.transaction_id:
            row.our_status = PaymentTransaction.objects.values_list("status", flat=True).get(
                pk=row.transaction_id
            )
    ReconciliationMismatch.objects.bulk_create(mismatches)
    succeeded = [r for r in reports if r.status == ReportStatus.SUCCEEDED]
    ours_succeeded = PaymentTransaction.objects.filter(
        provider=code,
        initiated_at__gte=start,
        initiated_at__lt=end,
        status=PaymentTransaction.Status.SUCCEEDED,
    )
    run.provider_count = len(succeeded)
    run.provider_total = sum(r.amount or 0 for r in succeeded)
    run.our_count = ours_succeeded.count()
    run.our_total = sum(ours_succeeded.values_list("amount", flat=True))
    run.mismatch_count = len(mismatches)
    run.outcome = ReconciliationRun.Outcome.MISMATCHED if mismatches else ReconciliationRun.Outcome.MATCHED
    run.finished_at = timezone.now()
    run.save()
    return run


def reconciliation_run_due(*, now: datetime | None = None) -> list[ReconciliationRun]:
    """The job: reconcile yesterday for every enabled provider, once a day after
    ``MOTCUA_PAYMENT_RECONCILE_HOUR`` (a failed run is tried again at the next interval)."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < settings.MOTCUA_PAYMENT_RECONCILE_HOUR:
        return []
    day = local.date() - timedelta(days=1)
    runs = []
    for choice in enabled_providers():
        done = ReconciliationRun.objects.filter(provider=choice.code, day=day).exclude(
            outcome=ReconciliationRun.Outcome.FAILED
        )
        if not done.exists():
            runs.append(reconciliation_run(day=day, provider=choice.code))
    return runs


@transaction.atomic
def reconciliation_mismatch_resolve(
    *, mismatch: ReconciliationMismatch, actor, resolution: str
) -> ReconciliationMismatch:
    """Staff record how a mismatch was dealt with."""
    user = _actor_user(actor)
    resolution = (resolution or "").strip()
    if user is None:
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
    allowed = (
        user.is_superuser
        or StaffMembership.objects.filter(
            user=user,
            is_active=True,
            role__in=RECONCILING_ROLES,
        ).exists()
    )
    if not allowed:
        raise PermissionDenied(_("Chỉ lãnh đạo, giám sát hoặc quản trị được xử lý chênh lệch đối soát."))
    if not resolution:
        raise ValidationFailed(_("Vui lòng ghi cách xử lý chênh lệch."), code="reason_required")
    locked = ReconciliationMismatch.objects.select_for_update().get(pk=mismatch.pk)
    if locked.is_resolved:
        raise ValidationFailed(_("Chênh lệch này đã được xử lý."))
    locked.resolved_at, locked.resolved_by, locked.resolution = timezone.now(), user, resolution
    locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return locked


# --- Receipts ------------------------------------------------------------------------------------------------


def receipt_store_pdf(*, receipt: Receipt) -> Receipt:
    """Render and keep the receipt's PDF (once; a stored PDF is never replaced)."""
    if receipt.file:
        return receipt
    content = render_receipt_pdf(receipt)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.file:
            return locked
        locked.file.save(
            f"{locked.series.replace('/', '-')}-{locked.number:07d}.pdf", ContentFile(content), save=False
        )
        locked.sha256 = digest
        try:
            locked.save(update_fields=["file", "sha256"])
        except IntegrityError:  # pragma: no cover - defensive
            locked.file.storage.delete(locked.file.name)
            raise
    return locked


def receipts_store_pending(*, limit: int = 50) -> int:
    """The job: keep the PDF of receipts issued without one yet; returns how many were stored."""
    stored = 0
    for receipt in Receipt.objects.filter(file="").select_related("request", "request__dossier", "agency")[
        :limit
    ]:
        try:
            receipt_store_pdf(receipt=receipt)
        except Exception:  # one bad receipt must not stop the others
            logger.exception("receipt %s: PDF not stored", receipt.pk)
            continue
        stored += 1
    return stored


__all__: list[Any] = [
    "CheckSummary",
    "LineData",
    "NotificationReply",
    "PaymentProviderUnavailable",
    "payment_bill_fetch",
    "payment_check_pending",
    "payment_collection_record",
    "payment_notification_receive",
    "payment_request_cancel",
    "payment_request_create_for_dossier",
    "payment_request_exempt",
    "payment_request_obligation",
    "payment_start",
    "payment_transaction_check",
    "receipt_store_pdf",
    "receipts_store_pending",
    "reconciliation_mismatch_resolve",
    "reconciliation_run",
    "reconciliation_run_due",
    "refund_record_done",
    "refund_record_due",
]
