"""``motcua import-dossiers FILE.csv [--dry-run]``: load historical dossiers (docs/import-dossiers.md).

Exit status: 0 when every row was imported or already present, 2 when some rows were rejected (the others are
imported), 1 when the file cannot be imported at all (unreadable, not UTF-8, wrong header: nothing imported).
"""

from __future__ import annotations

import csv
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.reports.importer import (
    DEFAULT_BATCH_SIZE,
    ImportFileError,
    ImportReport,
    Rejection,
    import_dossiers,
    open_lines,
)

EXIT_REJECTED = 2
SHOWN_REJECTIONS = 50


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Nhập hồ sơ lịch sử từ tệp CSV (UTF-8, có dòng tiêu đề) để tính chỉ số báo cáo."

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Tệp CSV, xem docs/import-dossiers.md."))
        parser.add_argument("--dry-run", action="store_true", help=_("Kiểm tra mọi dòng nhưng không lưu gì."))
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=_("Số dòng mỗi lần ghi (mặc định 5000)."),
        )
        parser.add_argument(
            "--rejects",
            metavar="FILE",
            help=_("Ghi mọi dòng bị từ chối (dòng, mã hồ sơ, lý do) vào tệp CSV này."),
        )

    def handle(self, *args, file: str, dry_run: bool, batch_size: int, rejects: str | None, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size phải là số nguyên dương."))
        total = self._count_rows(file)
        started = time.monotonic()
        self.stdout.write(
            _("Nhập hồ sơ từ %(file)s (%(rows)s dòng dữ liệu)") % {"file": file, "rows": _number(total)}
        )

        def progress(report: ImportReport) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            self.stderr.write(
                _("Đã xử lý %(done)s/%(total)s dòng (%(rate)s dòng/giây)")
                % {
                    "done": _number(report.rows),
                    "total": _number(total),
                    "rate": _number(int(report.rows / elapsed)),
                }
            )

        rejects_file = open(rejects, "w", encoding="utf-8", newline="") if rejects else None  # noqa: SIM115
        writer = csv.writer(rejects_file) if rejects_file else None
        if writer:
            writer.writerow(["line", "dossier_code", "reason"])

        def on_reject(rejection: Rejection) -> None:
            if writer:
                writer.writerow([rejection.line, rejection.code, rejection.reason])

        try:
            report = import_dossiers(
                open_lines(file),
                dry_run=dry_run,
                batch_size=batch_size,
                progress=progress,
                on_reject=on_reject,
            )
        except ImportFileError as error:
            raise CommandError(f"{file}: {error.message}") from error
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Không đọc được tệp “%(file)s”: %(error)s") % {"file": file, "error": error}
            ) from error
        finally:
            if rejects_file:
                rejects_file.close()

        for name in report.ignored_columns:
            self.stdout.write(
                self.style.WARNING(_("Cột “%(name)s” không dùng đến, bỏ qua.") % {"name": name})
            )
        for rejection in report.rejected[:SHOWN_REJECTIONS]:
            self.stdout.write(
                _("Dòng %(line)s (%(code)s): %(reason)s")
                % {"line": rejection.line, "code": rejection.code or "—", "reason": rejection.reason}
            )
        if report.rejected_count > SHOWN_REJECTIONS:
            self.stdout.write(
                _("… và %(more)s dòng bị từ chối khác%(hint)s.")
                % {
                    "more": _number(report.rejected_count - SHOWN_REJECTIONS),
                    "hint": _(" (xem %(file)s)") % {"file": rejects}
                    if rejects
                    else _(" (dùng --rejects để xem hết)"),
                }
            )
        if report.later_versions:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(count)s hồ sơ được tiếp nhận trước mọi phiên bản thủ tục trong danh mục: đã gắn với phiên "
                        "bản có hiệu lực sớm nhất sau đó."
                    )
                    % {"count": _number(report.later_versions)}
                )
            )
        elapsed = time.monotonic() - started
        style = self.style.WARNING if report.rejected_count else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
        self.stdout.write(_("Thời gian: %(seconds).1f giây.") % {"seconds": elapsed})
        if report.rejected_count:
            raise CommandError(
                _("Có %(count)s dòng bị từ chối; các dòng hợp lệ đã được xử lý.")
                % {"count": _number(report.rejected_count)},
                returncode=EXIT_REJECTED,
            )

    def _count_rows(self, path: str) -> int:
        """Data rows (lines after the header); also proves the whole file is readable UTF-8 before importing."""
        try:
            count = sum(1 for _line in open_lines(path))
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Không đọc được tệp “%(file)s”: %(error)s") % {"file": path, "error": error}
            ) from error
        return max(count - 1, 0)
