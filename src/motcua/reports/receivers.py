"""Keep the report aggregates exact: each dossier change updates them in its own transaction."""

from __future__ import annotations

from django.dispatch import receiver

from motcua.dossiers.signals import dossier_event_recorded

from .aggregates import refresh_dossier


@receiver(dossier_event_recorded, dispatch_uid="reports.aggregates")
def update_aggregates(sender, *, dossier, **kwargs) -> None:
    refresh_dossier(dossier)
