"""``motcua import-catalog FILE``: import national TTHC packages (GoiTinThuTucQG) and print a report.

Exit status: 0 when every record was imported or unchanged, 2 when some records were rejected (the others
are imported), 1 when the file cannot be read at all.
"""

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.catalog.importer import CatalogFileError, import_catalog_packages, packages_from_bytes

EXIT_REJECTED = 2


def _effective_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("Ngày hiệu lực “%(value)s” không hợp lệ, dùng dạng YYYY-MM-DD.") % {"value": value}
        ) from exc


class Command(BaseCommand):
    help = "Nhập gói tin thủ tục hành chính từ CSDL quốc gia (JSON GoiTinThuTucQG) và in báo cáo."

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Tệp JSON; dùng “-” để đọc từ đầu vào chuẩn."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Kiểm tra và báo cáo nhưng không lưu gì.")
        )
        parser.add_argument(
            "--effective-from",
            metavar="YYYY-MM-DD",
            help=_("Ngày các phiên bản mới bắt đầu có hiệu lực (mặc định: ngay lúc nhập)."),
        )

    def handle(self, *args, file: str, dry_run: bool, effective_from: str | None, **options):
        effective = _effective_date(effective_from) if effective_from else None
        try:
            if file == "-":
                content = sys.stdin.buffer.read()
            else:
                with open(file, "rb") as handle:
                    content = handle.read()
        except OSError as exc:
            raise CommandError(
                _("Không đọc được tệp “%(file)s”: %(error)s") % {"file": file, "error": exc.strerror or exc}
            ) from exc
        try:
            packages = packages_from_bytes(content)
        except CatalogFileError as exc:
            raise CommandError(f"{file}: {exc.message}") from exc

        report = import_catalog_packages(packages, source=file, effective_from=effective, dry_run=dry_run)
        self.stdout.write(_("Nhập danh mục thủ tục từ %(file)s") % {"file": file})
        for line in report.record_lines():
            self.stdout.write(line)
        style = self.style.WARNING if report.has_rejections else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
        if dry_run:
            self.stdout.write(_("Chạy thử: không có thay đổi nào được lưu."))
        if report.has_rejections:
            raise CommandError(
                _("Có %(count)d bản ghi bị từ chối; các bản ghi hợp lệ đã được xử lý.")
                % {"count": len(report.rejected)},
                returncode=EXIT_REJECTED,
            )
