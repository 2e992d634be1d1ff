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

import json
import logging
import random
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, StaffMembership, StaffRole
from motcua.catalog.models import Channel, Fee, ProcedureCase, ProcedureVersion
from motcua.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.core.identity import clean_phone
from motcua.core.logging import redact
from motcua.dossiers import services as dossier_services
from motcua.dossiers.audit import normalise_payload
from motcua.dossiers.identity import ApplicantKind, clean_identity_number
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.services import ApplicantData
from motcua.dossiers.workflow import SYSTEM, DossierStatus, SystemActor

from . import tracking
from .models import (
    Direction,
    FeeAccount,
    HandoverItem,
    HandoverRecord,
    OrderStatus,
    PickupMethod,
    PostalArrangement,
    PostalEvent,
    PostalOption,
    PostalOrder,
    SyncAction,
    SyncState,
    TrackingEvent,
)
from .providers import OrderRequest, Party, PostalProviderError, get_provider, provider_name
from .signals import postal_delivery_failed, postal_order_delivered

logger = logging.getLogger("motcua.postal")

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

ADDRESS_MAX = 500
# An order that is not (or no longer) a shipment in progress: a new one may replace it.
ENDED = (OrderStatus.CANCELLED, OrderStatus.RETURNED)


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


# --- Helpers -----------------------------------------------------------------------------------------------


def _user(actor):
    if actor is None or isinstance(actor, SystemActor) or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _actor_name(actor) -> str:
    user = _user(actor)
    if user is None:
        return _("Hệ thống")
    return (getattr(user, "full_name", "") or user.get_full_name() or user.get_username())[:200]


def _record(
    action: str,
    *,
    actor=None,
    arrangement: PostalArrangement | None = None,
    order: PostalOrder | None = None,
    handover: HandoverRecord | None = None,
    dossier: Dossier | None = None,
    payload: dict | None = None,
    now: datetime | None = None,
) -> PostalEvent:
    return PostalEvent.objects.create(
        occurred_at=now or timezone.now(),
        actor=_user(actor),
        actor_name=_actor_name(actor),
        action=action,
        arrangement=arrangement,
        order=order,
        handover=handover,
        dossier=dossier if dossier is not None else getattr(order or arrangement, "dossier", None),
        payload=normalise_payload(payload),
    )


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def _is_reception_officer(actor, agency: Agency) -> bool:
    user = _user(actor)
    if user is None:
        return False
    if user.is_superuser:
        return True
    return StaffMembership.objects.filter(
        user=user, agency=agency, role=StaffRole.RECEPTION_OFFICER, is_active=True
    ).exists()


def _require_reception_officer(actor, agency: Agency) -> None:
    if not _is_reception_officer(actor, agency):
        raise PermissionDenied(
            _("Chỉ cán bộ tiếp nhận của “%(agency)s” được thực hiện việc này.") % {"agency": agency.name}
        )


def _new_reference(now: datetime) -> str:
    """Our order reference: "BC", the local date and 8 random hex digits (unique in the table)."""
    return f"BC{timezone.localtime(now):%y%m%d}{secrets.token_hex(4).upper()}"


def _callback_url() -> str:
    return settings.MOTCUA_POSTAL_WEBHOOK_URL or f"{settings.SITE_URL}/api/v1/postal/webhook"


def _version_in_force(version: ProcedureVersion, now: datetime) -> bool:
    return (
        version.status == ProcedureVersion.Status.PUBLISHED
        and version.effective_from is not None
        and version.effective_from <= now
        and (version.effective_to is None or version.effective_to > now)
    )


def _clean_applicant(applicant: ApplicantData, *, phone_required: bool) -> dict:
    if applicant.kind not in ApplicantKind.values:
        raise ValidationFailed(_("Loại chủ hồ sơ không hợp lệ."))
    name = _text(applicant.name, 255)
    if not name:
        raise ValidationFailed(_("Vui lòng nhập tên chủ hồ sơ."), extra={"fields": {"name": _("Bắt buộc.")}})
    phone = clean_phone(applicant.phone)
    if phone_required and not phone:
        raise ValidationFailed(
            _("Vui lòng nhập số điện thoại để nhân viên bưu chính liên hệ."),
            extra={"fields": {"phone": _("Bắt buộc.")}},
        )
    email = (applicant.email or "").strip()[:254]
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(
                _("Địa chỉ thư điện tử “%(value)s” không hợp lệ.") % {"value": email},
                extra={"fields": {"email": _("Không hợp lệ.")}},
            ) from None
    return {
        "kind": applicant.kind,
        "name": name,
        "identity_number": clean_identity_number(applicant.kind, applicant.identity_number),
        "phone": phone,
        "email": email,
        "address": _text(applicant.address, ADDRESS_MAX),
    }


def _clean_return(recipient_name: str, recipient_phone: str, return_address: str) -> dict:
    fields = {}
    name, address = _text(recipient_name, 255), _text(return_address, ADDRESS_MAX)
    phone = clean_phone(recipient_phone)
    if not name:
        fields["recipient_name"] = _("Vui lòng nhập tên người nhận kết quả.")
    if not phone:
        fields["recipient_phone"] = _("Vui lòng nhập số điện thoại người nhận kết quả.")
    if not address:
        fields["return_address"] = _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính.")
    if fields:
        raise ValidationFailed(
            " ".join(fields.values()), code="return_address_required", extra={"fields": fields}
        )
    return {"recipient_name": name, "recipient_phone": phone, "return_address": address}


def _check_submission(
    *, case: ProcedureCase, receiving_agency: Agency, competent_agency: Agency, return_by_post: bool, now
) -> None:
    from motcua.dossiers.submission import submission_places

    version = case.version
    if not _version_in_force(version, now):
        raise ValidationFailed(_("Thủ tục “%(name)s” hiện không áp dụng.") % {"name": version.name})
    if not version.postal_submission_allowed:
        raise ValidationFailed(
            _("Thủ tục này không tiếp nhận hồ sơ qua bưu chính công ích."),
            code="postal_submission_not_allowed",
        )
    if return_by_post and not version.postal_return_allowed:
        raise ValidationFailed(
            _("Thủ tục này không trả kết quả qua bưu chính công ích."), code="postal_return_not_allowed"
        )
    places = {(p.receiving_agency.pk, p.competent_agency.pk) for p in submission_places(version)}
    if (receiving_agency.pk, competent_agency.pk) not in places:
        raise ValidationFailed(
            _("Nơi nộp đã chọn không tiếp nhận hồ sơ của thủ tục này."), code="place_not_offered"
        )


def _fees_collected_before(case: ProcedureCase) -> int:
    """Fees of the case due before reception for postal dossiers: what postal staff collect at pickup."""
    fees = Fee.objects.filter(version=case.version, timing=Fee.Timing.BEFORE).filter(
        Q(case__isnull=True) | Q(case=case), Q(channel="") | Q(channel=Channel.POSTAL)
    )
    return int(sum(fee.amount for fee in fees))


def _agency_party(agency: Agency) -> Party:
    return Party(name=agency.name, address=agency.address or agency.name, phone=agency.phone[:20])


def _queue(order: PostalOrder, action: str, now: datetime) -> None:
    order.sync_action = action
    order.sync_state = SyncState.QUEUED
    order.attempts = 0
    order.next_attempt_at = now
    order.claim_token = ""
    order.claimed_at = None
    order.last_error = ""


def _create_order(
    *,
    direction: str,
    agency: Agency,
    sender: Party,
    recipient: Party,
    contents: str,
    cod_amount: int = 0,
    arrangement: PostalArrangement | None = None,
    dossier: Dossier | None = None,
    actor=None,
    now: datetime,
) -> PostalOrder:
    """A new order, queued for the operator in the caller's transaction (never sent from here)."""
    order = PostalOrder(
        direction=direction,
        agency=agency,
        arrangement=arrangement,
        dossier=dossier,
        provider=provider_name() or "none",
        sender_name=sender.name[:255],
        sender_phone=sender.phone[:20],
        sender_address=sender.address[:ADDRESS_MAX],
        recipient_name=recipient.name[:255],
        recipient_phone=recipient.phone[:20],
        recipient_address=recipient.address[:ADDRESS_MAX],
        contents=contents,
        cod_amount=max(int(cod_amount or 0), 0),
        status=OrderStatus.CREATED,
        status_changed_at=now,
        created_by=_user(actor),
    )
    _queue(order, SyncAction.CREATE, now)
    for _attempt in range(5):
        order.reference = _new_reference(now)
        try:
            with transaction.atomic():
                order.save()
            break
        except IntegrityError:  # a reference drawn twice: draw again
            order.pk = None
            continue
    else:  # pragma: no cover - five collisions of 32 random bits in one day
        raise Conflict(_("Không tạo được mã đơn bưu gửi, vui lòng thử lại."))
    _record(
        "order_created",
        actor=actor,
        order=order,
        arrangement=arrangement,
        payload={"reference": order.reference, "direction": direction, "cod_amount": order.cod_amount},
        now=now,
    )
    return order


def _lock_order(order: PostalOrder) -> PostalOrder:
    try:
        return PostalOrder.objects.select_for_update().get(pk=order.pk)
    except PostalOrder.DoesNotExist as error:
        raise NotFound(_("Không tìm thấy đơn bưu gửi.")) from error


def _cancel_order(order: PostalOrder, *, actor, reason: str, now: datetime) -> PostalOrder:
    """Cancel a locked order: at once if the operator never heard of it, else queue the cancel request."""
    if order.status not in (OrderStatus.CREATED, OrderStatus.ACCEPTED):
        raise Conflict(
            _("Bưu gửi đã được bưu chính nhận (%(status)s), không hủy được.")
            % {"status": order.get_status_display()},
            code="not_cancellable",
        )
    never_sent = order.sent_at is None and order.sync_state in (SyncState.QUEUED, SyncState.FAILED)
    if never_sent:
        order.status, order.status_changed_at = OrderStatus.CANCELLED, now
        order.sync_state, order.next_attempt_at, order.last_error = SyncState.SENT, None, ""
        action = "order_cancelled"
    else:  # sent, or being sent right now: the operator must be told (idempotent on its side)
        _queue(order, SyncAction.CANCEL, now)
        action = "order_cancel_queued"
    order.save()
    _record(
        action, actor=actor, order=order, arrangement=order.arrangement, payload={"reason": reason}, now=now
    )
    return order


# --- Citizen -----------------------------------------------------------------------------------------------


@transaction.atomic
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
    owner = _user(actor)
    if owner is None:
        raise PermissionDenied(_("Vui lòng đăng nhập để đăng ký gửi hồ sơ qua bưu chính."))
    now = timezone.now()
    _check_submission(
        case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        return_by_post=return_by_post,
        now=now,
    )
    if pickup_method not in PickupMethod.values:
        raise ValidationFailed(_("Vui lòng chọn nơi giao hồ sơ cho bưu chính."))
    cleaned = _clean_applicant(applicant, phone_required=True)
    address = _text(pickup_address, ADDRESS_MAX)
    if pickup_method == PickupMethod.ADDRESS and not address:
        raise ValidationFailed(
            _("Vui lòng nhập địa chỉ để nhân viên bưu chính đến nhận hồ sơ."),
            code="pickup_address_required",
            extra={"fields": {"pickup_address": _("Bắt buộc.")}},
        )
    back = _clean_return(recipient_name, recipient_phone, return_address) if return_by_post else {}
    arrangement = PostalArrangement.objects.create(
        option=PostalOption.BOTH if return_by_post else PostalOption.SEND,
        owner=owner,
        procedure_case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        applicant=cleaned,
        summary=_text(summary, 1000),
        pickup_method=pickup_method,
        pickup_address=address if pickup_method == PickupMethod.ADDRESS else "",
        post_office=_text(post_office, 255),
        **back,
    )
    _record(
        "arrangement_created",
        actor=actor,
        arrangement=arrangement,
        payload={"option": arrangement.option, "pickup_method": pickup_method, "origin": origin},
        now=now,
    )
    if pickup_method == PickupMethod.ADDRESS:
        _create_order(
            direction=Direction.INBOUND,
            agency=receiving_agency,
            sender=Party(name=cleaned["name"], address=address, phone=cleaned["phone"]),
            recipient=_agency_party(receiving_agency),
            contents=_("Hồ sơ thủ tục: %(name)s") % {"name": procedure_case.version.name},
            cod_amount=_fees_collected_before(procedure_case),
            arrangement=arrangement,
            actor=actor,
            now=now,
        )
    return arrangement


def _lock_arrangement(arrangement: PostalArrangement) -> PostalArrangement:
    try:
        return PostalArrangement.objects.select_for_update().get(pk=arrangement.pk)
    except PostalArrangement.DoesNotExist as error:
        raise NotFound(_("Không tìm thấy đăng ký bưu chính.")) from error


def _may_act_on_arrangement(actor, arrangement: PostalArrangement) -> bool:
    user = _user(actor)
    if user is None:
        return False
    if arrangement.owner_id == user.pk:
        return True
    dossier = arrangement.dossier
    if dossier is not None and dossier.owner_id == user.pk:
        return True
    agency = dossier.receiving_agency if dossier is not None else arrangement.receiving_agency
    return agency is not None and _is_reception_officer(user, agency)


@transaction.atomic
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
    now = timezone.now()
    if arrangement is None:
        if dossier is None:
            raise ValidationFailed(_("Thiếu hồ sơ hoặc đăng ký bưu chính."))
        if dossier.result_channel != ResultChannel.POSTAL:
            raise ValidationFailed(
                _("Hồ sơ này không đăng ký nhận kết quả qua bưu chính."), code="not_postal_return"
            )
        arrangement = PostalArrangement.objects.filter(dossier=dossier).first()
        if arrangement is None:
            probe = PostalArrangement(dossier=dossier, owner=dossier.owner)
            if not _may_act_on_arrangement(actor, probe):
                raise NotFound(_("Không tìm thấy hồ sơ."))
            arrangement = PostalArrangement.objects.create(
                dossier=dossier, owner=dossier.owner, option=PostalOption.RETURN
            )
    arrangement = _lock_arrangement(arrangement)
    if not _may_act_on_arrangement(actor, arrangement):
        raise NotFound(_("Không tìm thấy đăng ký bưu chính."))
    if arrangement.cancelled_at is not None:
        raise Conflict(_("Đăng ký bưu chính đã hủy."), code="arrangement_cancelled")
    if not arrangement.returns:
        raise ValidationFailed(_("Đăng ký này không nhận kết quả qua bưu chính."), code="not_postal_return")
    if arrangement.dossier_id and (
        PostalOrder.objects.filter(dossier_id=arrangement.dossier_id, direction=Direction.OUTBOUND)
        .exclude(status__in=ENDED)
        .exists()
        or arrangement.dossier.status == DossierStatus.RETURNED
    ):
        raise Conflict(
            _("Kết quả đã được giao cho bưu chính, không đổi được địa chỉ nhận."), code="result_already_sent"
        )
    cleaned = _clean_return(recipient_name, recipient_phone, return_address)
    before = {field: getattr(arrangement, field) for field in cleaned}
    for field, value in cleaned.items():
        setattr(arrangement, field, value)
    arrangement.save()
    _record(
        "return_address_set",
        actor=actor,
        arrangement=arrangement,
        payload={"before": before, "after": cleaned, "origin": origin},
        now=now,
    )
    return arrangement


@transaction.atomic
def postal_arrangement_cancel(
    *, arrangement: PostalArrangement, actor, reason: str = ""
) -> PostalArrangement:
    """The applicant withdraws a pickup request whose dossier has not been handed over yet.

    Its inbound order is cancelled: at once if it never reached the operator, otherwise a cancel request is
    queued for the operator.
    """
    now = timezone.now()
    arrangement = _lock_arrangement(arrangement)
    if not _may_act_on_arrangement(actor, arrangement):
        raise NotFound(_("Không tìm thấy đăng ký bưu chính."))
    if arrangement.cancelled_at is not None:
        return arrangement
    if arrangement.dossier_id is not None or not arrangement.sends:
        raise Conflict(
            _("Hồ sơ đã được bưu chính giao cho cơ quan, không hủy đăng ký được."), code="already_handed_over"
        )
    for order in (
        PostalOrder.objects.select_for_update()
        .filter(arrangement=arrangement, direction=Direction.INBOUND)
        .exclude(status__in=ENDED)
    ):
        _cancel_order(order, actor=actor, reason=reason, now=now)
    arrangement.cancelled_at = now
    arrangement.save()
    _record(
        "arrangement_cancelled", actor=actor, arrangement=arrangement, payload={"reason": reason}, now=now
    )
    return arrangement


def postal_arrangement_from_draft(*, dossier: Dossier, data: Mapping) -> PostalArrangement | None:
    """Create the return arrangement of an online dossier from its submission draft (``delivery_address``).

    Called inside the submission transaction when the draft is linked to its dossier; does nothing (returns
    None) when the result is not returned by post, and is idempotent.
    """
    if data.get("result_channel") != ResultChannel.POSTAL or dossier.result_channel != ResultChannel.POSTAL:
        return None
    existing = PostalArrangement.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    applicant = data.get("applicant") or {}
    arrangement = PostalArrangement.objects.create(
        dossier=dossier,
        owner=dossier.owner,
        option=PostalOption.RETURN,
        # The recipient the applicant named on the result step (``delivery_recipient``/``delivery_phone``),
        # else the applicant.
        recipient_name=_text(
            data.get("delivery_recipient", "") or applicant.get("name", "") or dossier.applicant_name, 255
        ),
        recipient_phone=(
            data.get("delivery_phone", "") or applicant.get("phone", "") or dossier.applicant_phone
        )[:20],
        return_address=_text(data.get("delivery_address", ""), ADDRESS_MAX),
    )
    _record(
        "arrangement_created",
        actor=dossier.owner,
        arrangement=arrangement,
        dossier=dossier,
        payload={"option": arrangement.option, "origin": "submission"},
    )
    return arrangement


# --- Back office ---------------------------------------------------------------------------------------------


@transaction.atomic
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
    _require_reception_officer(actor, receiving_agency)
    now = timezone.now()
    _check_submission(
        case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        return_by_post=return_by_post,
        now=now,
    )
    cleaned = _clean_applicant(applicant, phone_required=False)
    back = _clean_return(recipient_name, recipient_phone, return_address) if return_by_post else {}
    arrangement = PostalArrangement.objects.create(
        option=PostalOption.BOTH if return_by_post else PostalOption.SEND,
        procedure_case=procedure_case,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency,
        applicant=cleaned,
        summary=_text(summary, 1000),
        pickup_method=PickupMethod.POST_OFFICE,
        post_office=_text(post_office, 255),
        **back,
    )
    _record(
        "arrangement_recorded",
        actor=actor,
        arrangement=arrangement,
        payload={"option": arrangement.option, "origin": origin},
        now=now,
    )
    return arrangement


@transaction.atomic
def postal_result_send(
    *,
    dossier: Dossier,
    actor,
    contents: str = "",
    recipient_name: str = "",
    recipient_phone: str = "",
    recipient_address: str = "",
    cod_amount: int = 0,
    revision: int | None = None,
    origin: str = "",
) -> PostalOrder:
    """Send the result of a resolved dossier (status 9) by post (QĐ 45/2016 Art. 9): queue an outbound order.

    By a reception officer of the receiving agency. The recipient defaults to the dossier's postal
    arrangement, then to the applicant. If the result is ready before the appointment the applicant is
    told of the early return first (``dossier_notify_early_return``). Refused when an active outbound order
    exists. Delivery (a tracking update) returns the result and closes the dossier. ``cod_amount``: fees the
    post collects from the recipient on delivery (đồng), if any; ``revision`` the dossier revision seen.
    """
    now = timezone.now()
    try:
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("receiving_agency", "procedure_version")
            .get(pk=dossier.pk)
        )
    except Dossier.DoesNotExist as error:
        raise NotFound(_("Không tìm thấy hồ sơ.")) from error
    _require_reception_officer(actor, locked.receiving_agency)
    if revision is not None and locked.revision != revision:
        raise Conflict(_("Hồ sơ vừa được thay đổi, vui lòng tải lại."), code="stale_revision")
    if locked.status != DossierStatus.RESOLVED:
        raise ValidationFailed(
            _("Chỉ gửi kết quả qua bưu chính khi hồ sơ đã xử lý xong."), code="not_resolved"
        )
    if locked.result_channel != ResultChannel.POSTAL:
        raise ValidationFailed(
            _("Hồ sơ này không đăng ký nhận kết quả qua bưu chính."), code="not_postal_return"
        )
    active = (
        PostalOrder.objects.select_for_update()
        .filter(dossier=locked, direction=Direction.OUTBOUND)
        .exclude(status__in=ENDED)
        .first()
    )
    if active is not None:
        raise Conflict(
            _("Kết quả đã được giao cho bưu chính (mã %(ref)s).")
            % {"ref": active.slip_number or active.reference},
            code="result_already_sent",
        )
    arrangement = PostalArrangement.objects.filter(dossier=locked).first()
    name = (
        _text(recipient_name, 255)
        or (arrangement.recipient_name if arrangement else "")
        or locked.applicant_name
    )
    phone = (
        clean_phone(recipient_phone)
        or (arrangement.recipient_phone if arrangement else "")
        or locked.applicant_phone
    )
    address = (
        _text(recipient_address, ADDRESS_MAX)
        or (arrangement.return_address if arrangement else "")
        or locked.applicant_address
    )
    if not address:
        raise ValidationFailed(
            _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."),
            code="return_address_required",
            extra={"fields": {"recipient_address": _("Bắt buộc.")}},
        )
    if arrangement is None:
        arrangement = PostalArrangement.objects.create(
            dossier=locked,
            owner=locked.owner,
            option=PostalOption.RETURN,
            recipient_name=name,
            recipient_phone=phone,
            return_address=address,
        )
        _record(
            "arrangement_created",
            actor=actor,
            arrangement=arrangement,
            payload={"origin": "result_send"},
            now=now,
        )
    if not contents.strip():
        names = list(locked.results.order_by("number").values_list("name", flat=True))
        contents = _("Kết quả giải quyết hồ sơ %(code)s: %(names)s") % {
            "code": locked.code,
            "names": "; ".join(names) or locked.procedure_version.name,
        }
    if (
        locked.appointment_at is not None
        and now < locked.appointment_at
        and locked.early_return_notified_at is None
    ):
        locked = dossier_services.dossier_notify_early_return(
            dossier=locked, actor=actor, revision=locked.revision, origin=origin or "postal"
        )
    return _create_order(
        direction=Direction.OUTBOUND,
        agency=locked.receiving_agency,
        sender=_agency_party(locked.receiving_agency),
        recipient=Party(name=name, address=address, phone=phone),
        contents=contents.strip(),
        cod_amount=cod_amount,
        arrangement=arrangement,
        dossier=locked,
        actor=actor,
        now=now,
    )


def _may_act_on_order(actor, order: PostalOrder) -> bool:
    if _is_reception_officer(actor, order.agency):
        return True
    return order.arrangement is not None and _may_act_on_arrangement(actor, order.arrangement)


@transaction.atomic
def postal_order_cancel(*, order: PostalOrder, actor, reason: str = "") -> PostalOrder:
    """Cancel an order not yet picked up: locally if it never reached the operator, else queue a cancel."""
    order = _lock_order(order)
    if not _is_reception_officer(actor, order.agency):
        raise PermissionDenied(_("Chỉ cán bộ tiếp nhận được hủy đơn bưu gửi."))
    return _cancel_order(order, actor=actor, reason=_text(reason, 500), now=timezone.now())


@transaction.atomic
def postal_order_retry(*, order: PostalOrder, actor) -> PostalOrder:
    """Put an order whose request failed (rejected by the operator) back in the queue, to be sent now."""
    order = _lock_order(order)
    if not _is_reception_officer(actor, order.agency):
        raise PermissionDenied(_("Chỉ cán bộ tiếp nhận được gửi lại đơn bưu gửi."))
    if order.sync_state != SyncState.FAILED:
        raise Conflict(_("Đơn bưu gửi không ở trạng thái gửi lỗi."), code="not_failed")
    now = timezone.now()
    _queue(order, order.sync_action, now)
    order.save()
    _record("order_requeued", actor=actor, order=order, payload={"action": order.sync_action}, now=now)
    return order


def _lock_record(record: HandoverRecord) -> HandoverRecord:
    try:
        return HandoverRecord.objects.select_for_update().select_related("agency").get(pk=record.pk)
    except HandoverRecord.DoesNotExist as error:
        raise NotFound(_("Không tìm thấy biên bản giao nhận.")) from error


def _draft_record(record: HandoverRecord, actor) -> HandoverRecord:
    record = _lock_record(record)
    _require_reception_officer(actor, record.agency)
    if record.is_signed:
        raise Conflict(_("Biên bản đã ký, không sửa được."), code="handover_signed")
    return record


@transaction.atomic
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
    _require_reception_officer(actor, agency)
    if kind not in HandoverRecord.Kind.values:
        raise ValidationFailed(_("Loại biên bản không hợp lệ."))
    staff = _text(postal_staff_name, 255)
    if not staff:
        raise ValidationFailed(
            _("Vui lòng nhập họ tên nhân viên bưu chính."),
            extra={"fields": {"postal_staff_name": _("Bắt buộc.")}},
        )
    now = timezone.now()
    record = HandoverRecord.objects.create(
        number=f"tmp-{uuid.uuid4().hex}",
        kind=kind,
        agency=agency,
        postal_staff_name=staff,
        postal_staff_phone=clean_phone(postal_staff_phone),
        postal_unit=_text(postal_unit, 255),
        note=(note or "").strip(),
        created_by=_user(actor),
    )
    record.number = f"BBGN{timezone.localtime(now):%Y%m%d}-{record.pk:06d}"
    record.save(update_fields=["number"])
    _record(
        "handover_created",
        actor=actor,
        handover=record,
        payload={"number": record.number, "kind": kind},
        now=now,
    )
    return record


@transaction.atomic
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
    record = _draft_record(record, actor)
    slip = "".join((slip_number or "").split()).upper()[:60]
    if not slip:
        raise ValidationFailed(
            _("Vui lòng nhập số phiếu gửi."), extra={"fields": {"slip_number": _("Bắt buộc.")}}
        )
    if record.items.filter(slip_number=slip).exists():
        raise Conflict(_("Phiếu gửi %(slip)s đã có trong biên bản.") % {"slip": slip}, code="slip_listed")
    try:
        fee = int(fee_amount or 0)
    except (TypeError, ValueError):
        fee = -1
    if fee < 0:
        raise ValidationFailed(
            _("Số tiền phí, lệ phí không hợp lệ."), extra={"fields": {"fee_amount": _("Số không âm.")}}
        )
    if fee and fee_account not in FeeAccount.values:
        raise ValidationFailed(
            _("Vui lòng chọn nơi nộp phí, lệ phí bưu chính đã thu."),
            extra={"fields": {"fee_account": _("Bắt buộc.")}},
        )
    missing = [_text(item, 300) for item in missing_items or () if str(item).strip()]
    order = None
    reception = record.kind == HandoverRecord.Kind.RECEPTION
    if kind == HandoverItem.Kind.NEW and reception:
        if arrangement is None:
            order = (
                PostalOrder.objects.filter(slip_number=slip, direction=Direction.INBOUND)
                .select_related("arrangement")
                .first()
            )
            arrangement = order.arrangement if order else None
        if arrangement is None:
            raise ValidationFailed(
                _("Không tìm thấy đăng ký gửi hồ sơ qua bưu chính với phiếu gửi %(slip)s.") % {"slip": slip},
                code="arrangement_required",
            )
        if arrangement.receiving_agency_id != record.agency_id or not arrangement.sends:
            raise ValidationFailed(
                _("Hồ sơ này không gửi đến “%(agency)s”.") % {"agency": record.agency.name}
            )
        if arrangement.dossier_id is not None:
            raise Conflict(_("Hồ sơ này đã được tiếp nhận."), code="already_received")
        if arrangement.cancelled_at is not None:
            raise Conflict(_("Đăng ký gửi hồ sơ này đã hủy."), code="arrangement_cancelled")
        if order is None:
            order = (
                PostalOrder.objects.filter(arrangement=arrangement, direction=Direction.INBOUND)
                .exclude(status=OrderStatus.CANCELLED)
                .order_by("-created_at")
                .first()
            )
        if not complete and not missing:
            raise ValidationFailed(
                _("Hồ sơ chưa đầy đủ: vui lòng liệt kê giấy tờ còn thiếu."), code="missing_items_required"
            )
        dossier = None
    elif kind == HandoverItem.Kind.SUPPLEMENT and reception:
        if dossier is None or dossier.receiving_agency_id != record.agency_id:
            raise ValidationFailed(_("Vui lòng chọn hồ sơ của cơ quan đang chờ bổ sung."))
        if dossier.status != DossierStatus.SUPPLEMENT_REQUESTED:
            raise ValidationFailed(
                _("Hồ sơ %(code)s không chờ bổ sung.") % {"code": dossier.code},
                code="not_awaiting_supplement",
            )
        arrangement = PostalArrangement.objects.filter(dossier=dossier).first()
        complete, missing = True, []
    elif kind == HandoverItem.Kind.RESULT and not reception:
        if dossier is None or dossier.receiving_agency_id != record.agency_id:
            raise ValidationFailed(_("Vui lòng chọn hồ sơ của cơ quan có kết quả gửi qua bưu chính."))
        order = (
            PostalOrder.objects.filter(dossier=dossier, direction=Direction.OUTBOUND)
            .exclude(status__in=ENDED)
            .first()
        )
        if order is None:
            raise ValidationFailed(
                _("Hồ sơ %(code)s chưa có đơn gửi kết quả qua bưu chính.") % {"code": dossier.code},
                code="no_outbound_order",
            )
        if order.slip_number and order.slip_number != slip:
            raise ValidationFailed(
                _("Số phiếu gửi không khớp với đơn bưu gửi (%(slip)s).") % {"slip": order.slip_number},
                code="slip_mismatch",
            )
        arrangement = order.arrangement
        complete, missing = True, []
    else:
        raise ValidationFailed(_("Loại hồ sơ không phù hợp với loại biên bản."))
    item = HandoverItem.objects.create(
        record=record,
        kind=kind,
        order=order,
        arrangement=arrangement,
        dossier=dossier,
        slip_number=slip,
        documents=(documents or "").strip(),
        complete=bool(complete),
        missing_items=missing,
        fee_amount=fee,
        fee_account=fee_account if fee else "",
        fee_receipt_number=_text(fee_receipt_number, 60),
        note=_text(note, 500),
    )
    _record(
        "handover_item_added",
        actor=actor,
        handover=record,
        arrangement=arrangement,
        order=order,
        dossier=dossier,
        payload={"slip_number": slip, "kind": kind, "complete": item.complete, "fee_amount": fee},
    )
    return item


@transaction.atomic
def postal_handover_remove_item(*, record: HandoverRecord, actor, item_id: int) -> HandoverRecord:
    """Take an item off a draft record."""
    record = _draft_record(record, actor)
    item = record.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("Không tìm thấy hồ sơ trong biên bản."))
    _record("handover_item_removed", actor=actor, handover=record, payload={"slip_number": item.slip_number})
    item.delete()
    return record


def _register(item: HandoverItem, *, actor, signed_at: datetime, origin: str) -> Dossier:
    arrangement = PostalArrangement.objects.select_for_update().get(pk=item.arrangement_id)
    if arrangement.dossier_id is not None:
        raise Conflict(
            _("Phiếu gửi %(slip)s: hồ sơ đã được tiếp nhận.") % {"slip": item.slip_number},
            code="already_received",
        )
    if arrangement.cancelled_at is not None:
        raise Conflict(
            _("Phiếu gửi %(slip)s: đăng ký gửi hồ sơ đã hủy.") % {"slip": item.slip_number},
            code="arrangement_cancelled",
        )
    data = arrangement.applicant or {}
    applicant = ApplicantData(
        kind=data.get("kind", ApplicantKind.CITIZEN),
        name=data.get("name", ""),
        identity_number=data.get("identity_number", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        address=data.get("address", ""),
    )
    dossier = dossier_services.dossier_register_at_counter(
        actor=actor,
        procedure_case=arrangement.procedure_case,
        receiving_agency=arrangement.receiving_agency,
        competent_agency=arrangement.competent_agency,
        applicant=applicant,
        summary=arrangement.summary,
        channel=Channel.POSTAL,
        result_channel=ResultChannel.POSTAL if arrangement.returns else ResultChannel.COUNTER,
        submitted_at=signed_at,
        owner=arrangement.owner,
        origin=origin or "postal",
    )
    arrangement.dossier = dossier
    arrangement.save(update_fields=["dossier", "updated_at"])
    PostalOrder.objects.filter(arrangement=arrangement).update(dossier=dossier)
    item.dossier = dossier
    item.save(update_fields=["dossier"])
    return dossier


def _mark_handed(
    order: PostalOrder | None,
    status: str,
    *,
    at: datetime,
    now: datetime,
    action: str,
    slip_number: str = "",
    **links,
):
    """The post handed the package over (to the agency, or took it from the agency): move the order on."""
    if order is None:
        return
    order = _lock_order(order)
    if slip_number and not order.slip_number:
        order.slip_number = slip_number
    inbound = order.direction == Direction.INBOUND
    if inbound and order.sent_at is None and order.sync_state in (SyncState.QUEUED, SyncState.FAILED):
        # never reached the operator and the package is already handed over: nothing left to book
        order.sync_state, order.next_attempt_at, order.last_error = SyncState.SENT, None, ""
    if order.status == status or not tracking.can_move(order.status, status):
        order.save()
        return
    before = order.status
    order.status, order.status_changed_at = status, at
    if status == OrderStatus.DELIVERED:
        order.delivered_at = at
    order.save()
    _record(action, order=order, payload={"from": before, "to": status, "at": at}, now=now, **links)


@transaction.atomic
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
    record = _draft_record(record, actor)
    now = timezone.now()
    signed_at = signed_at or now
    if timezone.is_naive(signed_at):
        signed_at = timezone.make_aware(signed_at)
    if signed_at > now:
        raise ValidationFailed(_("Thời điểm ký biên bản không được ở tương lai."), code="signed_in_future")
    if signed_at < record.created_at - timedelta(days=7):
        raise ValidationFailed(
            _("Thời điểm ký biên bản quá xa thời điểm lập biên bản."), code="signed_too_early"
        )
    items = list(record.items.select_related("arrangement", "order", "dossier").order_by("id"))
    if not items:
        raise ValidationFailed(_("Biên bản chưa có hồ sơ nào."), code="handover_empty")
    registered, supplemented, incomplete = [], [], []
    for item in items:
        try:
            if item.kind == HandoverItem.Kind.NEW:
                if item.complete:
                    dossier = _register(item, actor=actor, signed_at=signed_at, origin=origin)
                    registered.append(dossier.code)
                    _mark_handed(
                        item.order,
                        OrderStatus.DELIVERED,
                        at=signed_at,
                        now=now,
                        action="order_handed_over",
                        slip_number=item.slip_number,
                        handover=record,
                        actor=actor,
                    )
                else:
                    incomplete.append(item.slip_number)
                    _record(
                        "handover_incomplete",
                        actor=actor,
                        handover=record,
                        arrangement=item.arrangement,
                        payload={"slip_number": item.slip_number, "missing_items": item.missing_items},
                        now=now,
                    )
            elif item.kind == HandoverItem.Kind.SUPPLEMENT:
                dossier = Dossier.objects.get(pk=item.dossier_id)
                dossier_services.dossier_submit_supplement(
                    dossier=dossier,
                    actor=actor,
                    revision=dossier.revision,
                    completed_at=signed_at,
                    origin=origin or "postal",
                )
                supplemented.append(dossier.code)
            elif item.kind == HandoverItem.Kind.RESULT:
                _mark_handed(
                    item.order,
                    OrderStatus.PICKED_UP,
                    at=signed_at,
                    now=now,
                    action="order_handed_over",
                    slip_number=item.slip_number,
                    handover=record,
                    actor=actor,
                )
        except ApplicationError as error:
            raise type(error)(
                _("Phiếu gửi %(slip)s: %(message)s") % {"slip": item.slip_number, "message": error.message},
                code=error.code,
                extra=error.extra,
            ) from error
    record.status = HandoverRecord.Status.SIGNED
    record.signed_at = signed_at
    record.receiving_officer = _user(actor)
    record.save()
    _record(
        "handover_signed",
        actor=actor,
        handover=record,
        payload={
            "signed_at": signed_at,
            "registered": registered,
            "supplemented": supplemented,
            "incomplete": incomplete,
            "fees": sum(item.fee_amount for item in items),
        },
        now=now,
    )
    return record


# --- Operator, webhooks and jobs ---------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str:
    for key in (name, name.lower(), "HTTP_" + name.upper().replace("-", "_")):
        if key in headers:
            return str(headers[key] or "")
    lowered = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lowered:
            return str(value or "")
    return ""


def _parse_moment(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    moment = parse_datetime(value.strip())
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def postal_webhook_receive(
    *, body: bytes, headers: Mapping[str, str], now: datetime | None = None, origin: str = ""
) -> WebhookOutcome:
    """Handle one tracking webhook from the operator (raw body and its headers).

    Checks, in order: the timestamp header within ``MOTCUA_POSTAL_WEBHOOK_WINDOW_SECONDS`` of now, the
    HMAC-SHA256 signature of ``"<timestamp>.<raw body>"`` with the shared secret, the JSON shape, and that the
    reference is one of our orders. Then applies it with :func:`postal_tracking_record`. Every refusal is
    logged (never the secret or the signature) and changes nothing.
    """
    now = now or timezone.now()
    timestamp = _header(headers, tracking.TIMESTAMP_HEADER).strip()
    given = _header(headers, tracking.SIGNATURE_HEADER)

    def refuse(status: int, code: str, message: str, detail: str = "") -> WebhookOutcome:
        logger.warning(
            "postal webhook refused (%s) from %s%s", code, origin or "?", f": {detail}" if detail else ""
        )
        return WebhookOutcome(status=status, code=code, message=message)

    if not timestamp or not given:
        return refuse(401, "missing_signature", _("Thiếu chữ ký hoặc thời điểm ký."))
    if not tracking.timestamp_fresh(
        timestamp, now=now, window_seconds=settings.MOTCUA_POSTAL_WEBHOOK_WINDOW_SECONDS
    ):
        return refuse(
            401,
            "stale_timestamp",
            _("Thời điểm ký nằm ngoài khoảng cho phép."),
            f"timestamp {timestamp[:20]}",
        )
    if not tracking.signature_valid(settings.MOTCUA_POSTAL_WEBHOOK_SECRET, timestamp, body, given):
        return refuse(401, "bad_signature", _("Chữ ký không hợp lệ."), f"{len(body)} bytes")
    try:
        data = json.loads(body or b"")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return refuse(400, "bad_request", _("Nội dung không phải JSON hợp lệ."))
    reference = str(data.get("reference") or "")[:40]
    event_id = str(data.get("event_id") or "")[:80]
    status = str(data.get("status") or "")
    occurred_at = _parse_moment(data.get("occurred_at"))
    try:
        sequence = int(data.get("sequence") or 0)
    except (TypeError, ValueError):
        sequence = -1
    if (
        not reference
        or not event_id
        or status not in tracking.REPORTED_STATUSES
        or occurred_at is None
        or sequence < 0
    ):
        return refuse(400, "bad_request", _("Thiếu hoặc sai trường bắt buộc."), f"reference {reference!r}")
    order = PostalOrder.objects.filter(reference=reference).first()
    if order is None:
        return refuse(
            404,
            "unknown_reference",
            _("Không có đơn bưu gửi với mã tham chiếu này."),
            f"reference {reference!r}",
        )
    slip = str(data.get("slip_number") or "")[:60]
    if order.slip_number and slip and slip != order.slip_number:
        return refuse(
            400, "slip_mismatch", _("Số phiếu gửi không khớp với đơn bưu gửi."), f"reference {reference}"
        )
    event, code = _apply_tracking(
        order=order,
        event_id=event_id,
        status=status,
        occurred_at=occurred_at,
        sequence=sequence,
        location=str(data.get("location") or ""),
        note=str(data.get("note") or ""),
        slip_number=slip,
        source="webhook",
    )
    if code == "duplicate":
        logger.info("postal webhook %s for %s already applied (replay)", event_id, reference)
        return WebhookOutcome(status=200, code="duplicate", message=_("Sự kiện đã được ghi nhận trước đó."))
    if code == "ignored_out_of_order":
        logger.warning("postal webhook %s for %s out of order (%s), ignored", event_id, reference, status)
        return WebhookOutcome(
            status=200, code="ignored_out_of_order", message=_("Sự kiện cũ hơn trạng thái hiện tại, bỏ qua.")
        )
    return WebhookOutcome(status=200, code="ok", message=_("Đã ghi nhận."), applied=True)


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
    delivery is recorded, the dossier gets a ``record_delivery_failure`` event (the applicant and the receiving
    agency's reception officers are told by notifications) and ``signals.postal_delivery_failed`` is sent.
    """
    event, _code = _apply_tracking(
        order=order,
        event_id=event_id,
        status=status,
        occurred_at=occurred_at,
        sequence=sequence,
        location=location,
        note=note,
        slip_number=slip_number,
        source=source,
    )
    return event


@transaction.atomic
def _apply_tracking(
    *,
    order: PostalOrder,
    event_id: str,
    status: str,
    occurred_at: datetime,
    sequence: int,
    location: str,
    note: str,
    slip_number: str,
    source: str,
) -> tuple[TrackingEvent | None, str]:
    if status not in tracking.REPORTED_STATUSES:
        raise ValidationFailed(_("Trạng thái bưu gửi không hợp lệ."))
    order = _lock_order(order)
    if TrackingEvent.objects.filter(order=order, event_id=event_id).exists():
        return None, "duplicate"
    if sequence and sequence <= order.last_tracking_sequence:
        return None, "ignored_out_of_order"
    same_final = status == order.status and status in tracking.FINAL_STATUSES
    if not same_final and not tracking.can_move(order.status, status):
        return None, "ignored_out_of_order"
    try:
        with transaction.atomic():  # a replay racing this one (SQLite does not lock rows) loses here
            event = TrackingEvent.objects.create(
                order=order,
                event_id=event_id,
                sequence=max(sequence, 0),
                status=status,
                occurred_at=occurred_at,
                location=_text(location, 255),
                note=_text(note, 500),
                source=source[:20],
            )
    except IntegrityError:
        return None, "duplicate"
    now = timezone.now()
    before = order.status
    order.last_tracking_at = occurred_at
    if sequence:
        order.last_tracking_sequence = sequence
    if slip_number and not order.slip_number:
        order.slip_number = slip_number
    changed = status != before
    if changed:
        order.status, order.status_changed_at = status, occurred_at
        if status == OrderStatus.DELIVERED:
            order.delivered_at = occurred_at
        elif status == OrderStatus.DELIVERY_FAILED:
            order.failed_at, order.failure_reason = occurred_at, _text(note, 500)
    order.save()
    if changed:
        _record(
            "tracking",
            order=order,
            actor=SYSTEM,
            payload={"from": before, "to": status, "event_id": event_id, "source": source},
            now=now,
        )
        if status == OrderStatus.DELIVERED and order.direction == Direction.OUTBOUND:
            _close_dossier(order, now=now)
        elif status == OrderStatus.DELIVERY_FAILED:
            _record(
                "delivery_failed",
                order=order,
                actor=SYSTEM,
                payload={"reason": order.failure_reason, "event_id": event_id},
                now=now,
            )
            _tell_of_failure(order, event, now=now)
            postal_delivery_failed.send(sender=PostalOrder, order=order, event=event)
    return event, "applied"


def _tell_of_failure(order: PostalOrder, event: TrackingEvent, *, now: datetime) -> None:
    """A result that could not be delivered: the dossier's ``record_delivery_failure`` event, in this
    transaction, so the applicant and the receiving agency's reception officers are told (notifications
    listens to dossier events; it does not import postal)."""
    if order.direction != Direction.OUTBOUND or order.dossier_id is None:
        return
    dossier = Dossier.objects.get(pk=order.dossier_id)
    if dossier.status != DossierStatus.RESOLVED:  # returned meanwhile (at the counter): nobody waits for it
        return
    try:
        with transaction.atomic():
            dossier_services.dossier_record_delivery_failure(
                dossier=dossier,
                actor=SYSTEM,
                origin="postal",
                payload={
                    "order": order.reference,
                    "slip_number": order.slip_number,
                    "reason": order.failure_reason,
                    "location": event.location,
                    "failed_at": order.failed_at,
                },
            )
    except ApplicationError as error:  # the failure stands; staff still see it in the postal lists
        logger.error(
            "postal order %s not delivered, dossier %s not told: %s", order.reference, dossier.code, error
        )


def _close_dossier(order: PostalOrder, *, now: datetime) -> None:
    """The result reached the applicant: return it (→ 10, returned via postal) in this transaction."""
    if order.dossier_id is None:
        return
    dossier = Dossier.objects.get(pk=order.dossier_id)
    if dossier.status != DossierStatus.RESOLVED:
        _record(
            "return_not_recorded",
            order=order,
            actor=SYSTEM,
            payload={"status": dossier.status, "reason": "dossier not awaiting return"},
            now=now,
        )
        return
    try:
        with transaction.atomic():
            if (
                dossier.appointment_at is not None
                and now < dossier.appointment_at
                and dossier.early_return_notified_at is None
            ):
                dossier = dossier_services.dossier_notify_early_return(
                    dossier=dossier, actor=SYSTEM, revision=None, origin="postal"
                )
            dossier_services.dossier_return_result(
                dossier=dossier,
                actor=SYSTEM,
                revision=None,
                channel=ResultChannel.POSTAL,
                returned_at=min(order.delivered_at or now, now),
                origin="postal",
            )
    except ApplicationError as error:  # the delivery stands; staff see why the dossier was not closed
        logger.error(
            "postal order %s delivered, dossier %s not returned: %s", order.reference, dossier.code, error
        )
        _record("return_not_recorded", order=order, actor=SYSTEM, payload={"reason": error.message}, now=now)
        return
    _record("result_returned", order=order, actor=SYSTEM, payload={"dossier": dossier.code}, now=now)
    postal_order_delivered.send(sender=PostalOrder, order=order)


# --- The send queue ----------------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    base = settings.MOTCUA_POSTAL_BACKOFF_SECONDS
    cap = settings.MOTCUA_POSTAL_BACKOFF_MAX_SECONDS
    delay = min(cap, base * 2 ** max(min(attempts, 30) - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def _claim_due(*, limit: int, now: datetime) -> list[PostalOrder]:
    """Mark up to ``limit`` due requests as being sent by this caller (SKIP LOCKED on PostgreSQL)."""
    token = uuid.uuid4().hex
    due = PostalOrder.objects.filter(sync_state=SyncState.QUEUED, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    claim = {
        "sync_state": SyncState.SENDING,
        "claim_token": token,
        "claimed_at": now,
        "attempts": F("attempts") + 1,
    }
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if not ids:
                return []
            PostalOrder.objects.filter(pk__in=ids, sync_state=SyncState.QUEUED).update(**claim)
    else:
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids or not PostalOrder.objects.filter(pk__in=ids, sync_state=SyncState.QUEUED).update(**claim):
            return []
    return list(PostalOrder.objects.filter(sync_state=SyncState.SENDING, claim_token=token).order_by("pk"))


def _release_stale(now: datetime) -> int:
    """Give back requests whose sender died mid-call (claimed longer ago than the claim timeout)."""
    limit = now - timedelta(seconds=settings.MOTCUA_POSTAL_CLAIM_TIMEOUT_SECONDS)
    return PostalOrder.objects.filter(sync_state=SyncState.SENDING, claimed_at__lt=limit).update(
        sync_state=SyncState.QUEUED, next_attempt_at=now, claim_token=""
    )


def _request_for(order: PostalOrder) -> OrderRequest:
    return OrderRequest(
        reference=order.reference,
        direction=order.direction,
        sender=Party(name=order.sender_name, address=order.sender_address, phone=order.sender_phone),
        receiver=Party(
            name=order.recipient_name, address=order.recipient_address, phone=order.recipient_phone
        ),
        contents=order.contents,
        cod_amount=order.cod_amount,
        callback_url=_callback_url(),
    )


@transaction.atomic
def _record_sent(order: PostalOrder, answer, now: datetime) -> bool:
    locked = (
        PostalOrder.objects.select_for_update()
        .filter(pk=order.pk, sync_state=SyncState.SENDING, claim_token=order.claim_token)
        .first()
    )
    if locked is None:  # the claim was lost (released as stale, or a cancel was queued meanwhile)
        if answer.slip_number:
            PostalOrder.objects.filter(pk=order.pk, slip_number="").update(slip_number=answer.slip_number)
        return False
    before = locked.status
    if answer.slip_number and not locked.slip_number:
        locked.slip_number = answer.slip_number
    if answer.postage is not None:
        locked.postage = answer.postage
    if locked.sync_action == SyncAction.CANCEL:
        if answer.status == OrderStatus.CANCELLED:
            locked.status, locked.status_changed_at = OrderStatus.CANCELLED, now
    elif locked.status == OrderStatus.CREATED:
        locked.status, locked.status_changed_at = OrderStatus.ACCEPTED, now
    locked.sync_state, locked.sent_at, locked.last_error = SyncState.SENT, now, ""
    locked.claim_token, locked.next_attempt_at = "", None
    locked.save()
    _record(
        "order_sent" if locked.sync_action == SyncAction.CREATE else "order_cancel_sent",
        order=locked,
        actor=SYSTEM,
        payload={
            "slip_number": locked.slip_number,
            "postage": locked.postage,
            "attempts": locked.attempts,
            "from": before,
            "to": locked.status,
        },
        now=now,
    )
    return True


@transaction.atomic
def _record_failure(order: PostalOrder, error: PostalProviderError, now: datetime) -> str:
    locked = (
        PostalOrder.objects.select_for_update()
        .filter(pk=order.pk, sync_state=SyncState.SENDING, claim_token=order.claim_token)
        .first()
    )
    if locked is None:
        return "lost"
    message = redact(str(error))[:2000]
    if error.permanent:
        locked.sync_state, locked.next_attempt_at = SyncState.FAILED, None
        outcome = "failed"
    else:
        locked.sync_state, locked.next_attempt_at = SyncState.QUEUED, now + _backoff(locked.attempts)
        outcome = "retried"
    locked.last_error, locked.claim_token = message, ""
    locked.save()
    if error.permanent or locked.attempts == 1:  # not one audit row per retry during a long outage
        _record(
            "order_send_failed" if error.permanent else "order_send_delayed",
            order=locked,
            actor=SYSTEM,
            payload={"error": message, "status": error.status, "attempts": locked.attempts},
            now=now,
        )
    return outcome


def postal_send_queued(*, limit: int | None = None) -> SendStats:
    """Send due queued requests (create or cancel) to the operator; reschedule with backoff when it is down.

    Safe to run in several processes at once (rows are claimed). A request the operator refuses for good
    (a 4xx answer) is marked failed for staff to fix and retry; a down operator is retried without end.
    """
    if not provider_name():
        return SendStats()
    now = timezone.now()
    _release_stale(now)
    claimed = _claim_due(limit=limit or settings.MOTCUA_POSTAL_BATCH_SIZE, now=now)
    if not claimed:
        return SendStats()
    sent = retried = failed = 0
    try:
        provider = get_provider()
    except PostalProviderError as error:
        for order in claimed:
            _record_failure(order, error, timezone.now())
        return SendStats(retried=len(claimed))
    for order in claimed:
        try:
            if order.sync_action == SyncAction.CANCEL:
                answer = provider.cancel_order(order.reference)
            else:
                answer = provider.create_order(_request_for(order))
        except PostalProviderError as error:
            outcome = _record_failure(order, error, timezone.now())
            failed += outcome == "failed"
            retried += outcome == "retried"
            logger.warning(
                "postal order %s %s: %s (%s)", order.reference, order.sync_action, redact(str(error)), outcome
            )
            continue
        try:
            ok = _record_sent(order, answer, timezone.now())
        except IntegrityError:  # the operator answered a slip number another order holds
            outcome = _record_failure(
                order,
                PostalProviderError(_("Số phiếu gửi trùng với đơn khác."), permanent=True),
                timezone.now(),
            )
            failed += 1
            continue
        sent += ok
    return SendStats(sent=sent, retried=retried, failed=failed)


def postal_refresh_tracking(*, limit: int | None = None) -> int:
    """Ask the operator for the tracking of sent, unfinished orders with no update for a while (a lost
    webhook must not leave a shipment unknown); returns how many updates were applied."""
    if not provider_name():
        return 0
    now = timezone.now()
    quiet = now - timedelta(hours=settings.MOTCUA_POSTAL_TRACKING_QUIET_HOURS)
    orders = (
        PostalOrder.objects.filter(sync_state=SyncState.SENT, sent_at__isnull=False, sent_at__lt=quiet)
        .exclude(status__in=tracking.FINAL_STATUSES)
        .filter(Q(last_tracking_at__isnull=True) | Q(last_tracking_at__lt=quiet))
        .order_by("last_tracking_at", "pk")[: limit or settings.MOTCUA_POSTAL_BATCH_SIZE]
    )
    try:
        provider = get_provider()
    except PostalProviderError:
        return 0
    applied = 0
    for order in orders:
        try:
            answer = provider.get_tracking(order.reference)
        except PostalProviderError as error:
            logger.warning("postal tracking of %s: %s", order.reference, redact(str(error)))
            continue
        for update in sorted(answer.events, key=lambda e: e.sequence):
            occurred = _parse_moment(update.occurred_at)
            if not update.event_id or occurred is None or update.status not in tracking.REPORTED_STATUSES:
                continue
            _event, code = _apply_tracking(
                order=order,
                event_id=update.event_id,
                status=update.status,
                occurred_at=occurred,
                sequence=update.sequence,
                location=update.location,
                note=update.note,
                slip_number=answer.slip_number,
                source="query",
            )
            applied += code == "applied"
    return applied
