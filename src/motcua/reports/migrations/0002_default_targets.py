"""The commonly quoted targets (domain notes, indicators.md §4), as configurable data.

Most are NOT confirmed by a legal text ([B]: most likely Nghị quyết 17/NQ-CP of 07/03/2019 and related
programmes); the Decision 766 satisfaction threshold is from a secondary source [S]. Provinces change or add
targets in the admin (per level, with effective dates); this migration only seeds them once.
"""

from datetime import date

from django.db import migrations

NQ17 = "Chỉ tiêu thường được trích dẫn (có thể từ Nghị quyết 17/NQ-CP ngày 07/03/2019); chưa xác nhận"
NQ17_FROM = date(2019, 3, 7)

TARGETS = [
    # rate, minimum %, from, to, source, confidence
    ("online_share", 20, NQ17_FROM, date(2021, 1, 1), NQ17, "unconfirmed"),
    ("online_share", 50, date(2021, 1, 1), None, NQ17 + " (từ năm 2021)", "unconfirmed"),
    ("online_procedure_share", 60, NQ17_FROM, None, NQ17 + " (mức độ 3, 4)", "unconfirmed"),
    ("full_online_procedure_share", 30, NQ17_FROM, None, NQ17 + " (mức độ 4)", "unconfirmed"),
    ("postal_share", 10, NQ17_FROM, None, NQ17 + " (qua dịch vụ bưu chính công ích)", "unconfirmed"),
    (
        "satisfaction_share",
        90,
        date(2022, 6, 23),
        None,
        "Quyết định 766/QĐ-TTg: đủ điểm khi từ 90% hài lòng (nguồn thứ cấp)",
        "secondary",
    ),
]


def load(apps, schema_editor):
    target = apps.get_model("reports", "Target")
    for rate, minimum, start, end, source, confidence in TARGETS:
        target.objects.get_or_create(
            rate=rate,
            level="",
            effective_from=start,
            defaults={
                "minimum": minimum,
                "effective_to": end,
                "source": source,
                "confidence": confidence,
                "note": "Giá trị mặc định; có thể sửa theo chỉ tiêu của tỉnh.",
            },
        )


def unload(apps, schema_editor):
    target = apps.get_model("reports", "Target")
    for rate, _minimum, start, *_rest in TARGETS:
        target.objects.filter(rate=rate, level="", effective_from=start).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
