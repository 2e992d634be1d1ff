"""Errors of the accounts services; each carries the Vietnamese message a page shows."""

from __future__ import annotations

from motcua.core.errors import ApplicationError, ValidationFailed


class SignInFailed(ApplicationError):
    """Wrong identifier or password: one message for both, so accounts cannot be probed."""

    status = 401
    code = "sign_in_failed"


class Throttled(ApplicationError):
    """Too many attempts or codes; ``retry_after`` seconds until the next one is allowed."""

    status = 429
    code = "throttled"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class CodeRejected(ValidationFailed):
    """A one-time code that is wrong, expired, used up or unknown (``code`` says which)."""

    code = "code_rejected"


class DeliveryUnavailable(ApplicationError):
    """No channel is connected to send one-time codes (a configuration fault, see accounts.signals)."""

    status = 503
    code = "code_delivery_unavailable"
