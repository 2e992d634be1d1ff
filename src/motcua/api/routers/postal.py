"""API v1 /postal: partner callbacks and status (see docs/api.md)."""

from ninja import Router

router = Router(tags=["postal"])
