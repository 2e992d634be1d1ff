from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaperworkConfig(AppConfig):
    name = "motcua.paperwork"
    verbose_name = _("Biểu mẫu, phiếu")

    def ready(self) -> None:
        from motcua.dossiers.signals import dossier_event_recorded

        from .numbering import enter_received_dossier

        dossier_event_recorded.connect(enter_received_dossier, dispatch_uid="paperwork.register_entry")
