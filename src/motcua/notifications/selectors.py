"""Reads from the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import OutboxMessage


def portal_messages_for(*, user) -> QuerySet[OutboxMessage]:
    """The citizen's in-portal messages that have been published, newest first."""
    return OutboxMessage.objects.filter(
        user=user, channel=OutboxMessage.Channel.PORTAL, status=OutboxMessage.Status.SENT
    ).order_by("-created_at", "-id")


def portal_unread_count(*, user) -> int:
    return portal_messages_for(user=user).filter(read_at__isnull=True).count()
