from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "motcua.notifications"
    verbose_name = _("Thông báo")

    def ready(self) -> None:
        from motcua.accounts.signals import verification_code_issued

        from .account_codes import queue_account_code

        verification_code_issued.connect(queue_account_code, dispatch_uid="notifications.account_code")
        if apps.is_installed("motcua.dossiers"):
            from motcua.dossiers.signals import dossier_event_recorded

            from .events import queue_messages_for_dossier_event

            dossier_event_recorded.connect(
                queue_messages_for_dossier_event, dispatch_uid="notifications.outbox"
            )

            from motcua.dossiers.watch import deadline_warning_recorded

            from .watch import on_deadline_warning

            deadline_warning_recorded.connect(
                on_deadline_warning, dispatch_uid="notifications.deadline_warning"
            )
        if apps.is_installed("motcua.feedback"):
            # feedback is in the same layer: this signal is the one allowed import (tests/test_architecture.py)
            from motcua.feedback.signals import petition_answered

            from .petitions import on_petition_answered

            petition_answered.connect(on_petition_answered, dispatch_uid="notifications.petition_answered")
