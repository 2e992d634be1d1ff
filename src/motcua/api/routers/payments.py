"""API v1 /payments: partner callbacks and status (see docs/api.md)."""

from ninja import Router

router = Router(tags=["payments"])
