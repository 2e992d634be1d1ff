"""``motcua overdue-watch``: warn the people in charge about dossiers due within one working day or overdue.

Safe to run as often as wanted (cron, or the outbox worker every few minutes): each dossier is warned about
once per appointment and kind.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers.watch import overdue_watch_run


class Command(BaseCommand):
    help = gettext_lazy(
        "Cảnh báo hồ sơ sắp đến hạn (còn dưới một ngày làm việc) và hồ sơ quá hạn cho cán bộ xử lý và "
        "lãnh đạo; mỗi hồ sơ chỉ được cảnh báo một lần cho mỗi ngày hẹn."
    )

    def handle(self, *args, **options):
        report = overdue_watch_run()
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã cảnh báo %(due_soon)s hồ sơ sắp đến hạn và %(overdue)s hồ sơ quá hạn.")
                % {"due_soon": report.due_soon, "overdue": report.overdue}
            )
        )
        if report.failed:
            self.stderr.write(
                self.style.WARNING(
                    _("%(count)s hồ sơ chưa cảnh báo được (xem nhật ký); lần chạy sau sẽ thử lại.")
                    % {"count": report.failed}
                )
            )
