"""Fill a database with a province's procedure catalog for benchmarks.

    DATABASE_URL=sqlite:////tmp/motcua-bench.sqlite3 python bench/generate_catalog.py --procedures 5000

Works on whatever DATABASE_URL points to (SQLite or PostgreSQL): migrates it, then writes a fictional
province (code H99) with its departments, districts, communes and one-stop units, and N published procedures
with Vietnamese names built from real verbs and objects of each field, 1–3 cases each with their dossier
components, fees, results, legal bases and agency roles. Rows go in with bulk_create, so 5,000 procedures take
seconds. The same --seed gives the same catalog. Meant for a dedicated database: it refuses to write into a
database that already holds procedures.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

PROVINCE = "H99"

# fmt: off
# Field code, field name, department that implements its province-level procedures, and the objects of its
# procedures, each with the kind of verbs that fit it.
FIELDS = [
    ("G13-HT", "Hộ tịch", "Sở Tư pháp", [
        ("khai sinh", "register"), ("kết hôn", "register"), ("khai tử", "register"),
        ("nhận cha, mẹ, con", "register"), ("giám hộ", "register"), ("thay đổi, cải chính, bổ sung thông tin hộ tịch", "settle"),
        ("xác nhận tình trạng hôn nhân", "license"), ("trích lục hộ tịch", "license"),
    ]),
    ("G13-CT", "Chứng thực", "Sở Tư pháp", [
        ("bản sao từ bản chính giấy tờ, văn bản", "certify"), ("chữ ký trong các giấy tờ, văn bản", "certify"),
        ("hợp đồng, giao dịch liên quan đến tài sản là động sản", "certify"), ("văn bản thỏa thuận phân chia di sản", "certify"),
    ]),
    ("G13-LLTP", "Lý lịch tư pháp", "Sở Tư pháp", [
        ("Phiếu lý lịch tư pháp cho công dân Việt Nam", "license"), ("Phiếu lý lịch tư pháp cho người nước ngoài", "license"),
    ]),
    ("G09-DD", "Đất đai", "Sở Tài nguyên và Môi trường", [
        ("Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "license"),
        ("biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "register"),
        ("chuyển mục đích sử dụng đất", "approve"), ("tách thửa hoặc hợp thửa đất", "settle"),
        ("thế chấp quyền sử dụng đất", "register"), ("gia hạn sử dụng đất", "approve"),
        ("tranh chấp đất đai", "settle"),
    ]),
    ("G09-MT", "Môi trường", "Sở Tài nguyên và Môi trường", [
        ("giấy phép môi trường", "license"), ("kế hoạch bảo vệ môi trường", "register"),
        ("báo cáo đánh giá tác động môi trường", "approve"),
    ]),
    ("G09-TNN", "Tài nguyên nước", "Sở Tài nguyên và Môi trường", [
        ("giấy phép khai thác nước dưới đất", "license"), ("giấy phép xả nước thải vào nguồn nước", "license"),
        ("giấy phép thăm dò nước dưới đất", "license"),
    ]),
    ("G08-XD", "Hoạt động xây dựng", "Sở Xây dựng", [
        ("giấy phép xây dựng mới đối với nhà ở riêng lẻ", "license"), ("giấy phép sửa chữa, cải tạo công trình", "license"),
        ("giấy phép di dời công trình", "license"), ("chứng chỉ hành nghề hoạt động xây dựng", "license"),
        ("báo cáo nghiên cứu khả thi đầu tư xây dựng", "approve"), ("thiết kế xây dựng triển khai sau thiết kế cơ sở", "approve"),
    ]),
    ("G11-DKKD", "Thành lập và hoạt động của doanh nghiệp, hộ kinh doanh", "Sở Kế hoạch và Đầu tư", [
        ("hộ kinh doanh", "register"), ("doanh nghiệp tư nhân", "register"), ("công ty trách nhiệm hữu hạn một thành viên", "register"),
        ("công ty cổ phần", "register"), ("chi nhánh, văn phòng đại diện, địa điểm kinh doanh", "register"),
        ("hợp tác xã", "register"), ("tạm ngừng kinh doanh", "register"),
    ]),
    ("G11-DT", "Đầu tư tại Việt Nam", "Sở Kế hoạch và Đầu tư", [
        ("chủ trương đầu tư", "approve"), ("Giấy chứng nhận đăng ký đầu tư", "license"), ("dự án đầu tư", "approve"),
    ]),
    ("G02-GD", "Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo", [
        ("bản sao văn bằng, chứng chỉ từ sổ gốc", "license"), ("trường mầm non tư thục", "approve"),
        ("trung tâm ngoại ngữ, tin học", "approve"), ("hoạt động giáo dục kỹ năng sống", "approve"),
        ("chuyển trường đối với học sinh trung học", "settle"), ("miễn, giảm học phí", "support"),
    ]),
    ("G04-KCB", "Khám bệnh, chữa bệnh", "Sở Y tế", [
        ("giấy phép hoạt động khám bệnh, chữa bệnh", "license"), ("giấy phép hành nghề khám bệnh, chữa bệnh", "license"),
        ("phòng khám chuyên khoa", "approve"),
    ]),
    ("G04-DUOC", "Dược phẩm", "Sở Y tế", [
        ("chứng chỉ hành nghề dược", "license"), ("Giấy chứng nhận đủ điều kiện kinh doanh dược", "license"),
        ("quảng cáo thuốc", "approve"),
    ]),
    ("G05-DB", "Đường bộ", "Sở Giao thông vận tải", [
        ("giấy phép lái xe", "license"), ("phù hiệu xe ô tô kinh doanh vận tải", "license"),
        ("giấy phép thi công công trình trên đường bộ đang khai thác", "license"), ("tuyến vận tải hành khách cố định", "register"),
    ]),
    ("G12-LD", "Việc làm", "Sở Lao động - Thương binh và Xã hội", [
        ("giấy phép lao động cho người nước ngoài", "license"), ("trợ cấp thất nghiệp", "support"),
        ("hỗ trợ học nghề", "support"), ("báo cáo giải trình nhu cầu sử dụng người lao động nước ngoài", "approve"),
    ]),
    ("G12-BTXH", "Bảo trợ xã hội", "Sở Lao động - Thương binh và Xã hội", [
        ("trợ cấp xã hội hằng tháng", "support"), ("chi phí mai táng", "support"), ("kinh phí chăm sóc, nuôi dưỡng", "support"),
        ("người khuyết tật", "register"), ("trẻ em có hoàn cảnh đặc biệt", "support"),
    ]),
    ("G12-NCC", "Người có công", "Sở Lao động - Thương binh và Xã hội", [
        ("trợ cấp ưu đãi đối với người có công với cách mạng", "support"), ("thân nhân liệt sĩ", "register"),
        ("Bằng Tổ quốc ghi công", "license"),
    ]),
    ("G06-VH", "Văn hóa", "Sở Văn hóa, Thể thao và Du lịch", [
        ("giấy phép kinh doanh dịch vụ karaoke", "license"), ("lễ hội truyền thống", "register"),
        ("giấy phép tổ chức triển lãm", "license"), ("di tích cấp tỉnh", "approve"),
    ]),
    ("G06-DL", "Du lịch", "Sở Văn hóa, Thể thao và Du lịch", [
        ("thẻ hướng dẫn viên du lịch nội địa", "license"), ("giấy phép kinh doanh dịch vụ lữ hành nội địa", "license"),
        ("cơ sở lưu trú du lịch hạng 1 sao, 2 sao", "approve"),
    ]),
    ("G01-ATTP", "An toàn thực phẩm", "Sở Nông nghiệp và Phát triển nông thôn", [
        ("Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "license"), ("bản tự công bố sản phẩm", "register"),
    ]),
    ("G01-TY", "Thú y", "Sở Nông nghiệp và Phát triển nông thôn", [
        ("chứng chỉ hành nghề thú y", "license"), ("giấy chứng nhận kiểm dịch động vật vận chuyển ra khỏi tỉnh", "license"),
    ]),
    ("G07-LTHH", "Lưu thông hàng hóa trong nước", "Sở Công Thương", [
        ("giấy phép bán lẻ rượu", "license"), ("giấy phép bán lẻ sản phẩm thuốc lá", "license"),
        ("Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu", "license"), ("hoạt động khuyến mại", "register"),
    ]),
    ("G14-TG", "Tín ngưỡng, tôn giáo", "Sở Nội vụ", [
        ("sinh hoạt tôn giáo tập trung", "register"), ("người được bổ nhiệm, bầu cử chức việc", "register"),
        ("tổ chức cuộc lễ ngoài cơ sở tôn giáo", "approve"),
    ]),
    ("G14-TDKT", "Thi đua, khen thưởng", "Sở Nội vụ", [
        ("Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", "approve"), ("danh hiệu Chiến sĩ thi đua cấp tỉnh", "approve"),
    ]),
]

VERBS = {
    "register": ["Đăng ký", "Đăng ký lại", "Đăng ký thay đổi", "Thông báo thay đổi"],
    "license": ["Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Thu hồi"],
    "approve": ["Thẩm định", "Phê duyệt", "Chấp thuận", "Điều chỉnh", "Công nhận"],
    "certify": ["Chứng thực", "Sửa lỗi sai sót trong"],
    "settle": ["Giải quyết", "Xác nhận", "Thực hiện"],
    "support": ["Hỗ trợ", "Chi trả", "Điều chỉnh mức", "Thôi hưởng", "Xét duyệt"],
}
QUALIFIERS = [
    "", "đối với cá nhân", "đối với tổ chức", "có yếu tố nước ngoài", "trong trường hợp bị mất, hư hỏng",
    "do thay đổi thông tin", "cho hộ gia đình, cá nhân", "tại khu vực biên giới", "theo thủ tục rút gọn",
    "trên địa bàn tỉnh", "đối với doanh nghiệp nhỏ và vừa", "khi thay đổi chủ sở hữu", "thực hiện trực tuyến",
]
COMPONENTS = [
    "Tờ khai theo mẫu", "Đơn đề nghị theo mẫu", "Bản sao Căn cước công dân hoặc Hộ chiếu",
    "Giấy tờ chứng minh nơi cư trú", "Văn bản ủy quyền (nếu nộp thay)", "Bản sao Giấy chứng nhận đăng ký doanh nghiệp",
    "Bản vẽ thiết kế", "Báo cáo kết quả thực hiện", "Giấy khám sức khỏe do cơ sở y tế có thẩm quyền cấp",
    "Ảnh màu cỡ 4x6 cm", "Bản chính giấy phép đã được cấp", "Biên bản họp", "Danh sách thành viên",
    "Hợp đồng thuê địa điểm", "Giấy xác nhận của Ủy ban nhân dân cấp xã",
]
RESULTS = ["Giấy phép", "Giấy chứng nhận", "Quyết định phê duyệt", "Văn bản chấp thuận", "Trích lục", "Văn bản trả lời"]
FEES = [0, 0, 10_000, 20_000, 30_000, 50_000, 100_000, 150_000, 200_000, 500_000, 1_000_000]
DISTRICTS = [
    "thành phố Tuy Hòa", "thị xã Sông Cầu", "thị xã Đông Hòa", "huyện Tuy An", "huyện Phú Hòa",
    "huyện Tây Hòa", "huyện Sơn Hòa", "huyện Đồng Xuân", "huyện Sông Hinh",
]
COMMUNE_NAMES = [
    "An Phú", "Hòa Hiệp", "Hòa Bình", "Xuân Lộc", "Xuân Thịnh", "An Ninh", "An Hiệp", "Sơn Thành",
    "Hòa Quang", "Hòa Định", "Ea Bar", "Đức Bình", "Phú Mỡ", "Xuân Sơn", "Hòa Tân", "An Mỹ",
]
# fmt: on


def procedure_names(rng: random.Random, count: int) -> list[tuple[str, int, str]]:
    """``count`` distinct (name, field index, object) triples, in a seeded random order."""
    combos = {
        f"{verb} {obj}{' ' + qualifier if qualifier else ''}": (field_index, obj)
        for field_index, (_, _, _, objects) in enumerate(FIELDS)
        for obj, kind in objects
        for verb in VERBS[kind]
        for qualifier in QUALIFIERS
    }
    ordered = [(name, field_index, obj) for name, (field_index, obj) in combos.items()]
    rng.shuffle(ordered)
    names = ordered[:count]
    round_number = 2
    while len(names) < count:  # more than the vocabulary: repeat with a distinguishing suffix
        names += [(f"{name} (lần {round_number})", f, o) for name, f, o in ordered[: count - len(names)]]
        round_number += 1
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedures", type=int, default=5000, help="number of procedures (default 5000)")
    parser.add_argument("--seed", type=int, default=20260213, help="random seed (same seed, same catalog)")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    counts = generate(procedures=args.procedures, seed=args.seed)
    # Planner statistics, as a live database has them (autovacuum would take its time after a bulk load).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(", ".join(f"{n} {label}" for label, n in counts.items()))
    print(f"Written in {elapsed:.1f} s")


def generate(*, procedures: int, seed: int) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from motcua.agencies.models import Agency, Level, OneStopUnit
    from motcua.catalog.models import (
        CaseComponent,
        Fee,
        Field,
        LegalBasis,
        Procedure,
        ProcedureAgency,
        ProcedureCase,
        ProcedureResult,
        ProcedureVersion,
        SequenceStep,
        TimeUnit,
    )
    from motcua.core.text import fold

    rng = random.Random(seed)
    batch = 1000

    with transaction.atomic():
        if Procedure.objects.exists() or Agency.objects.filter(code__endswith=f".{PROVINCE}").exists():
            raise SystemExit(
                "The database already holds a catalog: point DATABASE_URL at a new database "
                "(delete the SQLite file, or dropdb/createdb on PostgreSQL)."
            )

        # Agencies: the province, its departments and centre, districts with their one-stop units, communes.
        province = Agency.objects.create(
            code=f"000.00.00.{PROVINCE}",
            code_qd20=PROVINCE,
            name="Ủy ban nhân dân tỉnh Phú Yên Mẫu",
            level=Level.PROVINCE,
            kind=Agency.Kind.PEOPLE_COMMITTEE,
        )
        department_names = sorted({department for _, _, department, _ in FIELDS})
        departments = {
            name: Agency(
                code=f"000.00.{10 + i:02d}.{PROVINCE}",
                code_qd20=f"{PROVINCE}.{10 + i}",
                name=name,
                level=Level.PROVINCE,
                kind=Agency.Kind.DEPARTMENT,
                parent=province,
            )
            for i, name in enumerate(department_names)
        }
        center = Agency(
            code=f"000.00.01.{PROVINCE}",
            code_qd20=f"{PROVINCE}.01",
            name="Trung tâm Phục vụ hành chính công tỉnh",
            level=Level.PROVINCE,
            kind=Agency.Kind.SERVICE_CENTER,
            parent=province,
        )
        Agency.objects.bulk_create([*departments.values(), center])
        districts = Agency.objects.bulk_create(
            Agency(
                code=f"000.00.{40 + i:02d}.{PROVINCE}",
                code_qd20=f"{PROVINCE}.{40 + i}",
                name=f"Ủy ban nhân dân {name}",
                level=Level.DISTRICT,
                kind=Agency.Kind.PEOPLE_COMMITTEE,
                parent=province,
            )
            for i, name in enumerate(DISTRICTS)
        )
        communes = Agency.objects.bulk_create(
            Agency(
                code=f"{j + 1:03d}.{40 + i:02d}.{40 + i:02d}.{PROVINCE}",
                code_qd20=f"{PROVINCE}.{40 + i}.{j + 1:02d}",
                name=f"Ủy ban nhân dân xã {commune}",
                level=Level.COMMUNE,
                kind=Agency.Kind.PEOPLE_COMMITTEE,
                parent=district,
            )
            for i, district in enumerate(districts)
            for j, commune in enumerate(rng.sample(COMMUNE_NAMES, 12))
        )
        OneStopUnit.objects.bulk_create(
            [OneStopUnit(agency=center, saturday_morning_open=True)]
            + [OneStopUnit(agency=district) for district in districts]
        )

        fields = Field.objects.bulk_create(Field(code=code, name=name) for code, name, _, _ in FIELDS)

        # Procedures and their versions in force.
        now = timezone.now()
        names = procedure_names(rng, procedures)
        procedure_rows = Procedure.objects.bulk_create(
            (
                Procedure(
                    national_code=f"{rng.choice('123')}.{100000 + i:06d}",
                    local_code=f"{PROVINCE}-{i + 1:05d}",
                )
                for i in range(procedures)
            ),
            batch_size=batch,
        )
        versions = []
        for procedure, (name, field_index, obj) in zip(procedure_rows, names, strict=True):
            field = fields[field_index]
            level = rng.choices(["province", "district", "commune"], weights=[5, 3, 2])[0]
            keywords = ", ".join(rng.sample([obj, field.name, "thủ tục hành chính", "dịch vụ công"], 2))
            version = ProcedureVersion(
                procedure=procedure,
                number=1,
                status=ProcedureVersion.Status.PUBLISHED,
                effective_from=now - timedelta(days=rng.randint(30, 1500)),
                publication_decision=f"Quyết định số {rng.randint(100, 2999)}/QĐ-UBND",
                name=name,
                field=field,
                at_province=level == "province",
                at_district=level == "district" or rng.random() < 0.1,
                at_commune=level == "commune",
                keywords=keywords,
                description=f"{name}.",
                sequence="Bước 1: Nộp hồ sơ. Bước 2: Tiếp nhận, kiểm tra. Bước 3: Giải quyết. Bước 4: Trả kết quả.",
                online_service_level=rng.choices([2, 3, 4], weights=[3, 3, 4])[0],
                postal_submission_allowed=rng.random() < 0.6,
                postal_return_allowed=rng.random() < 0.7,
            )
            # The same folded copies ProcedureVersion.save() keeps (bulk_create does not call save()).
            version.search_name = fold(name)
            version.search_text = fold(
                " ".join([name, keywords, procedure.national_code, procedure.local_code, field.name])
            )
            versions.append(version)
        ProcedureVersion.objects.bulk_create(versions, batch_size=batch)
        for procedure, version in zip(procedure_rows, versions, strict=True):
            procedure.current_version = version
        Procedure.objects.bulk_update(procedure_rows, ["current_version"], batch_size=batch)

        # Agency roles, cases, components, fees, results, legal bases, steps.
        roles, cases = [], []
        for version, (_, field_index, _) in zip(versions, names, strict=True):
            department = departments[FIELDS[field_index][2]]
            if version.at_commune:
                implementing = rng.choice(communes)
            elif version.at_district:
                implementing = rng.choice(districts)
            else:
                implementing = department
            roles.append(
                ProcedureAgency(version=version, agency=implementing, role=ProcedureAgency.Role.IMPLEMENTING)
            )
            roles.append(
                ProcedureAgency(version=version, agency=department, role=ProcedureAgency.Role.COMPETENT)
            )
            for order in range(1, rng.choice([1, 1, 1, 2, 2, 3]) + 1):
                unit = rng.choices(list(TimeUnit), weights=[8, 1, 1])[0]
                cases.append(
                    ProcedureCase(
                        version=version,
                        order=order,
                        name="Trường hợp chung" if order == 1 else f"Trường hợp {order}",
                        processing_time=Decimal(rng.choice([1, 3, 5, 7, 10, 15, 20, 30]))
                        if unit != TimeUnit.WORKING_HOURS
                        else Decimal(rng.choice([4, 8])),
                        time_unit=unit,
                    )
                )
        ProcedureAgency.objects.bulk_create(roles, batch_size=batch)
        ProcedureCase.objects.bulk_create(cases, batch_size=batch)
        components = [
            CaseComponent(
                case=case, order=order, name=name, originals=rng.choice([0, 1]), copies=rng.choice([0, 1, 2])
            )
            for case in cases
            for order, name in enumerate(rng.sample(COMPONENTS, rng.randint(2, 5)), start=1)
        ]
        CaseComponent.objects.bulk_create(components, batch_size=batch)
        fees = [
            Fee(
                version=case.version,
                case=case,
                kind=rng.choice(list(Fee.Kind)),
                amount=amount,
                description="Theo quy định",
            )
            for case in cases
            if (amount := rng.choice(FEES))
        ]
        Fee.objects.bulk_create(fees, batch_size=batch)
        ProcedureResult.objects.bulk_create(
            (ProcedureResult(version=version, name=rng.choice(RESULTS)) for version in versions),
            batch_size=batch,
        )
        LegalBasis.objects.bulk_create(
            (
                LegalBasis(
                    version=version,
                    number=f"{rng.randint(1, 150)}/{rng.randint(2015, 2025)}/NĐ-CP",
                    issuer="Chính phủ",
                )
                for version in versions
            ),
            batch_size=batch,
        )
        SequenceStep.objects.bulk_create(
            (
                SequenceStep(version=version, order=order, text=text)
                for version in versions
                for order, text in enumerate(["Nộp hồ sơ", "Tiếp nhận và giải quyết", "Trả kết quả"], start=1)
            ),
            batch_size=batch,
        )

        # The folded copies must be exactly what the model would write: re-save one and compare.
        sample = ProcedureVersion.objects.select_related("procedure", "field").get(pk=versions[0].pk)
        expected = (sample.search_name, sample.search_text)
        sample.save()
        if (sample.search_name, sample.search_text) != expected:
            raise SystemExit(
                "search_name/search_text differ from ProcedureVersion.save(); update this generator."
            )

    return {
        "agencies": 1 + len(departments) + 1 + len(districts) + len(communes),
        "fields": len(fields),
        "procedures": len(procedure_rows),
        "cases": len(cases),
        "components": len(components),
        "fees": len(fees),
    }


if __name__ == "__main__":
    main()
