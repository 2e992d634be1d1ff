"""From dossier events to queued messages.

``on_dossier_event`` runs inside the transaction that changed the dossier (it is connected to
``dossiers.signals.dossier_event_recorded``), so the messages it queues commit or roll back with the change.
One event queues at most one message per channel: the idempotency key is ``dossier-event:<id>:<channel>``.
The applicant gets an e-mail if the dossier has an address, an SMS if it has a mobile number, and a portal
message if it belongs to an account. A contact that is not valid for its channel (a landline for SMS) is
skipped, never a reason to refuse the dossier change.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

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
}


def on_dossier_event(event, *, dossier=None) -> list[OutboxMessage]:
    """Queue the applicant's messages for ``event`` (a ``DossierEvent``); returns them (maybe none)."""
    template = TEMPLATE_FOR_ACTION.get(event.action)
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
    return [
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
}
