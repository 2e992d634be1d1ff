"""A small public catalog built with the shared factories (published through the catalog services).

Used by the portal tests and the browser tests.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from factories import AgencyFactory, FieldFactory, ProcedureVersionFactory

from motcua.agencies.models import Agency, Level
from motcua.catalog.models import (
    CaseComponent,
    Fee,
    Field,
    LegalBasis,
    ProcedureAgency,
    ProcedureResult,
    SequenceStep,
    TimeUnit,
)


def make_agency(code: str, name: str, level: str = Level.PROVINCE, **extra) -> Agency:
    return AgencyFactory(code=code, name=name, level=level, code_qd20=extra.pop("code_qd20", ""), **extra)


def make_field(code: str, name: str) -> Field:
    return FieldFactory(code=code, name=name)


def make_procedure(
    national_code: str,
    name: str,
    *,
    field: Field | None = None,
    agency: Agency | None = None,
    processing_time: str = "5",
    time_unit: str = TimeUnit.WORKING_DAYS,
    published_days_ago: int = 30,
    **version_fields,
):
    """A published procedure with one case named like it and no components; returns the version."""
    version_fields.setdefault("at_province", False)
    version_fields.setdefault("online_service_level", 2)
    version = ProcedureVersionFactory(
        procedure__national_code=national_code,
        procedure__local_code="",
        name=name,
        field=field,
        cases=(name,),
        components=(),
        processing_time=Decimal(processing_time),
        time_unit=time_unit,
        effective_from=timezone.now() - timedelta(days=published_days_ago),
        **version_fields,
    )
    if agency is not None:
        ProcedureAgency.objects.create(version=version, role=ProcedureAgency.Role.IMPLEMENTING, agency=agency)
    return version


def build_public_catalog() -> dict:
    """Two agencies, two fields and four procedures, three of them around "khai sinh"; returns them by role."""
    department = make_agency("000.00.12.H42", "Sở Tư pháp", code_qd20="H42.12", phone="0239 3855 000")
    commune = make_agency("000.12.34.H42", "Ủy ban nhân dân xã Thạch Hạ", Level.COMMUNE)
    civil_status = make_field("G09-HT", "Hộ tịch")
    business = make_field("G04-DN", "Thành lập và hoạt động doanh nghiệp")

    birth = make_procedure(
        "1.001193",
        "Đăng ký khai sinh",
        field=civil_status,
        agency=commune,
        at_commune=True,
        online_service_level=4,
        postal_submission_allowed=True,
        postal_return_allowed=True,
        online_payment_offered=True,
        keywords="giấy khai sinh, trẻ em",
        subjects="Công dân Việt Nam",
        requirements="Trẻ em sinh ra còn sống.",
        publication_decision="Quyết định 1872/QĐ-BTP",
    )
    case = birth.cases.get()
    case.online_processing_time = Decimal("0.5")
    case.save()
    form = CaseComponent.objects.create(
        case=case,
        order=1,
        name="Tờ khai đăng ký khai sinh",
        originals=1,
        form_name="Mẫu tờ khai đăng ký khai sinh",
    )
    form.form_file.save("to-khai-khai-sinh.docx", ContentFile(b"PK\x03\x04 demo form"), save=True)
    CaseComponent.objects.create(
        case=case, order=2, name="Giấy chứng sinh", copies=1, is_required=False, accepted_types="pdf,jpg"
    )
    Fee.objects.create(version=birth, kind=Fee.Kind.CHARGE, amount=8000, channel="direct", timing="before")
    Fee.objects.create(version=birth, kind=Fee.Kind.CHARGE, amount=0, channel="online", timing="exempt")
    ProcedureAgency.objects.create(
        version=birth, role=ProcedureAgency.Role.COMPETENT, external_name="Bộ Tư pháp", external_code="G09"
    )
    SequenceStep.objects.create(version=birth, order=1, text="Nộp hồ sơ tại bộ phận một cửa cấp xã.")
    SequenceStep.objects.create(version=birth, order=2, text="Công chức tư pháp - hộ tịch kiểm tra hồ sơ.")
    ProcedureResult.objects.create(version=birth, name="Giấy khai sinh (bản chính)")
    LegalBasis.objects.create(
        version=birth,
        number="60/2014/QH13",
        title="Luật Hộ tịch",
        issuer="Quốc hội",
        issued_on=timezone.localdate().replace(year=2014, month=11, day=20),
    )

    marriage = make_procedure(
        "1.000894",
        "Đăng ký kết hôn",
        field=civil_status,
        agency=commune,
        at_commune=True,
        online_service_level=3,
        processing_time="3",
    )
    copy_extract = make_procedure(
        "2.000635",
        "Cấp bản sao trích lục hộ tịch",
        field=civil_status,
        agency=department,
        at_province=True,
        online_service_level=2,
        keywords="khai sinh, kết hôn",
    )
    company = make_procedure(
        "2.001610",
        "Đăng ký thành lập doanh nghiệp tư nhân",
        field=business,
        agency=department,
        at_province=True,
        online_service_level=4,
        postal_submission_allowed=True,
    )
    return {
        "department": department,
        "commune": commune,
        "civil_status": civil_status,
        "business": business,
        "birth": birth,
        "birth_form": form,
        "marriage": marriage,
        "copy_extract": copy_extract,
        "company": company,
    }
