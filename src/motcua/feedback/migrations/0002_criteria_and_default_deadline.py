"""The rating criteria of ND 61/2018 Art. 31 (with TT 01/2018 indicators 1, 3, 4, 7 and TT 32/2017 Art. 12)
in force from 21/08/2018, and the default petition answer time limit (10 working days, editable in the admin).
"""

from datetime import date

from django.db import migrations

EFFECTIVE_FROM = date(2018, 8, 21)  # ND 61/2018/NĐ-CP takes effect

CRITERIA = [
    (
        "processing_time",
        "Thời gian giải quyết hồ sơ so với thời hạn theo quy định",
        "Nhận kết quả trước hạn, đúng hạn hay chậm so với ngày hẹn trả.",
        "NĐ 61/2018 Điều 31 điểm a; TT 01/2018 chỉ số 1",
        False,
    ),
    (
        "agencies_contacted",
        "Số cơ quan phải liên hệ để hoàn thành hồ sơ",
        "Chỉ phải liên hệ bộ phận một cửa là tốt nhất.",
        "NĐ 61/2018 Điều 31 điểm b; TT 01/2018 chỉ số 4",
        False,
    ),
    (
        "contacts_with_unit",
        "Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
        "Kể cả liên hệ trực tuyến.",
        "NĐ 61/2018 Điều 31 điểm c; TT 01/2018 chỉ số 3",
        False,
    ),
    (
        "procedure_information",
        "Thông tin về thủ tục hành chính được công khai đầy đủ, chính xác, kịp thời",
        "",
        "NĐ 61/2018 Điều 31 điểm d",
        False,
    ),
    (
        "staff_attitude",
        "Thái độ, tinh thần phục vụ và hỗ trợ của cán bộ, công chức",
        "",
        "NĐ 61/2018 Điều 31 điểm đ; TT 01/2018 chỉ số 7; TT 32/2017 Điều 12",
        False,
    ),
    (
        "result_and_cost",
        "Kết quả đúng quy định; chi phí đúng quy định, không phát sinh chi phí không chính thức",
        "",
        "NĐ 61/2018 Điều 31 điểm e",
        False,
    ),
    (
        "petition_handling",
        "Việc tiếp nhận, trả lời phản ánh, kiến nghị (nếu có)",
        "Bỏ qua nếu bạn không gửi phản ánh, kiến nghị.",
        "NĐ 61/2018 Điều 31 điểm g",
        False,
    ),
    (
        "online_service",
        "Dịch vụ công trực tuyến dễ sử dụng, hệ thống phản hồi nhanh",
        "",
        "NĐ 61/2018 Điều 31 điểm h; TT 32/2017 Điều 12",
        True,
    ),
]


def load(apps, schema_editor):
    criterion = apps.get_model("feedback", "SatisfactionCriterion")
    for order, (code, name, help_text, basis, online_only) in enumerate(CRITERIA, start=1):
        criterion.objects.get_or_create(
            code=code,
            effective_from=EFFECTIVE_FROM,
            defaults={
                "name": name,
                "help_text": help_text,
                "legal_basis": basis,
                "order": order,
                "online_only": online_only,
            },
        )
    deadline = apps.get_model("feedback", "PetitionDeadline")
    if not deadline.objects.filter(agency__isnull=True).exists():
        deadline.objects.create(agency=None, working_days=10, legal_basis="")


def unload(apps, schema_editor):
    apps.get_model("feedback", "SatisfactionCriterion").objects.filter(
        effective_from=EFFECTIVE_FROM, code__in=[row[0] for row in CRITERIA], answers__isnull=True
    ).delete()
    apps.get_model("feedback", "PetitionDeadline").objects.filter(agency__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
