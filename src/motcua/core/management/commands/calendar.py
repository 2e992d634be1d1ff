"""``motcua calendar``: compute a due moment, or list a year's days off and swapped working days.

motcua calendar due --start "2026-02-13 16:10" --amount 3 --unit working_days [--paper]
motcua calendar holidays --year 2027
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.calendar import (
    DEFAULT_SCHEDULE,
    CalendarDay,
    DaySource,
    TimeUnit,
    WorkingSchedule,
    get_calendar,
    parse_amount,
    parse_moment,
    parse_unit,
)
from motcua.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Lịch làm việc: tính thời hạn, liệt kê ngày nghỉ và ngày làm bù của một năm."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, title=_("thao tác"))

        due = actions.add_parser("due", help=_("Tính thời điểm đến hạn."))
        due.add_argument(
            "--start", default="", help=_("Thời điểm tiếp nhận, ví dụ “2026-02-13 16:10” (giờ Việt Nam).")
        )
        due.add_argument("--amount", default="", help=_("Số lượng thời gian, ví dụ 3 hoặc 0.5."))
        due.add_argument(
            "--unit",
            default=TimeUnit.WORKING_DAYS.value,
            help=_("Đơn vị: %(units)s (mặc định working_days).") % {"units": ", ".join(TimeUnit.values)},
        )
        due.add_argument(
            "--paper", action="store_true", help=_("Hồ sơ giấy: áp dụng giờ chuyển hồ sơ (15:00).")
        )
        due.add_argument(
            "--saturday-morning", action="store_true", help=_("Bộ phận một cửa làm việc sáng thứ Bảy.")
        )
        due.add_argument(
            "--exclude-holidays",
            action="store_true",
            help=_("Với đơn vị calendar_days: không tính ngày nghỉ lễ vào số ngày."),
        )

        listing = actions.add_parser("holidays", help=_("Liệt kê ngày nghỉ và ngày làm bù của một năm."))
        listing.add_argument("--year", default="", help=_("Năm (mặc định năm hiện tại)."))

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "due":
                self._due(options)
            else:
                self._holidays(options["year"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _due(self, options) -> None:
        for name in ("start", "amount"):
            if not options[name].strip():
                raise CommandError(_("Thiếu tham số --%(name)s.") % {"name": name})
        start = parse_moment(options["start"])
        unit = parse_unit(options["unit"])
        amount = parse_amount(options["amount"], unit)
        schedule = WorkingSchedule(saturday_morning=True) if options["saturday_morning"] else DEFAULT_SCHEDULE
        result = get_calendar(schedule).due(
            start, amount, unit, paper=options["paper"], count_holidays=not options["exclude_holidays"]
        )
        if options["verbosity"] >= 2:
            self.stdout.write(_("Tiếp nhận: %(moment)s") % {"moment": f"{result.start:%d/%m/%Y %H:%M}"})
            self.stdout.write(
                _("Bắt đầu tính: %(moment)s") % {"moment": f"{result.effective_start:%d/%m/%Y %H:%M}"}
            )
            self.stdout.write(_("Thời hạn: %(amount)s %(unit)s") % {"amount": amount, "unit": unit.label})
        self.stdout.write(result.due.isoformat())

    def _holidays(self, text: str) -> None:
        text = text.strip()
        if text and not text.isdigit():
            raise CommandError(_("Năm “%(value)s” không hợp lệ, ví dụ 2027.") % {"value": text})
        year = int(text) if text else timezone.localdate().year
        resolved = get_calendar().year(year)
        sections = (
            (_("Ngày nghỉ"), resolved.days_off, True),
            (_("Ngày làm bù"), resolved.working_days, True),
            (_("Ngày tự sinh đã bỏ"), resolved.cancelled, False),
        )
        self.stdout.write(_("Lịch làm việc năm %(year)s") % {"year": year})
        for title, days, show_empty in sections:
            if not days and not show_empty:
                continue
            self.stdout.write("")
            self.stdout.write(f"{title} ({len(days)}):")
            if not days:
                self.stdout.write("  " + _("(không có)"))
            for day in days.values():
                self.stdout.write(self._line(day))

    @staticmethod
    def _line(day: CalendarDay) -> str:
        return f"  {day.date:%d/%m/%Y}  {day.weekday:<9}  {day.name}  [{DaySource(day.source).label}]"
