"""``motcua openapi [--write] [--check]``: print, regenerate or check the committed OpenAPI document."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.api import document


class Command(BaseCommand):
    help = "In, ghi lại hoặc kiểm tra tài liệu OpenAPI của API v1 (src/motcua/api/openapi.json)."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="Ghi tài liệu vào tệp openapi.json.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Báo lỗi (mã thoát 1) nếu tệp openapi.json khác với tài liệu sinh từ mã nguồn.",
        )

    def handle(self, *args, **options):
        if options["write"] and options["check"]:
            raise CommandError(_("Chỉ dùng một trong hai tùy chọn --write hoặc --check."))
        generated = document.openapi_document()
        path = document.DOCUMENT_PATH
        if options["check"]:
            if document.committed_document() != generated:
                raise CommandError(
                    _("%(path)s khác với API hiện tại. Chạy `%(command)s` rồi commit tệp này.")
                    % {"path": path, "command": document.REGENERATE_COMMAND}
                )
            self.stdout.write(self.style.SUCCESS(_("%(name)s khớp với API hiện tại.") % {"name": path.name}))
        elif options["write"]:
            changed = document.committed_document() != generated
            path.write_text(generated, encoding="utf-8")
            message = _("Đã cập nhật %(path)s.") if changed else _("%(path)s không thay đổi.")
            self.stdout.write(self.style.SUCCESS(message % {"path": path}))
        else:
            self.stdout.write(generated, ending="")
