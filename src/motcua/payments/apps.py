"""Fees and charges of a dossier: payment requests, online payment providers, collections, receipts, refunds."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    verbose_name = _("Phí, lệ phí và thanh toán")

    def ready(self) -> None:
        from django.conf import settings

        from motcua.core.jobs import register_periodic_job
        from motcua.dossiers.hooks import register_reception_check, register_transition_hook
        from motcua.dossiers.signals import dossier_event_recorded

        from . import services

        register_transition_hook("payments.obligation", services.dossier_transition_hook)
        register_reception_check("payments.paid_before_reception", services.reception_check)
        dossier_event_recorded.connect(services.on_dossier_event, dispatch_uid="payments.requests")
        register_periodic_job(
            "payments.query_pending",
            every_seconds=lambda: settings.MOTCUA_PAYMENT_QUERY_EVERY_SECONDS,
            run=lambda: services.payment_check_pending(),
        )
        register_periodic_job(
            "payments.reconcile",
            every_seconds=lambda: settings.MOTCUA_PAYMENT_RECONCILE_EVERY_SECONDS,
            run=lambda: services.reconciliation_run_due(),
        )
        register_periodic_job(
            "payments.store_receipts",
            every_seconds=60,
            run=lambda: services.receipts_store_pending(),
        )
