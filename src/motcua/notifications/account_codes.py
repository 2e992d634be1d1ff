"""One-time codes of the accounts app (registration, password reset, contact check) to the outbox.

``queue_account_code`` is connected to ``accounts.signals.verification_code_issued``, which is sent inside
the transaction that issued the code: the message commits or rolls back with it. The idempotency key changes
with every (re)send, so each new code is its own message.
"""

from __future__ import annotations

from .models import OutboxMessage
from .services import notification_enqueue


def queue_account_code(sender, *, verification, code: str, idempotency_key: str, **kwargs) -> OutboxMessage:
    minutes = max(1, round((verification.expires_at - verification.sent_at).total_seconds() / 60))
    return notification_enqueue(
        channel=verification.channel,
        recipient=verification.recipient,
        template="account_code",
        context={
            "code": code,
            "purpose": verification.purpose,
            "minutes": minutes,
            "applicant_name": verification.user.full_name,
        },
        idempotency_key=idempotency_key,
        user=verification.user,
    )
