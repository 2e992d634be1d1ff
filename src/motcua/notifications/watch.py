"""Staff messages from the overdue watch, and its periodic run inside the outbox worker.

``on_deadline_warning`` is connected to ``dossiers.watch.deadline_warning_recorded`` and so runs inside the
transaction that records the warning: the assignees of the dossier's open steps and the leaders of the
agencies holding them get a portal message and, when their account has a valid address, an e-mail. Keys
``deadline-warning:<warning id>:<user id>:<channel>`` make each message unique; the watch itself records one
warning per dossier, kind and appointment, so nobody is told twice.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from motcua.dossiers.models import DeadlineWarning, DossierStep
from motcua.dossiers.watch import WatchReport, overdue_watch_run, people_in_charge

from .models import OutboxMessage
from .services import notification_enqueue

logger = logging.getLogger("motcua.notifications.watch")

TEMPLATE_FOR_KIND = {
    DeadlineWarning.Kind.DUE_SOON: "staff_due_soon",
    DeadlineWarning.Kind.OVERDUE: "staff_overdue",
}
BACKOFFICE_PATH = "/can-bo/"
DEFAULT_INTERVAL_SECONDS = 600
# Warnings per call from the worker loop: a backlog is worked off a slice per loop, between deliveries.
DEFAULT_SLICE = 200


def on_deadline_warning(sender, *, dossier, warning, **kwargs) -> list[OutboxMessage]:
    """Queue the staff messages of one warning; returns them (none when nobody is in charge)."""
    template = TEMPLATE_FOR_KIND[warning.kind]
    steps = DossierStep.objects.filter(
        dossier=dossier, kind=DossierStep.Kind.PROCESS, started_at__isnull=False, finished_at__isnull=True
    ).order_by("stage", "order", "pk")
    context = {
        "dossier_code": dossier.code,
        "appointment_at": warning.appointment_at,
        "procedure_name": dossier.procedure_version.name,
        "applicant_name": dossier.applicant_name,
        "agency_name": dossier.competent_agency.name,
        "step_names": list(steps.values_list("name", flat=True)),
        "backoffice_url": f"{settings.SITE_URL}{BACKOFFICE_PATH}",
    }
    messages = []
    recipients = people_in_charge(dossier)
    if not recipients:
        logger.warning("dossier %s: %s, but nobody is in charge to be told", dossier.code, warning.kind)
    for user in recipients:
        personal = {**context, "staff_name": str(user)}
        key = f"deadline-warning:{warning.pk}:{user.pk}"
        messages.append(
            notification_enqueue(
                channel=OutboxMessage.Channel.PORTAL,
                recipient="",
                user=user,
                template=template,
                context=personal,
                reference=dossier.code,
                idempotency_key=f"{key}:portal",
            )
        )
        if _valid_email(user.email):
            messages.append(
                notification_enqueue(
                    channel=OutboxMessage.Channel.EMAIL,
                    recipient=user.email,
                    user=user,
                    template=template,
                    context=personal,
                    reference=dossier.code,
                    idempotency_key=f"{key}:email",
                )
            )
    return messages


def _valid_email(address: str) -> bool:
    try:
        validate_email((address or "").strip())
    except ValidationError:
        return False
    return True


# --- Periodic run from the worker loop -------------------------------------------------------------------

_last_run: float | None = None
_lock = threading.Lock()


def run_overdue_watch_if_due() -> WatchReport | None:
    """Run the overdue watch when ``MOTCUA_OVERDUE_WATCH_SECONDS`` (default 600; 0 turns it off) have passed
    since this process last ran it. Several workers may run it: a warning is recorded only once.

    One call records at most ``MOTCUA_OVERDUE_WATCH_SLICE`` (200) warnings, so the worker goes on delivering
    messages; while a backlog remains, the next call (the next loop) goes on with it."""
    global _last_run
    interval = float(getattr(settings, "MOTCUA_OVERDUE_WATCH_SECONDS", DEFAULT_INTERVAL_SECONDS))
    if interval <= 0:
        return None
    with _lock:
        now = time.monotonic()
        if _last_run is not None and now - _last_run < interval:
            return None
        _last_run = now
    report = overdue_watch_run(limit=int(getattr(settings, "MOTCUA_OVERDUE_WATCH_SLICE", DEFAULT_SLICE)))
    if not report.complete:
        with _lock:
            _last_run = None  # more to do: the next loop goes on
    if report.due_soon or report.overdue or report.failed:
        logger.info(
            "overdue watch: %s due soon, %s overdue warned, %s failed",
            report.due_soon,
            report.overdue,
            report.failed,
        )
    return report
