from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "motcua.reports"
    verbose_name = _("Báo cáo, chỉ số đánh giá")

    def ready(self) -> None:
        # Keeps the report aggregates exact: updated in the transaction of every dossier change.
        from . import receivers  # noqa: F401
