"""Domain errors. Interfaces map them in one place: pages show the message, the API answers problem+json."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request the domain refuses. ``message`` is shown to people (Vietnamese, translatable)."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_failed"


class PermissionDenied(ApplicationError):
    status = 403
    code = "forbidden"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
