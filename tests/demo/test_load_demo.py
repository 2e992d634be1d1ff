"""``motcua load-demo``: the demo province loads through the real importer, once, in place and completely."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from motcua.agencies.models import AdministrativeUnit, Agency, OneStopUnit, StaffMembership, StaffRole
from motcua.catalog.models import (
    CaseComponent,
    Fee,
    LegalBasis,
    Procedure,
    ProcedureAgency,
    ProcedureCase,
    ProcedureVersion,
)
from motcua.catalog.selectors import procedure_search, versions_in_force
from motcua.demo import services
from motcua.demo.docx import DOCUMENT_PART, NATIONAL_MOTTO, check_docx

pytestmark = pytest.mark.django_db

User = get_user_model()


def load(*args: str) -> str:
    out = StringIO()
    call_command("load-demo", *args, stdout=out, no_color=True)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    models = [
        AdministrativeUnit,
        Agency,
        OneStopUnit,
        OneStopUnit.served_agencies.through,
        StaffMembership,
        User,
        Procedure,
        ProcedureVersion,
        ProcedureCase,
        CaseComponent,
        Fee,
        LegalBasis,
        ProcedureAgency,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.parametrize("variant", services.VARIANTS)
def test_each_variant_loads_a_complete_catalog(variant):
    output = load("--variant", variant)

    versions = versions_in_force().select_related("procedure")
    assert versions.count() >= 40
    assert Procedure.objects.filter(current_version__isnull=True).count() == 0
    for version in versions.prefetch_related("cases__components"):
        cases = list(version.cases.all())
        assert cases, version.name
        assert all(case.components.all() for case in cases), version.name
    assert {level: versions.filter(online_service_level=level).exists() for level in (1, 2, 3, 4)} == {
        1: False,
        2: True,
        3: True,
        4: True,
    }
    assert versions.filter(postal_submission_allowed=True).exists()
    assert versions.filter(postal_return_allowed=True).exists()
    assert versions.filter(online_payment_offered=True).exists()
    assert versions.filter(cases__order=3).exists()  # some procedures have several cases
    assert Fee.objects.filter(timing=Fee.Timing.AFTER).exists()
    assert (
        Fee.objects.filter(kind=Fee.Kind.FEE).exists() and Fee.objects.filter(kind=Fee.Kind.CHARGE).exists()
    )
    # Every agency a procedure names is one of the demo agencies, none kept by name only.
    assert not ProcedureAgency.objects.filter(agency__isnull=True).exists()
    assert "0 bị từ chối" in output
    assert "minh họa" in output


def test_two_level_province_has_departments_communes_and_their_one_stop_units():
    load()
    province = AdministrativeUnit.objects.get(code="42")
    assert province.name == "Tỉnh Hà Tĩnh"
    assert AdministrativeUnit.objects.filter(level="commune", parent=province).count() == 8
    assert not AdministrativeUnit.objects.filter(level="district").exists()

    departments = Agency.objects.filter(kind=Agency.Kind.DEPARTMENT)
    assert departments.count() >= 10
    assert departments.get(code="000.00.12.H42").code_qd20 == "H42.12"
    assert Agency.objects.filter(kind=Agency.Kind.VERTICAL_AGENCY).exists()

    centre = OneStopUnit.objects.get(agency__kind=Agency.Kind.SERVICE_CENTER, agency__level="province")
    assert set(departments) <= set(centre.served_agencies.all())
    committees = Agency.objects.filter(kind=Agency.Kind.PEOPLE_COMMITTEE, level="commune")
    assert committees.count() == 8
    for committee in committees:
        unit = OneStopUnit.objects.get(served_agencies=committee)
        assert unit.agency.parent == committee
        assert committee.administrative_unit.parent == province


def test_three_level_variant_has_districts_and_district_procedures():
    load("--variant", "three-level")
    districts = Agency.objects.filter(kind=Agency.Kind.PEOPLE_COMMITTEE, level="district")
    assert districts.count() == 2
    assert AdministrativeUnit.objects.filter(level="commune", parent__level="district").count() == 4
    marriage_abroad = versions_in_force().get(procedure__national_code="1.000593")
    assert (marriage_abroad.at_district, marriage_abroad.at_commune) == (True, False)
    assert set(marriage_abroad.agency_roles.values_list("agency__level", flat=True)) == {"district"}
    copies = versions_in_force().get(procedure__national_code="2.000815")
    assert copies.at_district and copies.at_commune
    # Names follow the variant: the department before the 2025 merger.
    company = versions_in_force().get(procedure__national_code="1.010028")
    assert company.agency_roles.first().agency.name == "Sở Kế hoạch và Đầu tư tỉnh Hà Tĩnh"


def test_every_role_has_accounts_at_the_centre_two_departments_and_a_commune():
    output = load()
    places = {
        "000.01.01.H42",  # provincial centre
        "000.00.12.H42",  # Sở Tư pháp
        "000.00.13.H42",  # Sở Xây dựng
    }
    for code in places:
        assert set(StaffMembership.objects.filter(agency__code=code).values_list("role", flat=True)) == set(
            StaffRole.values
        )
    commune_roles = StaffMembership.objects.filter(agency__code__in=["000.00.51.H42", "000.01.51.H42"])
    assert set(commune_roles.values_list("role", flat=True)) == set(StaffRole.values)
    assert User.objects.get(username="admin").is_superuser

    applicants = User.objects.filter(kind__in=[User.Kind.CITIZEN, User.Kind.BUSINESS])
    assert Counter(applicants.values_list("kind", flat=True)) == {"citizen": 3, "business": 1}
    for user in applicants:
        assert len(user.identity_number) == 12 and user.identity_number.startswith("042")
        assert user.full_name and user.phone and user.address

    assert authenticate(username="tiepnhan.ttpvhcc", password=services.DEFAULT_PASSWORD) is not None
    assert authenticate(username="congdan.an", password=services.DEFAULT_PASSWORD) is not None
    assert "CHỈ DÙNG CHO BẢN DEMO" in output
    assert f"Mật khẩu chung: {services.DEFAULT_PASSWORD}" in output
    for username in User.objects.values_list("username", flat=True):
        assert f"\n{username} " in output


def test_loading_twice_updates_in_place_without_duplicates():
    load()
    before = table_counts()
    output = load("--password", "mat-khau-moi-2025")
    assert table_counts() == before
    assert "0 thêm mới, 0 cập nhật, 44 không thay đổi, 0 bị từ chối" in output
    assert authenticate(username="lanhdao.stp", password="mat-khau-moi-2025") is not None
    assert authenticate(username="lanhdao.stp", password=services.DEFAULT_PASSWORD) is None


def test_a_changed_procedure_gets_a_new_version_on_the_next_load(monkeypatch):
    load()
    packages = services.catalog_packages("two-level")
    packages[0]["TENTTHC"] += " (sửa đổi)"
    monkeypatch.setattr(services, "catalog_packages", lambda variant: packages)
    output = load()
    assert "1 cập nhật" in output
    procedure = Procedure.objects.get(national_code=packages[0]["MaTTHC"])
    assert procedure.versions.count() == 2
    assert procedure.current_version.name.endswith("(sửa đổi)")
    assert (
        CaseComponent.objects.filter(case__version=procedure.current_version)
        .exclude(form_name="")
        .exclude(form_file="")
        .exists()
    )


def test_if_empty_loads_an_empty_database_and_leaves_a_filled_one_alone():
    load("--if-empty")
    assert Procedure.objects.count() == 44
    before = table_counts()
    output = load("--if-empty")
    assert "bỏ qua" in output
    assert table_counts() == before


def test_if_empty_does_nothing_when_any_agency_exists():
    Agency.objects.create(name="Sở Mẫu", code="000.00.99.H01", level="province")
    output = load("--if-empty")
    assert output.strip() == "Cơ sở dữ liệu đã có dữ liệu cơ quan: bỏ qua việc nạp tỉnh mẫu."
    assert Agency.objects.count() == 1 and not Procedure.objects.exists()


def test_every_form_component_gets_a_valid_word_file():
    load()
    components = CaseComponent.objects.exclude(form_name="")
    assert components.count() >= 30
    assert not components.filter(form_file="").exists()
    for name in set(components.values_list("form_file", flat=True)):
        assert name.endswith(".docx")
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        check_docx(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = archive.read(DOCUMENT_PART).decode("utf-8")
        assert NATIONAL_MOTTO in document
        title = components.filter(form_file=name).values_list("form_name", flat=True).first()
        assert title.upper() in document


def test_search_finds_birth_registration_without_diacritics():
    load()
    results = list(procedure_search(query="dang ky khai sinh"))
    assert results[0].name == "Đăng ký khai sinh"
    assert "Đăng ký khai sinh có yếu tố nước ngoài" in [version.name for version in results]


def test_a_weak_password_is_refused_and_nothing_is_loaded():
    with pytest.raises(CommandError, match="Mật khẩu demo"):
        load("--password", "123")
    assert not Agency.objects.exists()


def test_a_rejected_procedure_rolls_the_whole_load_back(monkeypatch):
    broken = services.catalog_packages("two-level")
    broken[5]["MucDo"] = "9"
    monkeypatch.setattr(services, "catalog_packages", lambda variant: broken)
    with pytest.raises(CommandError, match="bị từ chối") as raised:
        load()
    assert broken[5]["MaTTHC"] in str(raised.value)
    assert not Agency.objects.exists()
    assert not Procedure.objects.exists()
    assert not User.objects.exists()


def test_an_unknown_variant_is_refused():
    with pytest.raises(CommandError):
        load("--variant", "four-level")
