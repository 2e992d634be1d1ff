"""``motcua audit verify [CODE ...]``: check the dossiers' event hash chains and name each first broken link.

Exit code 0 when every chain is whole, 1 when at least one is broken (one line per broken dossier on stderr:
dossier code, event id and sequence, what is wrong).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers.audit import verify_all


class Command(BaseCommand):
    help = gettext_lazy("Kiểm tra nhật ký hồ sơ: chuỗi băm các sự kiện của từng hồ sơ.")

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="verify")
        verify = subcommands.add_parser(
            "verify", help=_("Kiểm tra chuỗi băm của mọi hồ sơ và báo mắt xích hỏng đầu tiên của mỗi hồ sơ.")
        )
        verify.add_argument("codes", nargs="*", metavar="MA_HO_SO", help=_("Chỉ kiểm tra các hồ sơ này."))

    def handle(self, *args, **options):
        broken = 0
        for link in verify_all(codes=options.get("codes") or None):
            broken += 1
            self.stderr.write(self.style.ERROR(link.describe()))
        if broken:
            raise CommandError(
                _("Nhật ký hồ sơ đã bị thay đổi: %(count)s hồ sơ có chuỗi băm hỏng.") % {"count": broken},
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("Nhật ký hồ sơ toàn vẹn.")))
