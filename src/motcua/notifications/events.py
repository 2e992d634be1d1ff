"""From dossier events to queued messages.

``on_dossier_event`` runs inside the transaction that changed the dossier (it is connected to
``dossiers.signals.dossier_event_recorded``), so the messages it queues commit or roll back with the change.
One event queues at most one message per channel: the idempotency key is ``dossier-event:<id>:<channel>``.
The applicant gets an e-mail if the dossier has an address, an SMS if it has a mobile number, and a portal
message if it belongs to an account. A contact that is not valid for its channel (a landline for SMS) is
skipped, never a reason to refuse the dossier change.

Events recorded by the apps of this layer arrive here as dossier events too, so notifications imports neither
payments nor postal: ``record_payment`` (payload ``state`` "paid", ``amount``, ``method``, ``paid_at``) tells
the applicant the fees were received, with the receipts page; ``record_delivery_failure`` (payload
``slip_number``, ``reason``, ``location``) tells the applicant the result could not be delivered and what
happens next, and the receiving agency's reception officers get a back-office (portal-channel) message and an
e-mail when their account has a valid address (key ``dossier-event:<id>:staff:<user id>:<channel>``).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from motcua.agencies.models import StaffMembership, StaffRole

from .message_templates import missing_context
from .models import OutboxMessage
from .services import normalise_phone, notification_enqueue

logger = logging.getLogger("motcua.notifications.events")

# Dossier transition (``DossierEvent.action``) -> message template.
TEMPLATE_FOR_ACTION = {
    "register": "received",
    "receive": "received",
    "request_supplement_at_reception": "supplement_request",
    "request_supplement": "supplement_request",
    "refuse_at_counter": "refusal",
    "refuse_reception": "refusal",
    "refuse": "refusal",
    "approve_extension": "apology",
    "approve": "result_ready",
    "notify_early_return": "early_return",
    "withdraw": "withdrawn",
    "stop": "stopped",
    "record_payment": "payment_received",  # only when the payload says the request was paid
    "record_delivery_failure": "postal_delivery_failed",
}
# Dossier transition -> message template to the receiving agency's reception officers.
STAFF_TEMPLATE_FOR_ACTION = {"record_delivery_failure": "staff_postal_delivery_failed"}
# Portal pages the messages link to (the notifications app does not import the interfaces).
RECEIPTS_PATH = "/ho-so-cua-toi/{code}/bien-lai/"
BACKOFFICE_DOSSIER_PATH = "/can-bo/ho-so/{code}/"


def _template_for(event) -> str | None:
    if event.action == "record_payment" and (event.payload or {}).get("state") != "paid":
        return None  # an exemption or a cancellation: nothing was received
    return TEMPLATE_FOR_ACTION.get(event.action)


def on_dossier_event(event, *, dossier=None) -> list[OutboxMessage]:
    """Queue the applicant's messages for ``event`` (a ``DossierEvent``), and the staff's for the events that
    need them; returns them (maybe none)."""
    template = _template_for(event)
    if template is None:
        return []
    dossier = dossier or event.dossier
    if not dossier.code:  # e.g. a paper dossier refused at the counter before it was given a code
        return []
    context = {**_dossier_context(dossier), **_CONTEXT_BUILDERS[template](dossier, event)}
    missing = missing_context(template, context)
    if missing:  # a data gap must not block the dossier change; it is logged for the operators instead
        logger.error(
            "dossier %s, event %s: no %s message, missing %s", dossier.code, event.pk, template, missing
        )
        return []
    messages = [
        notification_enqueue(
            channel=channel,
            recipient=recipient,
            user=user,
            template=template,
            context=context,
            reference=dossier.code,
            idempotency_key=f"dossier-event:{event.pk}:{channel}",
        )
        for channel, recipient, user in _recipients(dossier)
    ]
    staff_template = STAFF_TEMPLATE_FOR_ACTION.get(event.action)
    if staff_template is not None:
        messages += _staff_messages(dossier, event, staff_template, context)
    return messages


def _staff_messages(dossier, event, template: str, context: dict) -> list[OutboxMessage]:
    """The receiving agency's active reception officers: a back-office message each (portal channel, shown
    on their "Thông báo" page) and an e-mail when their account has a valid address."""
    officers = _reception_officers(dossier)
    if not officers:
        logger.warning("dossier %s, event %s: no reception officer to tell", dossier.code, event.pk)
    staff_context = {
        **context,
        "backoffice_url": settings.SITE_URL + BACKOFFICE_DOSSIER_PATH.format(code=quote(dossier.code)),
    }
    messages = []
    for user in officers:
        personal = {**staff_context, "staff_name": str(user)}
        key = f"dossier-event:{event.pk}:staff:{user.pk}"
        messages.append(
            notification_enqueue(
                channel=OutboxMessage.Channel.PORTAL,
                recipient="",
                user=user,
                template=template,
                context=personal,
                reference=dossier.code,
                idempotency_key=f"{key}:portal",
            )
        )
        if _valid_email(user.email):
            messages.append(
                notification_enqueue(
                    channel=OutboxMessage.Channel.EMAIL,
                    recipient=user.email,
                    user=user,
                    template=template,
                    context=personal,
                    reference=dossier.code,
                    idempotency_key=f"{key}:email",
                )
            )
    return messages


def _reception_officers(dossier) -> list:
    memberships = (
        StaffMembership.objects.filter(
            agency_id=dossier.receiving_agency_id,
            role=StaffRole.RECEPTION_OFFICER,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )
    return list({membership.user_id: membership.user for membership in memberships}.values())


def _valid_email(address: str) -> bool:
    try:
        validate_email((address or "").strip())
    except ValidationError:
        return False
    return True


def queue_messages_for_dossier_event(sender, *, event, dossier=None, **kwargs) -> None:
    """Receiver of ``dossier_event_recorded``."""
    on_dossier_event(event, dossier=dossier)


def _recipients(dossier):
    email = (dossier.applicant_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            logger.info("dossier %s: e-mail address not valid, no e-mail queued", dossier.code)
        else:
            yield OutboxMessage.Channel.EMAIL, email, dossier.owner
    if dossier.applicant_phone:
        phone = normalise_phone(dossier.applicant_phone)
        if phone:
            yield OutboxMessage.Channel.SMS, phone, dossier.owner
        else:
            logger.info("dossier %s: phone is not a mobile number, no SMS queued", dossier.code)
    if dossier.owner_id:
        yield OutboxMessage.Channel.PORTAL, "", dossier.owner


def _dossier_context(dossier) -> dict:
    version = dossier.procedure_version
    agency = dossier.receiving_agency
    return {
        "dossier_code": dossier.code,
        "applicant_name": dossier.applicant_name,
        "procedure_name": getattr(version, "name", ""),
        "agency_name": getattr(agency, "name", ""),
        "appointment_at": dossier.appointment_at,
    }


def _received(dossier, event) -> dict:
    return {}


def _supplement_request(dossier, event) -> dict:
    supplement = dossier.supplements.order_by("-requested_at", "-id").first()
    items = (event.payload or {}).get("items") or (supplement.items if supplement else [])
    reason = event.reason or (supplement.reason if supplement else "")
    return {"missing_documents": [_item_text(item) for item in items] or [reason], "reason": reason}


def _item_text(item) -> str:
    if isinstance(item, dict):
        name = item.get("name") or item.get("title") or item.get("component") or ""
        note = item.get("note") or item.get("reason") or ""
        return f"{name}: {note}" if name and note else str(name or note)
    return str(item)


def _refusal(dossier, event) -> dict:
    reasons = (event.payload or {}).get("reasons") or [
        line.strip(" -•\t") for line in (event.reason or "").splitlines() if line.strip(" -•\t")
    ]
    return {"reasons": reasons}


def _apology(dossier, event) -> dict:
    extension = dossier.extensions.filter(state="approved").order_by("-decided_at", "-id").first()
    return {
        "new_appointment_at": dossier.appointment_at,
        "appointment_at": extension.old_appointment if extension else None,
        "reason": extension.reason if extension else event.reason,
    }


def _result_ready(dossier, event) -> dict:
    return {"return_place": _return_place(dossier)}


def _early_return(dossier, event) -> dict:
    return {
        "return_place": _return_place(dossier),
        "return_from": dossier.finished_at or event.occurred_at or timezone.now(),
    }


def _withdrawn(dossier, event) -> dict:
    return {
        "withdrawn_at": getattr(dossier, "withdrawn_at", None) or event.occurred_at,
        "reason": event.reason,
    }


def _moment(value):
    """A payload time (an ISO string once stored) as a datetime; None when absent or unreadable."""
    if not value or hasattr(value, "tzinfo"):
        return value or None
    return parse_datetime(str(value))


def _payment_received(dossier, event) -> dict:
    payload = event.payload or {}
    context = {
        "amount": payload.get("amount"),
        "method": payload.get("method") or "",
        "paid_at": _moment(payload.get("paid_at")) or event.occurred_at,
        "submitted_at": _moment(payload.get("submitted_at")),  # a "thu trước" dossier: submitted on payment
    }
    if dossier.owner_id:  # the receipts page needs the account; the others get the lookup link
        context["receipts_url"] = settings.SITE_URL + RECEIPTS_PATH.format(code=quote(dossier.code))
    return context


def _postal_delivery_failed(dossier, event) -> dict:
    payload = event.payload or {}
    return {
        "slip_number": payload.get("slip_number") or "",
        "reason": payload.get("reason") or "",
        "location": payload.get("location") or "",
        "failed_at": _moment(payload.get("failed_at")) or event.occurred_at,
    }


def _return_place(dossier) -> str:
    if dossier.result_channel == "online":
        return _("Trên Cổng dịch vụ công tại %(url)s") % {"url": settings.SITE_URL}
    if dossier.result_channel == "postal":
        return _("Qua dịch vụ bưu chính công ích, đến địa chỉ đã đăng ký")
    agency = getattr(dossier.receiving_agency, "name", "")
    return _("Bộ phận Một cửa, %(agency)s") % {"agency": agency} if agency else _("Bộ phận Một cửa")


_CONTEXT_BUILDERS = {
    "received": _received,
    "supplement_request": _supplement_request,
    "refusal": _refusal,
    "apology": _apology,
    "result_ready": _result_ready,
    "early_return": _early_return,
    "withdrawn": _withdrawn,
    "stopped": _refusal,  # the reasons, one per line of the leader's text
    "payment_received": _payment_received,
    "postal_delivery_failed": _postal_delivery_failed,
}
