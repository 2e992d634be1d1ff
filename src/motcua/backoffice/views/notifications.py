"""Messages to applicants that could not be delivered (dead letters), with a "Gửi lại" button; and the
officer's own messages (portal-channel messages addressed to their account: deadline warnings, failed postal
deliveries of their agency's results)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from motcua.core.errors import ApplicationError, NotFound
from motcua.dossiers.selectors import dossier_queryset_at
from motcua.notifications.selectors import (
    failed_messages_about,
    message_about_get,
    portal_messages_for,
    portal_unread_count,
)
from motcua.notifications.services import notification_resend, portal_messages_mark_all_read

from ..access import staff_required
from .common import page_of, safe_next


@require_safe
@staff_required
def failed_notifications(request):
    dossiers = dossier_queryset_at(request.user, request.desk.agency_id)
    page = page_of(request, failed_messages_about(dossiers=dossiers))
    return render(request, "backoffice/failed_notifications.html", {"page": page})


@require_POST
@staff_required
def resend_notification(request, pk: int):
    dossiers = dossier_queryset_at(request.user, request.desk.agency_id)
    try:
        message = message_about_get(dossiers=dossiers, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    try:
        notification_resend(message=message)
    except ApplicationError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Đã đưa thông báo gửi %(recipient)s vào hàng đợi gửi lại.") % {"recipient": message.recipient},
        )
    return redirect(safe_next(request, reverse("backoffice:failed_notifications")))


@require_safe
@staff_required
def my_messages(request):
    """The officer's messages, newest first; unread ones are marked until "Đánh dấu đã đọc tất cả"."""
    page = page_of(request, portal_messages_for(user=request.user))
    unread = portal_unread_count(user=request.user)
    return render(request, "backoffice/messages.html", {"page": page, "unread": unread})


@require_POST
@staff_required
def my_messages_read(request):
    count = portal_messages_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Đã đánh dấu %(count)s thông báo là đã đọc.") % {"count": count})
    return redirect("backoffice:my_messages")
