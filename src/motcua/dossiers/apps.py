from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    verbose_name = _("Hồ sơ thủ tục hành chính")

    def ready(self) -> None:
        from motcua.catalog.signals import procedure_version_published

        from .process_copy import on_procedure_version_published

        # A new procedure version gets the process templates of the version it replaces (docs/adr/0003).
        procedure_version_published.connect(
            on_procedure_version_published, dispatch_uid="dossiers.process_templates_carry_over"
        )
