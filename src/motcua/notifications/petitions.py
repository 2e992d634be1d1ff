"""Answers to petitions (phản ánh, kiến nghị) to the outbox.

``on_petition_answered`` is connected to ``feedback.signals.petition_answered``, which is sent inside the
transaction of ``feedback.services.petition_answer``: the messages commit or roll back with the answer. The
sender gets an e-mail (with the answer's text) if the petition has a valid address and an SMS if it has a
mobile number; both link to the tracking page. There is no portal message: the portal shows messages only on
a dossier's page, and the tracking page already shows every answer. Each answer is its own message
(idempotency key ``petition-answer:<answer id>:<channel>``); a contact that is not valid for its channel is
skipped, never a reason to refuse the answer.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import OutboxMessage
from .services import normalise_phone, notification_enqueue

logger = logging.getLogger("motcua.notifications.petitions")

# Path of the portal's petition tracking page (portal.views_feedback.petition_track).
TRACK_PATH = "/phan-anh-kien-nghi/theo-doi/"


def track_url(tracking_code: str) -> str:
    return f"{settings.SITE_URL}{TRACK_PATH}?ma={quote(tracking_code)}"


def on_petition_answered(sender, *, petition, answer, **kwargs) -> list[OutboxMessage]:
    """Queue the sender's messages for a new answer to ``petition``; returns them (maybe none)."""
    context = {
        "tracking_code": petition.tracking_code,
        "track_url": track_url(petition.tracking_code),
        "applicant_name": petition.sender_name,
        "agency_name": getattr(petition.agency, "name", ""),
        "subject": petition.subject,
        "answer": answer.content,
    }
    return [
        notification_enqueue(
            channel=channel,
            recipient=recipient,
            user=petition.sender_account,
            template="petition_answered",
            context=context,
            reference=petition.tracking_code,
            idempotency_key=f"petition-answer:{answer.pk}:{channel}",
        )
        for channel, recipient in _recipients(petition)
    ]


def _recipients(petition):
    email = (petition.sender_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            logger.info("petition %s: e-mail address not valid, no e-mail queued", petition.tracking_code)
        else:
            yield OutboxMessage.Channel.EMAIL, email
    if petition.sender_phone:
        phone = normalise_phone(petition.sender_phone)
        if phone:
            yield OutboxMessage.Channel.SMS, phone
        else:
            logger.info("petition %s: phone is not a mobile number, no SMS queued", petition.tracking_code)
