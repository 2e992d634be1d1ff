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


def messages_about(*, dossiers: QuerySet) -> QuerySet[OutboxMessage]:
    """Outbox messages about the given dossiers (matched by ``reference`` = dossier code), newest first."""
    return OutboxMessage.objects.filter(reference__in=dossiers.values("code")).order_by("-updated_at", "-id")


def failed_messages_about(*, dossiers: QuerySet) -> QuerySet[OutboxMessage]:
    """The dead letters among :func:`messages_about`."""
    return messages_about(dossiers=dossiers).filter(status=OutboxMessage.Status.FAILED)


def message_about_get(*, dossiers: QuerySet, pk: int) -> OutboxMessage:
    """One message about the given dossiers, whatever its status; ``NotFound`` otherwise."""
    from django.utils.translation import gettext as _

    from motcua.core.errors import NotFound

    message = messages_about(dossiers=dossiers).filter(pk=pk).first()
    if message is None:
        raise NotFound(_("Không tìm thấy thông báo."))
    return message
