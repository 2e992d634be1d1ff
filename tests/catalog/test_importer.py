"""Import of national TTHC packages: parsing rules, idempotence, versions, agencies and the report."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from factories import AgencyFactory, ProcedureVersionFactory, national_package

from motcua.catalog.importer import (
    CatalogFileError,
    ImportStatus,
    import_catalog_packages,
    package_hash,
    packages_from_bytes,
    packages_from_data,
    parse_amount,
    parse_channel,
    parse_count,
    parse_date,
    parse_package,
    parse_processing_time,
    parse_time_unit,
)
from motcua.catalog.models import (
    CaseComponent,
    Channel,
    Fee,
    Field,
    LegalBasis,
    Procedure,
    ProcedureAgency,
    ProcedureCase,
    ProcedureVersion,
    SequenceStep,
    TimeUnit,
)
from motcua.catalog.selectors import version_in_force

DATA = Path(__file__).parent / "data"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def load(name: str):
    return packages_from_bytes((DATA / name).read_bytes())


# --- value parsers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("5", "Ngày làm việc", (Decimal("5.00"), TimeUnit.WORKING_DAYS)),
        ("03", "ngay lam viec", (Decimal("3.00"), TimeUnit.WORKING_DAYS)),
        ("0,5", "NGÀY LÀM VIỆC", (Decimal("0.50"), TimeUnit.WORKING_DAYS)),
        ("0.5", "Ngày", (Decimal("0.50"), TimeUnit.CALENDAR_DAYS)),
        ("Trong ngày", "Ngày", (Decimal("0.50"), TimeUnit.WORKING_DAYS)),
        ("Không quá 30", "Ngày", (Decimal("30.00"), TimeUnit.CALENDAR_DAYS)),
        ("4", "Giờ làm việc", (Decimal("4.00"), TimeUnit.WORKING_HOURS)),
        ("8", "Giờ", (Decimal("8.00"), TimeUnit.WORKING_HOURS)),
        (12, "", (Decimal("12.00"), TimeUnit.WORKING_DAYS)),
        ("", "Ngày làm việc", (Decimal("0.00"), TimeUnit.WORKING_DAYS)),
        ("Không quy định", "", (Decimal("0.00"), TimeUnit.WORKING_DAYS)),
    ],
)
def test_processing_time_is_read_from_national_text(value, unit, expected):
    assert parse_processing_time(value, unit) == expected


@pytest.mark.parametrize(("value", "unit"), [("-3", "Ngày"), ("vài hôm", "Ngày"), ("5", "Tháng"), (True, "")])
def test_processing_time_rejects_negative_unreadable_or_unknown_unit(value, unit):
    with pytest.raises(ValueError):
        parse_processing_time(value, unit)


def test_time_unit_is_case_and_diacritic_insensitive():
    assert parse_time_unit("GIỜ LÀM VIỆC") == TimeUnit.WORKING_HOURS
    assert parse_time_unit("gio lam viec") == TimeUnit.WORKING_HOURS
    assert parse_time_unit("ngày") == TimeUnit.CALENDAR_DAYS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Trực tiếp", Channel.DIRECT),
        ("truc tuyen", Channel.ONLINE),
        ("Dịch vụ bưu chính", Channel.POSTAL),
        ("Bưu chính công ích", Channel.POSTAL),
        ("2", Channel.ONLINE),
    ],
)
def test_channels(value, expected):
    assert parse_channel(value) == expected


def test_unknown_channel_is_an_error():
    with pytest.raises(ValueError, match="kênh"):
        parse_channel("Điện thoại")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50.000", 50000),
        ("50,000", 50000),
        ("1.200.000", 1200000),
        ("200000", 200000),
        ("50.000 đồng", 50000),
        ("5.000,00", 5000),
        ("", 0),
        ("0", 0),
        (None, 0),
        (100000, 100000),
        (2500.0, 2500),
    ],
)
def test_amounts_in_vnd(value, expected):
    assert parse_amount(value) == expected


@pytest.mark.parametrize("value", ["-5000", "50.00.0", "abc", "1.5", 12.5, True, [1]])
def test_bad_amounts(value):
    with pytest.raises(ValueError):
        parse_amount(value)


def test_counts_and_dates():
    assert parse_count("02") == 2
    assert parse_count("") == 0
    with pytest.raises(ValueError):
        parse_count("-1")
    with pytest.raises(ValueError):
        parse_count("một")
    assert parse_date("04/09/2020") == date(2020, 9, 4)
    assert parse_date("4/9/2020") == date(2020, 9, 4)
    assert parse_date("2016-01-01") == date(2016, 1, 1)
    assert parse_date("2016-01-01T00:00:00") == date(2016, 1, 1)
    assert parse_date("") is None
    for bad in ("32/13/2014", "2014/01/01", "hôm qua", 20140101):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_file_shapes():
    package = national_package()
    assert packages_from_data([package]) == [package]
    assert packages_from_data({"GoiTinThuTucQG": [package]}) == [package]
    assert packages_from_data(package) == [package]
    with pytest.raises(CatalogFileError):
        packages_from_data("1.001193")
    with pytest.raises(CatalogFileError, match="GoiTinThuTucQG"):
        packages_from_data({"GoiTinThuTucQG": "x"})
    with pytest.raises(CatalogFileError, match="JSON"):
        packages_from_bytes((DATA / "not_json.txt").read_bytes())
    with pytest.raises(CatalogFileError, match="UTF-8"):
        packages_from_bytes('[{"TENTTHC": "Thủ tục"}]'.encode("cp1258", errors="replace") + b"\xff")
    # A UTF-8 byte-order mark is tolerated.
    assert packages_from_bytes(b"\xef\xbb\xbf" + json.dumps([package]).encode()) == [package]


def test_hash_ignores_key_order_and_surrounding_spaces_but_not_content():
    package = national_package()
    reordered = dict(reversed(list(package.items())))
    padded = {**package, "TENTTHC": f"  {package['TENTTHC']} "}
    assert package_hash(package) == package_hash(reordered) == package_hash(padded)
    assert package_hash(package) != package_hash({**package, "TENTTHC": "Tên khác"})


# --- parsing whole packages ------------------------------------------------------------------------------


def test_parse_groups_components_and_steps_by_case():
    parsed, errors, _warnings = parse_package(load("good.json")[1])
    assert errors == []
    names = [case.name for case in parsed.cases]
    assert names == ["Cấp Phiếu lý lịch tư pháp số 1", "Cấp Phiếu lý lịch tư pháp số 2"]
    assert [c.code for c in parsed.cases[0].components] == ["TK-LLTP", "CCCD"]
    assert [c.code for c in parsed.cases[1].components] == ["TK-LLTP"]
    # The local extension sets the identity-card component's formats on the first case only.
    identity_card = parsed.cases[0].components[1]
    assert (identity_card.accepted_types, identity_card.max_size_mb, identity_card.is_required) == (
        "pdf,jpg",
        5,
        False,
    )


def test_components_without_a_case_apply_to_every_case():
    package = national_package(
        THANHPHANHOSO=[
            {"TRUONGHOP": "", "GIAYTO": [{"MAGIAYTO": "DON", "TENGIAYTO": "Đơn đề nghị", "SOBANCHINH": "1"}]},
            {"TRUONGHOP": "Cấp mới", "GIAYTO": [{"TENGIAYTO": "Ảnh 4x6", "SOBANCHINH": "2"}]},
            {"TRUONGHOP": "Cấp lại", "GIAYTO": [{"TENGIAYTO": "Bản cũ", "SOBANSAO": "1"}]},
        ]
    )
    parsed, errors, _warnings = parse_package(package)
    assert errors == []
    assert [(case.name, [c.name for c in case.components]) for case in parsed.cases] == [
        ("Cấp mới", ["Đơn đề nghị", "Ảnh 4x6"]),
        ("Cấp lại", ["Đơn đề nghị", "Bản cũ"]),
    ]


def test_every_problem_of_a_record_is_reported_with_its_place():
    package = national_package(
        code="1.00",
        name="",
        THANHPHANHOSO=[{"TRUONGHOP": "", "GIAYTO": [{"TENGIAYTO": "Đơn", "SOBANCHINH": "-1"}]}],
        CAPTHUCHIEN=[{"CAPTHUCHIEN": "9"}],
        MucDo="5",
    )
    parsed, errors, _warnings = parse_package(package)
    assert parsed is None
    text = "\n".join(errors)
    assert "MaTTHC" in text and "1.001234" in text
    assert "TENTTHC: thiếu tên thủ tục" in text
    assert "THANHPHANHOSO[1].GIAYTO[1].SOBANCHINH: không được âm" in text
    assert "CAPTHUCHIEN[1]" in text
    assert "MucDo" in text


def test_local_fee_for_an_unknown_case_is_rejected():
    package = national_package(
        MOTCUA_DIAPHUONG={"PhiLePhi": [{"TRUONGHOP": "Không tồn tại", "SOTIEN": "1000", "LOAI": "phi"}]}
    )
    _parsed, errors, _warnings = parse_package(package)
    assert any("Không tồn tại" in error for error in errors)


def test_local_component_setting_for_an_unknown_document_is_rejected():
    package = national_package(MOTCUA_DIAPHUONG={"ThanhPhan": [{"MAGIAYTO": "KHONGCO", "DinhDang": "pdf"}]})
    _parsed, errors, _warnings = parse_package(package)
    assert any("KHONGCO" in error for error in errors)


def test_bad_form_url_is_dropped_with_a_warning():
    package = national_package(
        THANHPHANHOSO=[{"TRUONGHOP": "", "GIAYTO": [{"TENGIAYTO": "Đơn", "URL": "không phải đường dẫn"}]}]
    )
    parsed, errors, warnings = parse_package(package)
    assert errors == []
    assert parsed.cases[0].components[0].form_url == ""
    assert any("đường dẫn" in warning for warning in warnings)


# --- importing ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_file_creates_published_procedures_with_all_parts():
    report = import_catalog_packages(load("good.json"), source="good.json")

    assert [r.status for r in report.records] == [ImportStatus.ACCEPTED] * 3
    assert not report.has_rejections
    birth = Procedure.objects.get(national_code="1.001193")
    version = birth.current_version
    assert version is not None and version.number == 1
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert version.name == "Thủ tục đăng ký khai sinh"
    assert version.levels == ["commune"]
    assert version.field.code == "G13-HT01" and version.field.name == "Hộ tịch"
    assert version.publication_decision == "Quyết định số 1872/QĐ-BTP ngày 04/9/2020"
    assert version.raw_package["MaTTHC"] == "1.001193"
    assert len(version.package_hash) == 64
    assert version.postal_submission_allowed is True  # the package lists the postal channel
    assert birth.idqg == "60001"

    (case,) = version.cases.all()
    assert case.name == "Trường hợp chung"
    assert (case.processing_time, case.time_unit) == (Decimal("0.50"), TimeUnit.WORKING_DAYS)
    assert list(case.components.values_list("code", "originals", "copies")) == [
        ("GT-TKKS", 1, 0),
        ("GT-GCS", 1, 0),
    ]
    assert case.components.get(code="GT-TKKS").form_url.endswith("to-khai-khai-sinh.docx")
    assert version.fees.count() == 0  # "Miễn lệ phí" with amount 0
    assert "Miễn lệ phí" in version.fee_description
    assert version.sequence_steps.count() == 3
    basis = version.legal_bases.get()
    assert (basis.number, basis.issued_on, basis.effective_on) == (
        "60/2014/QH13",
        date(2014, 11, 20),
        date(2016, 1, 1),
    )
    assert version.results.get().name == "Giấy khai sinh"


@pytest.mark.django_db
def test_local_extension_sets_cases_fees_level_and_flags():
    import_catalog_packages(load("good.json"))
    procedure = Procedure.objects.get(national_code="2.000488")
    version = procedure.current_version
    assert procedure.local_code == "2.000488.000.00.00.H56"
    assert version.online_service_level == 4
    assert version.field.code == "G13-LLTP"  # the first LINHVUCTHUCHIEN entry is the main field
    assert (version.postal_submission_allowed, version.postal_return_allowed) == (True, True)
    assert version.online_payment_offered is True and version.is_interconnected is False

    first, second = version.cases.order_by("order")
    assert (first.processing_time, first.online_processing_time, first.supplement_rule) == (
        Decimal("10.00"),
        Decimal("8.00"),
        ProcedureCase.SupplementRule.RESTART,
    )
    assert (second.processing_time, second.supplement_rule, second.accepted_online) == (
        Decimal("15.00"),
        ProcedureCase.SupplementRule.PAUSE,
        False,
    )
    fees = {(fee.case_id, fee.channel, fee.kind, fee.amount, fee.timing) for fee in version.fees.all()}
    assert fees == {
        (None, Channel.DIRECT, Fee.Kind.FEE, 200000, Fee.Timing.BEFORE),
        (None, Channel.ONLINE, Fee.Kind.FEE, 100000, Fee.Timing.BEFORE),
        (second.pk, "", Fee.Kind.CHARGE, 0, Fee.Timing.EXEMPT),
    }
    assert version.fees.get(channel=Channel.DIRECT).exemptions == "Trẻ em, người cao tuổi được miễn"


@pytest.mark.django_db
def test_national_fees_per_channel_and_online_time():
    import_catalog_packages(load("wrapped.json"))
    version = Procedure.objects.get(national_code="1.001612").current_version
    assert version.levels == ["district"]
    assert version.online_service_level == 2  # no MucDo
    assert sorted(version.fees.values_list("channel", "amount", "kind")) == [
        (Channel.DIRECT, 100000, Fee.Kind.CHARGE),
        (Channel.ONLINE, 50000, Fee.Kind.CHARGE),
    ]
    case = version.cases.get()
    assert (case.processing_time, case.online_processing_time) == (Decimal("3.00"), Decimal("0.50"))


@pytest.mark.django_db
def test_single_package_file():
    report = import_catalog_packages(load("single.json"))
    assert [(r.national_code, r.status) for r in report.records] == [("1.001193", ImportStatus.ACCEPTED)]


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    import_catalog_packages(load("good.json"))
    counts = {
        model: model.objects.count()
        for model in (
            Procedure,
            ProcedureVersion,
            ProcedureCase,
            CaseComponent,
            Fee,
            SequenceStep,
            LegalBasis,
        )
    }
    stamps = dict(ProcedureVersion.objects.values_list("pk", "updated_at"))

    report = import_catalog_packages(load("good.json"))

    assert [r.status for r in report.records] == [ImportStatus.UNCHANGED] * 3
    assert [r.version_number for r in report.records] == [1, 1, 1]
    assert {model: model.objects.count() for model in counts} == counts
    assert dict(ProcedureVersion.objects.values_list("pk", "updated_at")) == stamps


@pytest.mark.django_db
def test_changed_package_publishes_a_new_version_and_keeps_the_old_one():
    import_catalog_packages(load("good.json"))
    procedure = Procedure.objects.get(national_code="2.000488")
    old = procedure.current_version
    old_fees = sorted(old.fees.values_list("channel", "amount"))
    before_change = timezone.now()

    report = import_catalog_packages(load("changed.json"))

    (record,) = report.records
    assert (record.status, record.version_number) == (ImportStatus.UPDATED, 2)
    procedure.refresh_from_db()
    new = procedure.current_version
    assert new.number == 2 and new.publication_decision == "Quyết định số 2500/QĐ-BTP"
    assert new.fees.get(channel=Channel.DIRECT).amount == 250000
    assert new.cases.order_by("order").first().processing_time == Decimal("7.00")
    old.refresh_from_db()
    assert old.status == ProcedureVersion.Status.PUBLISHED
    assert old.effective_to == new.effective_from
    assert sorted(old.fees.values_list("channel", "amount")) == old_fees
    assert old.cases.order_by("order").first().processing_time == Decimal("10.00")
    assert version_in_force(procedure=procedure, at=before_change) == old

    # The same changed package again is now unchanged.
    again = import_catalog_packages(load("changed.json"))
    assert (again.records[0].status, again.records[0].version_number) == (ImportStatus.UNCHANGED, 2)


@pytest.mark.django_db
def test_effective_from_date_starts_the_version_that_day():
    report = import_catalog_packages([national_package()], effective_from=date(2030, 7, 1))
    assert report.records[0].status == ImportStatus.ACCEPTED
    version = ProcedureVersion.objects.get()
    assert version.effective_from == datetime(2030, 7, 1, tzinfo=VN)
    # Not in force yet, so not current.
    assert version.procedure.current_version is None


@pytest.mark.django_db
def test_a_change_effective_before_the_current_version_is_rejected():
    import_catalog_packages([national_package()], effective_from=date(2030, 7, 1))
    report = import_catalog_packages(
        [national_package(QUYETDINH="Quyết định sửa đổi")], effective_from=date(2030, 1, 1)
    )
    assert report.records[0].status == ImportStatus.REJECTED
    assert "ngày hiệu lực" in report.records[0].reasons[0]
    assert ProcedureVersion.objects.count() == 1  # the rejected draft left nothing behind


@pytest.mark.django_db
def test_broken_file_imports_the_good_records_and_explains_the_rest():
    report = import_catalog_packages(load("broken.json"), source="broken.json")

    statuses = {record.index: record.status for record in report.records}
    assert [i for i, s in statuses.items() if s == ImportStatus.ACCEPTED] == [1, 10]
    assert len(report.rejected) == 8
    assert set(Procedure.objects.values_list("national_code", flat=True)) == {"1.009001", "1.009010"}
    reasons = {record.index: " ".join(record.reasons) for record in report.rejected}
    assert "thiếu mã thủ tục" in reasons[2]
    assert "ABC.12" in reasons[3]
    assert "THANHPHANHOSO: phải là một danh sách" in reasons[4]
    assert "SOBANCHINH" in reasons[5]
    assert "NGAYBANHANH" in reasons[6] and "32/13/2014" in reasons[6]
    assert "đối tượng JSON" in reasons[7]
    assert "thiếu tên thủ tục" in reasons[8]
    assert "THOIGIANGIAIQUYET" in reasons[9] and "SOTIEN" in reasons[9]
    assert report.records[2].national_code == "ABC.12"
    assert "1 bị từ chối" not in report.summary() and "8 bị từ chối" in report.summary()


@pytest.mark.django_db
def test_a_record_failing_while_written_leaves_nothing_behind(monkeypatch):
    from motcua.catalog import importer
    from motcua.core.errors import ValidationFailed

    def failing_publish(*, version, effective_from=None):
        raise ValidationFailed("Lỗi công bố thử nghiệm.")

    monkeypatch.setattr(importer, "procedure_version_publish", failing_publish)
    report = import_catalog_packages([national_package()])
    assert report.records[0].status == ImportStatus.REJECTED
    assert report.records[0].reasons == ["Lỗi công bố thử nghiệm."]
    assert not Procedure.objects.exists()
    assert not ProcedureCase.objects.exists()
    assert not Field.objects.exists()


@pytest.mark.django_db
def test_duplicate_code_in_one_file_is_rejected():
    report = import_catalog_packages([national_package(), national_package(name="Tên khác")])
    assert report.records[1].status == ImportStatus.REJECTED
    assert "#1" in report.records[1].reasons[0]
    assert ProcedureVersion.objects.count() == 1


@pytest.mark.django_db
def test_dry_run_reports_but_saves_nothing():
    report = import_catalog_packages(load("good.json"), dry_run=True)
    assert [r.status for r in report.records] == [ImportStatus.ACCEPTED] * 3
    assert report.lines()[-1] == "Chạy thử: không có thay đổi nào được lưu."
    assert not Procedure.objects.exists() and not Field.objects.exists()


@pytest.mark.django_db
def test_agencies_are_matched_by_either_code_and_unknown_ones_kept_by_name():
    commune = AgencyFactory(name="UBND xã Mẫu Sơn", code="000.01.14.H56", code_qd20="H56.14.01")
    department = AgencyFactory(name="Sở Tư pháp", code="000.00.14.H56", code_qd20="H56.14")

    report = import_catalog_packages(load("good.json"))

    birth = Procedure.objects.get(national_code="1.001193").current_version
    roles = {role.role: role for role in birth.agency_roles.all()}
    assert roles[ProcedureAgency.Role.IMPLEMENTING].agency == commune  # by QĐ 20 code
    assert roles[ProcedureAgency.Role.COMPETENT].agency == commune  # by QCVN 102 code
    record = Procedure.objects.get(national_code="2.000488").current_version
    coordinating = record.agency_roles.get(role=ProcedureAgency.Role.COORDINATING)
    assert coordinating.agency is None
    assert (coordinating.external_code, coordinating.external_name) == ("G01", "Bộ Công an")
    assert record.agency_roles.get(role=ProcedureAgency.Role.IMPLEMENTING).agency == department
    warnings = " ".join(report.records[1].warnings)
    assert "G01" in warnings and "000.00.14.H56" not in warnings


@pytest.mark.django_db
def test_existing_procedure_made_locally_gets_a_new_version():
    version = ProcedureVersionFactory(procedure__national_code="1.000001")
    report = import_catalog_packages([national_package(code="1.000001")])
    assert (report.records[0].status, report.records[0].version_number) == (ImportStatus.UPDATED, 2)
    version.refresh_from_db()
    assert version.effective_to is not None
    assert version.procedure.current_version.number == 2


@pytest.mark.django_db
def test_report_lines_name_index_code_and_reason():
    report = import_catalog_packages(
        [national_package(), national_package(code="1.000002", name=""), ["không", "hợp", "lệ"]]
    )
    lines = report.lines()
    assert lines[0] == "#1 1.000001: Thêm mới (phiên bản 1)"
    assert lines[1] == "#2 1.000002: Từ chối"
    assert lines[2] == "    - TENTTHC: thiếu tên thủ tục"
    assert lines[3] == "#3 (không có MaTTHC): Từ chối"
    assert lines[-1].startswith("Tổng 3 bản ghi: 1 thêm mới")


@pytest.mark.django_db
def test_default_effective_from_is_now():
    start = timezone.now()
    import_catalog_packages([national_package()])
    version = ProcedureVersion.objects.get()
    assert start <= version.effective_from <= timezone.now() + timedelta(seconds=1)


@pytest.mark.django_db
def test_the_minimal_package_of_the_documentation_imports():
    doc = (Path(__file__).parents[2] / "docs" / "catalog-import.md").read_text(encoding="utf-8")
    section = doc[doc.index("## A minimal package") :]
    block = section[
        section.index("```json") + len("```json") : section.index("```\n", section.index("```json") + 7)
    ]
    report = import_catalog_packages(packages_from_data(json.loads(block)))
    assert [r.status for r in report.records] == [ImportStatus.ACCEPTED], report.lines()
    case = ProcedureCase.objects.get()
    assert (case.name, case.processing_time) == ("Trường hợp chung", Decimal("0.50"))


def test_too_long_values_are_reported_once():
    _parsed, errors, _warnings = parse_package(national_package(name="Tên " * 200, code="1." + "0" * 30))
    assert [error.split(":")[0] for error in errors] == ["MaTTHC", "TENTTHC"]
    assert all("dài quá" in error for error in errors)
