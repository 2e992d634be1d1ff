"""A small province catalog for the API tests, built through the catalog services (draft, then publish).

Local helpers rather than tests/factories.py because these tests need full control over every part of a
version (agency roles, per-case fees, form files, results, legal bases, several versions).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
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
from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish


def make_agency(
    code: str, name: str, *, level=Level.PROVINCE, kind=Agency.Kind.DEPARTMENT, **fields
) -> Agency:
    return Agency.objects.create(code=code, name=name, level=level, kind=kind, **fields)


def make_procedure(
    national_code: str,
    name: str,
    *,
    field: Field | None = None,
    levels: tuple[str, ...] = ("province",),
    online_service_level: int = 2,
    roles: tuple[tuple[Agency | tuple[str, str], str], ...] = (),
    cases: tuple[tuple[str, Decimal, str], ...] = (("Trường hợp chung", Decimal(5), TimeUnit.WORKING_DAYS),),
    effective_from: datetime | None = None,
    publish: bool = True,
    procedure: Procedure | None = None,
    **fields,
) -> ProcedureVersion:
    """A version with its cases (each with one component) and agency roles, published unless told not to.

    ``roles`` pairs an agency (or an outside unit as ``(code, name)``) with a ``ProcedureAgency.Role``;
    ``effective_from`` defaults to a year ago.
    """
    procedure = procedure or Procedure.objects.create(
        national_code=national_code, local_code=f"{national_code}.000.00.00.H42"
    )
    version = procedure_version_create_draft(
        procedure=procedure,
        name=name,
        field=field,
        online_service_level=online_service_level,
        **{f"at_{level}": True for level in levels},
        **fields,
    )
    for order, (case_name, amount, unit) in enumerate(cases, start=1):
        case = ProcedureCase.objects.create(
            version=version, order=order, name=case_name, processing_time=amount, time_unit=unit
        )
        CaseComponent.objects.create(case=case, order=1, name="Tờ khai", originals=1)
    for agency, role in roles:
        if isinstance(agency, Agency):
            ProcedureAgency.objects.create(version=version, agency=agency, role=role)
        else:
            ProcedureAgency.objects.create(
                version=version, role=role, external_code=agency[0], external_name=agency[1]
            )
    if publish:
        effective_from = effective_from or timezone.now() - timedelta(days=365)
        version = procedure_version_publish(version=version, effective_from=effective_from)
    return version


@pytest.fixture
def agencies(db):
    """A province department, a district and a commune People's Committee, the provincial centre."""
    department = make_agency("000.00.12.H42", "Sở Tư pháp", code_qd20="H42.12", short_name="STP")
    district = make_agency(
        "000.00.21.H42",
        "Ủy ban nhân dân huyện Đông Hòa",
        level=Level.DISTRICT,
        kind=Agency.Kind.PEOPLE_COMMITTEE,
        code_qd20="H42.21",
    )
    commune = make_agency(
        "001.21.21.H42",
        "Ủy ban nhân dân xã Hòa Hiệp",
        level=Level.COMMUNE,
        kind=Agency.Kind.PEOPLE_COMMITTEE,
        parent=district,
        code_qd20="H42.21.01",
    )
    center = make_agency(
        "000.00.01.H42",
        "Trung tâm Phục vụ hành chính công tỉnh",
        kind=Agency.Kind.SERVICE_CENTER,
        address="Số 1 Trần Phú",
        phone="0257 3800 000",
    )
    OneStopUnit.objects.create(
        agency=center, morning_start=time(7, 30), saturday_morning_open=True, paper_cutoff=time(15, 30)
    )
    closed = make_agency("000.00.99.H42", "Sở Đã Giải Thể", is_active=False)
    return {
        "department": department,
        "district": district,
        "commune": commune,
        "center": center,
        "closed": closed,
    }


@pytest.fixture
def fields(db):
    return {
        "civil": Field.objects.create(code="G13-HT", name="Hộ tịch"),
        "construction": Field.objects.create(code="G13-XD", name="Xây dựng"),
    }


@pytest.fixture
def catalog(agencies, fields):
    """Five procedures in force, one draft, one no longer used in the province."""
    role = ProcedureAgency.Role
    birth = make_procedure(
        "1.001193",
        "Đăng ký khai sinh",
        field=fields["civil"],
        levels=("commune",),
        online_service_level=4,
        keywords="giấy khai sinh, trẻ em",
        roles=((agencies["commune"], role.IMPLEMENTING),),
        cases=(("Trường hợp chung", Decimal(1), TimeUnit.WORKING_DAYS),),
    )
    foreign_birth = make_procedure(
        "1.001695",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        field=fields["civil"],
        levels=("district",),
        online_service_level=3,
        roles=((agencies["district"], role.IMPLEMENTING),),
        cases=(("Trường hợp chung", Decimal(15), TimeUnit.WORKING_DAYS),),
    )
    marriage = make_procedure(
        "1.000894",
        "Đăng ký kết hôn",
        field=fields["civil"],
        levels=("commune",),
        online_service_level=3,
        roles=((agencies["commune"], role.IMPLEMENTING),),
        cases=(("Trường hợp chung", Decimal("0.5"), TimeUnit.WORKING_DAYS),),
    )
    building = make_procedure(
        "1.009994",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        field=fields["construction"],
        levels=("district",),
        online_service_level=2,
        roles=(
            (("000.00.00.G13", "Bộ Xây dựng"), role.COMPETENT),
            (agencies["district"], role.IMPLEMENTING),
        ),
        cases=(("Nhà ở riêng lẻ", Decimal(15), TimeUnit.CALENDAR_DAYS),),
    )
    judicial = make_procedure(
        "2.000488",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        field=fields["civil"],
        levels=("province",),
        online_service_level=4,
        roles=((agencies["department"], role.IMPLEMENTING),),
    )
    draft = make_procedure("1.000001", "Đăng ký khai tử", field=fields["civil"], publish=False)
    retired_locally = make_procedure("1.000002", "Đăng ký giám hộ", field=fields["civil"])
    Procedure.objects.filter(pk=retired_locally.procedure_id).update(is_active=False)
    return {
        "birth": birth,
        "foreign_birth": foreign_birth,
        "marriage": marriage,
        "building": building,
        "judicial": judicial,
        "draft": draft,
        "retired_locally": retired_locally,
    }


@pytest.fixture
def full_procedure(agencies, fields):
    """A procedure with two published versions; the second, in force, carries every part of the catalog."""
    role = ProcedureAgency.Role
    first = make_procedure(
        "1.003005",
        "Chứng thực bản sao từ bản chính",
        field=fields["civil"],
        roles=((agencies["department"], role.IMPLEMENTING),),
    )
    version = make_procedure(
        "1.003005",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        procedure=first.procedure,
        field=fields["civil"],
        levels=("province", "commune"),
        online_service_level=4,
        publish=False,
        publication_decision="Quyết định số 123/QĐ-UBND ngày 20/12/2025",
        sequence="Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả.",
        postal_return_allowed=True,
        roles=(
            (agencies["commune"], role.COORDINATING),
            (agencies["department"], role.IMPLEMENTING),
            (("000.00.00.G12", "Bộ Tư pháp"), role.COMPETENT),
        ),
        cases=(
            ("Chứng thực tại Phòng Tư pháp", Decimal(2), TimeUnit.WORKING_DAYS),
            ("Chứng thực số lượng lớn", Decimal(4), TimeUnit.WORKING_HOURS),
        ),
    )
    first_case, second_case = version.cases.order_by("order")
    form = CaseComponent.objects.create(
        case=first_case,
        order=2,
        code="MAU01",
        name="Tờ khai yêu cầu chứng thực",
        originals=1,
        copies=2,
        form_name="Mẫu số 01",
        accepted_types="pdf, PNG",
    )
    form.form_file.save("mau-01.docx", ContentFile(b"form"), save=True)
    Fee.objects.create(version=version, kind=Fee.Kind.CHARGE, amount=2000, description="Mỗi trang")
    Fee.objects.create(
        version=version,
        case=second_case,
        kind=Fee.Kind.FEE,
        amount=200000,
        channel="online",
        timing=Fee.Timing.AFTER,
        description="Tối đa mỗi bản",
    )
    ProcedureResult.objects.create(version=version, code="KQ01", name="Bản sao được chứng thực")
    LegalBasis.objects.create(
        version=version,
        number="23/2015/NĐ-CP",
        title="Nghị định về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính",
        issuer="Chính phủ",
        issued_on=date(2015, 2, 16),
        effective_on=date(2015, 4, 10),
    )
    SequenceStep.objects.create(version=version, order=1, text="Nộp hồ sơ tại Bộ phận Một cửa.")
    SequenceStep.objects.create(version=version, order=2, text="Nhận kết quả.")
    return procedure_version_publish(version=version, effective_from=timezone.now() - timedelta(days=30))
