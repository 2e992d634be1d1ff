"""Mẫu 06 (Sổ theo dõi hồ sơ) as an Excel workbook: the columns of the PDF form, one line per dossier.

Times are Excel date-times in Vietnam time shown ``dd/mm/yyyy hh:mm``; every text cell is written as text, so
a name or address typed as ``=…`` is never a formula when the file is opened.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .formats import OFFICIAL_LANGUAGE, short_date

DATE_FORMAT = "dd/mm/yyyy hh:mm"
TIME_KEYS = ("received_at", "appointment_at", "transferred_at", "finished_at", "returned_at")


def _columns() -> list[tuple[str, str, int]]:
    """(key, title, width) in the order of the form."""
    return [
        ("number", _("STT"), 7),
        ("code", _("Mã hồ sơ"), 26),
        ("procedure", _("Tên thủ tục hành chính"), 40),
        ("sets", _("Số lượng hồ sơ (bộ)"), 9),
        ("applicant", _("Tên người nộp"), 26),
        ("address", _("Địa chỉ"), 32),
        ("phone", _("Số điện thoại"), 14),
        ("received_at", _("Nhận hồ sơ"), 17),
        ("appointment_at", _("Hẹn trả kết quả"), 17),
        ("transferred_at", _("Chuyển hồ sơ đến cơ quan giải quyết"), 17),
        ("finished_at", _("Có kết quả giải quyết"), 17),
        ("returned_at", _("Trả kết quả"), 17),
        ("note", _("Ghi chú"), 22),
    ]


def _local(value: datetime | None) -> datetime | None:
    """A naive local date-time (Excel has no time zones)."""
    return None if value is None else timezone.localtime(value).replace(tzinfo=None)


def register_workbook(context: dict) -> bytes:
    """The workbook of a register context (``content.register_content``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    with translation.override(OFFICIAL_LANGUAGE):
        columns = _columns()
        book = Workbook()
        sheet = book.active
        sheet.title = _("Sổ theo dõi hồ sơ")
        issuer = context["issuer"]
        _text(sheet.cell(row=1, column=1), f"{_('Sổ theo dõi hồ sơ')} – {issuer['name']}")
        sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
        period = _("Từ ngày %(start)s đến ngày %(end)s") % {
            "start": short_date(context["start"]),
            "end": short_date(context["end"]),
        }
        if context["books"]:
            period += " · " + _("Quyển số: %(books)s") % {"books": ", ".join(map(str, context["books"]))}
        _text(sheet.cell(row=2, column=1), period)
        header_row = 4
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        wrap = Alignment(wrap_text=True, vertical="top")
        for index, (_key, title, width) in enumerate(columns, start=1):
            cell = sheet.cell(row=header_row, column=index)
            _text(cell, title)
            cell.font, cell.fill, cell.alignment = bold, fill, wrap
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.row_dimensions[header_row].height = 45
        for offset, row in enumerate(context["rows"], start=1):
            for index, (key, _title, _width) in enumerate(columns, start=1):
                cell = sheet.cell(row=header_row + offset, column=index)
                value = row.get(key)
                if key in TIME_KEYS:
                    cell.value = _local(value)
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, int):
                    cell.value = value
                elif value:
                    _text(cell, str(value))
                cell.alignment = wrap
        if not context["rows"]:
            _text(
                sheet.cell(row=header_row + 1, column=1),
                _("Không có hồ sơ tiếp nhận trong khoảng thời gian này."),
            )
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
        buffer = BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def _text(cell, value: str) -> None:
    """Write ``value`` as text even when it starts with "=" (openpyxl would store a formula)."""
    cell.value = value
    cell.data_type = "s"
