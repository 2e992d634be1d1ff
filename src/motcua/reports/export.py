"""The indicators report as a JSON-ready dict (API and ``motcua report --format json``) and as an Excel
workbook (``--format xlsx``): the same numbers, from the same selector."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _

from .models import Rate
from .scoring import TT01_LABELS, Tt01Result
from .selectors import CATALOG_LABELS, COUNT_LABELS, LEVEL_ORDER, Figures, Report


def _tt01(result: Tt01Result) -> dict:
    return {
        "indicators": [
            {
                "number": item.number,
                "label": str(TT01_LABELS[item.number]),
                "score": item.score,
                "basis": item.basis,
                "source": item.source,
            }
            for item in result.indicators
        ],
        "staff_score": result.staff_score,
        "staff_max": result.staff_max,
        "total": result.total,
        "max_available": result.max_available,
        "score_18": result.normalised,
        "band": result.band,
        "band_label": result.band_label,
    }


def figures_to_dict(figures: Figures) -> dict:
    return {
        "key": figures.key,
        "label": figures.label,
        "level": figures.level or None,
        "rank": figures.rank,
        "counts": dict(figures.counts),
        "catalog": dict(figures.catalog),
        "rates": [
            {
                "code": rate.code,
                "label": rate.label,
                "percent": rate.percent,
                "numerator": rate.numerator,
                "denominator": rate.denominator,
                "target": rate.target,
                "target_met": rate.target_met,
            }
            for rate in figures.rates
        ],
        "tt01": _tt01(figures.tt01),
        "d766": {
            "groups": [
                {
                    "code": group.code,
                    "label": str(group.label),
                    "max": float(group.max),
                    "score": group.score,
                    "components": [
                        {"code": c.code, "label": str(c.label), "max": float(c.max), "score": c.score}
                        for c in group.components
                    ],
                }
                for group in figures.d766.groups
            ],
            "total": figures.d766.total,
            "max_computed": float(figures.d766.max_computed),
        },
    }


def report_to_dict(report: Report) -> dict:
    scope = report.scope
    return {
        "period": {
            "code": report.period.code,
            "kind": report.period.kind,
            "first_day": report.period.start.isoformat(),
            "last_day": report.period.last_day.isoformat(),
            "label": report.period.label,
        },
        "scope": {
            "agency": (
                {"code": scope.agency.code, "name": scope.agency.name, "level": scope.agency.level}
                if scope.agency
                else None
            ),
            "level": scope.level or None,
            "procedure": (
                {"code": scope.procedure.national_code, "name": scope.procedure_name}
                if scope.procedure
                else None
            ),
            "field": {"code": scope.field.code, "name": scope.field.name} if scope.field else None,
        },
        "group_by": report.group_by,
        "feedback_available": report.feedback_available,
        "total": figures_to_dict(report.total),
        "groups": [figures_to_dict(figures) for figures in report.groups],
    }


# --- Excel ---------------------------------------------------------------------------------------------------------

LEVEL_SHEETS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
# Counts shown on the level sheets (all of them are in the JSON and on the summary sheet).
SHEET_COUNTS = (
    "carried_over",
    "received",
    "received_direct",
    "received_online",
    "received_postal",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "withdrawn",
    "stopped",
    "pending",
    "pending_in_time",
    "pending_overdue",
)
SHEET_RATES = ("online_share", "on_time_rate", "postal_share", "online_payment_share", "satisfaction_share")


def sheet_columns() -> list[tuple[str, str]]:
    """(key, Vietnamese header) of each column of a level sheet, after STT."""
    columns = [("key", _("Mã cơ quan")), ("label", _("Tên cơ quan"))]
    columns += [(f"counts.{name}", str(COUNT_LABELS[name])) for name in SHEET_COUNTS]
    columns += [(f"rates.{code}", f"{Rate(code).label} (%)") for code in SHEET_RATES]
    columns += [
        ("tt01.score_18", _("Điểm TT 01/2018 (thang 18)")),
        ("tt01.band_label", _("Xếp loại")),
        ("rank", _("Thứ hạng")),
        ("d766.total", _("Điểm QĐ 766 (phần tính được)")),
    ]
    return columns


def cell_value(figures: dict, key: str):
    """The value of ``key`` (as in ``sheet_columns``) in a figures dict of ``report_to_dict``."""
    if key.startswith("counts."):
        return figures["counts"][key.removeprefix("counts.")]
    if key.startswith("rates."):
        code = key.removeprefix("rates.")
        return next(rate["percent"] for rate in figures["rates"] if rate["code"] == code)
    if key.startswith("tt01."):
        return figures["tt01"][key.removeprefix("tt01.")]
    if key.startswith("d766."):
        return figures["d766"][key.removeprefix("d766.")]
    return figures[key]


def workbook_bytes(by_agency: Report, by_level: Report) -> bytes:
    """The Excel workbook: a summary sheet, then one sheet per level (agencies, a totals row, a bar chart)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    agency_data = report_to_dict(by_agency)
    level_data = {group["key"]: group for group in report_to_dict(by_level)["groups"]}
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    book = Workbook()
    summary = book.active
    summary.title = _("Tổng hợp")
    _summary_sheet(summary, agency_data, bold, header_fill)

    columns = sheet_columns()
    for level in LEVEL_ORDER:
        groups = [group for group in agency_data["groups"] if group["level"] == level]
        if not groups:
            continue
        sheet = book.create_sheet(LEVEL_SHEETS[level])
        sheet.append([_("Báo cáo kết quả giải quyết thủ tục hành chính") + f" — {LEVEL_SHEETS[level]}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([agency_data["period"]["label"]])
        header_row = 3
        sheet.append([_("STT"), *(title for _key, title in columns)])
        for cell in sheet[header_row]:
            cell.font, cell.fill, cell.alignment = bold, header_fill, wrap
        for number, group in enumerate(groups, start=1):
            sheet.append([number, *(cell_value(group, key) for key, _title in columns)])
        totals = level_data.get(level)
        if totals is not None:
            row = [_("Tổng cộng"), "", totals["label"]]
            row += [cell_value(totals, key) for key, _title in columns[2:]]
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=4)
        sheet.column_dimensions["A"].width = 6
        sheet.column_dimensions["B"].width = 16
        sheet.column_dimensions["C"].width = 40
        for index in range(4, len(columns) + 2):
            sheet.column_dimensions[get_column_letter(index)].width = 13
        sheet.row_dimensions[header_row].height = 60

        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = _("Hồ sơ tiếp nhận theo kênh")
        chart.y_axis.title = _("Số hồ sơ")
        first_channel = 2 + [key for key, _title in columns].index("counts.received_direct") + 1
        last_data_row = header_row + len(groups)
        data = Reference(
            sheet, min_col=first_channel, max_col=first_channel + 2, min_row=header_row, max_row=last_data_row
        )
        labels = Reference(sheet, min_col=3, min_row=header_row + 1, max_row=last_data_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(labels)
        chart.height = max(7.5, 0.6 * len(groups) + 3)
        chart.width = 22
        sheet.add_chart(chart, f"A{sheet.max_row + 3}")

    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(sheet, data: dict, bold, fill) -> None:
    total = data["total"]
    sheet.append([_("Báo cáo kết quả giải quyết thủ tục hành chính")])
    sheet["A1"].font = bold
    sheet.append([_("Kỳ báo cáo"), data["period"]["label"]])
    sheet.append([_("Phạm vi"), total["label"]])
    sheet.append([])
    sheet.append([_("Chỉ tiêu"), _("Giá trị")])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, fill
    for name, value in total["counts"].items():
        sheet.append([str(COUNT_LABELS[name]), value])
    for name, value in total["catalog"].items():
        sheet.append([str(CATALOG_LABELS[name]), value])
    sheet.append([])
    sheet.append([_("Tỷ lệ"), _("Giá trị (%)"), _("Chỉ tiêu (%)"), _("Đạt chỉ tiêu")])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, fill
    for rate in total["rates"]:
        met = "" if rate["target_met"] is None else (_("Đạt") if rate["target_met"] else _("Chưa đạt"))
        sheet.append([rate["label"], rate["percent"], rate["target"], met])
    sheet.append([])
    sheet.append([_("Chỉ số TT 01/2018"), _("Điểm (0–2)")])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, fill
    for item in total["tt01"]["indicators"]:
        sheet.append([f"{item['number']}. {item['label']}", item["score"]])
    sheet.append([_("Điểm (thang 18)"), total["tt01"]["score_18"]])
    sheet.append([_("Xếp loại"), total["tt01"]["band_label"]])
    sheet.append([])
    sheet.append([_("Nhóm chỉ số QĐ 766"), _("Điểm"), _("Tối đa")])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, fill
    for group in total["d766"]["groups"]:
        sheet.append([group["label"], group["score"], group["max"]])
    sheet.column_dimensions["A"].width = 70
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 14
    sheet.column_dimensions["D"].width = 14
