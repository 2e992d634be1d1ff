"""``motcua load-demo``: load the demo province (Hà Tĩnh, H42) and print its accounts.

``--if-empty`` does nothing when the database already holds agencies (``motcua up`` uses it); otherwise the
load updates the demo data in place. Exit status 1 when the data cannot be loaded (nothing is changed).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.core.errors import ApplicationError
from motcua.demo.services import (
    DEFAULT_PASSWORD,
    DEFAULT_VARIANT,
    VARIANTS,
    DemoLoadReport,
    demo_province_load,
)


def account_table(report: DemoLoadReport) -> list[str]:
    """The accounts as a plain-text table, one row per account."""
    header = [_("Tên đăng nhập"), _("Họ và tên"), _("Vai trò"), _("Cơ quan, địa chỉ")]
    rows = [
        [account.username, account.full_name, account.role, account.agency] for account in report.accounts
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]

    def line(cells):
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    return [line(header), rule, *(line(row) for row in rows)]


class Command(BaseCommand):
    help = "Nạp dữ liệu tỉnh mẫu Hà Tĩnh (cơ quan, thủ tục, biểu mẫu, tài khoản) cho bản demo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Chỉ nạp khi cơ sở dữ liệu chưa có cơ quan nào."),
        )
        parser.add_argument(
            "--variant",
            choices=VARIANTS,
            default=DEFAULT_VARIANT,
            help=_(
                "two-level: tỉnh và xã sau 01/7/2025 (mặc định); three-level: tỉnh, huyện, xã trước sắp xếp."
            ),
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=_("Mật khẩu chung của mọi tài khoản demo (mặc định: %(default)s)."),
        )

    def handle(self, *args, if_empty: bool, variant: str, password: str, **options):
        if if_empty and Agency.objects.exists():
            self.stdout.write(_("Cơ sở dữ liệu đã có dữ liệu cơ quan: bỏ qua việc nạp tỉnh mẫu."))
            return
        try:
            report = demo_province_load(variant=variant, password=password)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

        write = self.stdout.write
        write(self.style.SUCCESS(_("Đã nạp tỉnh mẫu: %(title)s.") % {"title": report.title}))
        write(
            self.style.WARNING(
                _(
                    "Lưu ý: mã định danh cơ quan (H42...), mã đơn vị hành chính, mã thủ tục và số quyết định "
                    "trong dữ liệu mẫu chỉ mang tính minh họa."
                )
            )
        )
        write(
            _("Đơn vị hành chính: %(units)d · cơ quan: %(agencies)d · bộ phận một cửa: %(one_stop)d")
            % {
                "units": report.administrative_units,
                "agencies": report.agencies,
                "one_stop": report.one_stop_units,
            }
        )
        write(_("Thủ tục hành chính: %(summary)s") % {"summary": report.catalog.summary()})
        for record in report.catalog.records:
            for warning in record.warnings:
                write(self.style.WARNING(f"  {record.national_code}: {warning}"))
        write(_("Biểu mẫu Word (.docx) đã tạo: %(count)d") % {"count": report.forms})
        if report.history is not None:
            write(_("Hồ sơ lịch sử cho báo cáo: %(summary)s") % {"summary": report.history.summary()})
        write("")
        write(self.style.WARNING(_("TÀI KHOẢN DEMO - CHỈ DÙNG CHO BẢN DEMO, không dùng trên hệ thống thật.")))
        write(_("Mật khẩu chung: %(password)s") % {"password": password})
        for row in account_table(report):
            write(row)
