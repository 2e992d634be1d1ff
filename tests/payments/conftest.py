"""A small province for payment tests: a service centre receiving for a department, its staff, a citizen, a
procedure with a lệ phí collected before reception and a phí collected after, offered for online payment; and
the sandbox payment server on a free port, wired to the test server's callback URLs when a test needs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import (
    AgencyFactory,
    OneStopUnitFactory,
    ProcedureVersionFactory,
    StaffMembershipFactory,
    UserFactory,
)

from motcua.agencies.models import Agency, StaffRole
from motcua.catalog.models import Fee, ProcedureAgency, ProcedureCase, ProcedureVersion
from motcua.core.calendar import reset_calendar_cache
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.payments.models import PaymentRequest
from motcua.sandbox.payment import PaymentSandbox

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # Monday, a working day
PAYGOV_SECRET = "test-paygov-secret-5d2c"
PAYGOV_TOKEN = "test-paygov-token-81aa"
VNPAY_SECRET = "test-vnpay-secret-0b9e"
PARTNER = "MOTCUATEST"
TMN = "MCTEST01"

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


def pdf(name: str = "chung-tu.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class World:
    center: Agency
    department: Agency
    reception: object
    leader: object
    specialist: object
    supervisor: object
    outsider: object
    citizen: object
    other_citizen: object
    version: ProcedureVersion
    case: ProcedureCase

    def applicant(self) -> dossier_services.ApplicantData:
        return dossier_services.ApplicantData(
            kind="citizen",
            name="Nguyễn Văn An",
            identity_number="042090001234",
            phone="0912345678",
            email="an@example.invalid",
            address="Phường Thành Sen, Hà Tĩnh",
        )

    def documents(self, *, with_files: bool = True) -> list[dossier_services.DocumentData]:
        return [
            dossier_services.DocumentData(
                case_component=component, files=[pdf(f"giay-to-{component.order}.pdf")] if with_files else []
            )
            for component in self.case.components.all()
        ]

    def submit_online(self, citizen=None) -> Dossier:
        return dossier_services.dossier_submit_online(
            actor=citizen or self.citizen,
            procedure_case=self.case,
            receiving_agency=self.center,
            competent_agency=self.department,
            applicant=self.applicant(),
            documents=self.documents(),
            summary="Đề nghị cấp phiếu lý lịch tư pháp",
        )

    def register(self) -> Dossier:
        return dossier_services.dossier_register_at_counter(
            actor=self.reception,
            procedure_case=self.case,
            receiving_agency=self.center,
            competent_agency=self.department,
            applicant=self.applicant(),
            documents=self.documents(with_files=False),
        )

    def request_of(self, dossier: Dossier) -> PaymentRequest:
        return PaymentRequest.objects.get(dossier=dossier, origin=PaymentRequest.Origin.CATALOG)

    def receive(self, dossier: Dossier) -> Dossier:
        dossier.refresh_from_db()
        return dossier_services.dossier_receive(
            dossier=dossier, actor=self.reception, revision=dossier.revision
        )

    def in_processing(self, dossier: Dossier) -> Dossier:
        dossier = self.receive(dossier)
        return dossier_services.dossier_assign(
            dossier=dossier, actor=self.leader, revision=dossier.revision, assignee=self.specialist
        )


@pytest.fixture(autouse=True)
def clock():
    reset_calendar_cache()
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller
    reset_calendar_cache()


def _staff(agency, role):
    return StaffMembershipFactory(agency=agency, role=role).user


@pytest.fixture
def payment_settings(settings):
    settings.MOTCUA_PAYGOV_SECRET = PAYGOV_SECRET
    settings.MOTCUA_PAYGOV_TOKEN = PAYGOV_TOKEN
    settings.MOTCUA_PAYGOV_PARTNER_CODE = PARTNER
    settings.MOTCUA_VNPAY_HASH_SECRET = VNPAY_SECRET
    settings.MOTCUA_VNPAY_TMN_CODE = TMN
    settings.MOTCUA_PAYMENT_PROVIDERS = "paygov,vnpay"
    settings.MOTCUA_PAYMENT_TIMEOUT_SECONDS = 3
    return settings


@pytest.fixture
def world(db, payment_settings) -> World:
    department = AgencyFactory(name="Sở Tư pháp")
    unit = OneStopUnitFactory(served_agencies=[department])
    center = unit.agency
    version = ProcedureVersionFactory(
        name="Cấp Phiếu lý lịch tư pháp",
        components=("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",),
        processing_time=Decimal(5),
        online_payment_offered=True,
        publish=False,
    )
    Fee.objects.create(
        version=version,
        kind=Fee.Kind.CHARGE,
        code="LP01",
        amount=200000,
        description="Lệ phí cấp Phiếu lý lịch tư pháp",
        timing=Fee.Timing.BEFORE,
    )
    Fee.objects.create(
        version=version,
        kind=Fee.Kind.FEE,
        code="P01",
        amount=50000,
        description="Phí sao chụp hồ sơ",
        timing=Fee.Timing.AFTER,
        channel="online",
    )
    from motcua.catalog.services import procedure_version_publish

    version = procedure_version_publish(version=version)
    ProcedureAgency.objects.create(version=version, role=ProcedureAgency.Role.COMPETENT, agency=department)
    return World(
        center=center,
        department=department,
        reception=_staff(center, StaffRole.RECEPTION_OFFICER),
        leader=_staff(department, StaffRole.LEADER),
        specialist=_staff(department, StaffRole.SPECIALIST),
        supervisor=_staff(center, StaffRole.SUPERVISOR),
        outsider=_staff(AgencyFactory(name="Sở Xây dựng"), StaffRole.RECEPTION_OFFICER),
        citizen=UserFactory(),
        other_citizen=UserFactory(),
        version=version,
        case=version.cases.get(),
    )


@pytest.fixture
def sandbox(payment_settings):
    """The sandbox payment server on a free port, with the settings pointing at it (no callback URL yet)."""
    server = PaymentSandbox(
        paygov_partner_code=PARTNER,
        paygov_token=PAYGOV_TOKEN,
        paygov_secret=PAYGOV_SECRET,
        vnpay_tmn_code=TMN,
        vnpay_secret=VNPAY_SECRET,
        retry_initial=0.05,
        retry_max=0.5,
    ).start()
    payment_settings.MOTCUA_PAYGOV_URL = server.paygov_url
    payment_settings.MOTCUA_PAYGOV_LISTING_URL = server.paygov_listing_url
    payment_settings.MOTCUA_VNPAY_PAYMENT_URL = server.vnpay_payment_url
    payment_settings.MOTCUA_VNPAY_API_URL = server.vnpay_api_url
    payment_settings.MOTCUA_VNPAY_LISTING_URL = server.vnpay_listing_url
    yield server
    server.stop()
