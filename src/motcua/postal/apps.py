"""The public postal service (bưu chính công ích): orders, hand-over records, tracking and delivery."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    name = "motcua.postal"
    verbose_name = _("Bưu chính công ích")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from motcua.core.jobs import register_periodic_job
        from motcua.dossiers.drafts import SubmissionDraft

        from . import services

        register_periodic_job(
            "postal.send_queued",
            every_seconds=lambda: settings.MOTCUA_POSTAL_SEND_EVERY_SECONDS,
            run=services.postal_send_queued,
        )
        register_periodic_job(
            "postal.refresh_tracking",
            every_seconds=lambda: settings.MOTCUA_POSTAL_TRACKING_EVERY_SECONDS,
            run=services.postal_refresh_tracking,
        )
        post_save.connect(_draft_saved, sender=SubmissionDraft, dispatch_uid="postal.arrangement_from_draft")


def _draft_saved(sender, instance, **kwargs) -> None:
    """An online submission linked its draft to the new dossier (same transaction): keep the postal return
    address in a postal arrangement."""
    if instance.submitted_dossier_id is None or (instance.data or {}).get("result_channel") != "postal":
        return
    from .services import postal_arrangement_from_draft

    postal_arrangement_from_draft(dossier=instance.submitted_dossier, data=instance.data)
