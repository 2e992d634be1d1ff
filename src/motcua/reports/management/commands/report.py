"""``motcua report``: the indicators report, and the upkeep of its aggregates.

    motcua report --period 2020-Q2 [--agency CODE] [--level province|district|commune] [--procedure CODE]
                  [--field CODE] [--group-by agency|level|procedure|field|month] [--format json|xlsx] [--output FILE]
    motcua report rebuild-aggregates      recompute every aggregate from the dossiers
    motcua report check-aggregates        compare the aggregates with a recount from the dossiers (exit 2 if not equal)

The JSON is the same document as ``GET /api/v1/reports/indicators`` with the same parameters.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.core.errors import ApplicationError
from motcua.reports import aggregates
from motcua.reports.export import report_to_dict, workbook_bytes
from motcua.reports.selectors import GROUP_BY, report_for

EXIT_MISMATCH = 2


class Command(BaseCommand):
    help = "Báo cáo chỉ số giải quyết thủ tục hành chính (JSON hoặc Excel) và bảo trì số liệu tổng hợp."

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            nargs="?",
            choices=["rebuild-aggregates", "check-aggregates"],
            help=_(
                "rebuild-aggregates: tính lại số liệu tổng hợp; check-aggregates: kiểm tra số liệu tổng hợp."
            ),
        )
        parser.add_argument(
            "--period", help=_("Kỳ báo cáo: 2020, 2020-Q2, 2020-05 hoặc 2020-05-01..2020-06-15.")
        )
        parser.add_argument("--agency", default="", help=_("Mã cơ quan (gồm cả các cơ quan trực thuộc)."))
        parser.add_argument("--level", default="", choices=["", "province", "district", "commune"])
        parser.add_argument("--procedure", default="", help=_("Mã thủ tục hành chính."))
        parser.add_argument("--field", default="", help=_("Mã lĩnh vực."))
        parser.add_argument("--group-by", default="", choices=["", *GROUP_BY])
        parser.add_argument("--format", default="json", choices=["json", "xlsx"])
        parser.add_argument("--output", help=_("Tệp kết quả (mặc định: in ra màn hình với JSON)."))

    def handle(self, *args, action, period, format, output, **options):
        if action == "rebuild-aggregates":
            counts = aggregates.rebuild(report=lambda line: self.stderr.write(line))
            self.stdout.write(
                self.style.SUCCESS(
                    _("Đã tính lại số liệu tổng hợp của %(facts)s hồ sơ.")
                    % {"facts": f"{counts['facts']:,}".replace(",", ".")}
                )
            )
            return
        if action == "check-aggregates":
            mismatches = aggregates.verify()
            if mismatches:
                for mismatch in mismatches:
                    self.stdout.write(mismatch.describe())
                raise CommandError(
                    _(
                        "Số liệu tổng hợp khác với số đếm lại từ hồ sơ; chạy “motcua report rebuild-aggregates”."
                    ),
                    returncode=EXIT_MISMATCH,
                )
            self.stdout.write(self.style.SUCCESS(_("Số liệu tổng hợp khớp với số đếm lại từ hồ sơ.")))
            return
        if not period:
            raise CommandError(_("Thiếu --period, ví dụ --period 2020-Q2."))
        filters = {name: options[name] for name in ("agency", "level", "procedure", "field")}
        try:
            if format == "json":
                report = report_for(period=period, group_by=options["group_by"], **filters)
                content = json.dumps(report_to_dict(report), ensure_ascii=False, indent=2).encode()
            else:
                by_agency = report_for(period=period, group_by="agency", **filters)
                by_level = report_for(period=period, group_by="level", **filters)
                content = workbook_bytes(by_agency, by_level)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if output:
            with open(output, "wb") as handle:
                handle.write(content)
            self.stderr.write(_("Đã ghi %(file)s.") % {"file": output})
        elif format == "xlsx":
            raise CommandError(_("Báo cáo Excel cần --output TỆP.xlsx."))
        else:
            self.stdout.write(content.decode())
