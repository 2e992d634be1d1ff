"""Portal messages: the outbox row itself is the citizen's in-portal message; delivering it publishes it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import DeliveryError


def deliver(message) -> str:
    if message.user_id is None:
        raise DeliveryError(_("Thông báo trên Cổng không có tài khoản người nhận."), permanent=True)
    return ""
