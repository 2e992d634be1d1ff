"""A small province for feedback tests: a service centre receiving for two departments, their staff, a
citizen, a published procedure and helpers that take dossiers through the real services to their result.
The clock is frozen on Monday 02/03/2026 09:00 (a working day); the cache (rate limits) is emptied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import (
    AgencyFactory,
    OneStopUnitFactory,
    ProcedureVersionFactory,
    StaffMembershipFactory,
    UserFactory,
)

from motcua.agencies.models import Agency, StaffRole
from motcua.catalog.models import ProcedureAgency, ProcedureCase
from motcua.core.calendar import reset_calendar_cache
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.workflow import SYSTEM

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # Monday

APPLICANT_NAME = "Lê Thị Bình"
APPLICANT_PHONE = "0912345678"
APPLICANT_IDENTITY = "042090001234"


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "to-khai.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class World:
    center: Agency
    department: Agency
    other_department: Agency
    reception: object
    leader: object
    specialist: object
    supervisor: object
    other_leader: object
    other_specialist: object
    citizen: object
    case: ProcedureCase

    def applicant(self, **overrides) -> dossier_services.ApplicantData:
        data = {
            "kind": "citizen",
            "name": APPLICANT_NAME,
            "identity_number": APPLICANT_IDENTITY,
            "phone": APPLICANT_PHONE,
            "email": "binh@example.invalid",
            "address": "Phường Thành Sen, Hà Tĩnh",
        }
        data.update(overrides)
        return dossier_services.ApplicantData(**data)

    def submitted(self, *, department=None, **applicant) -> Dossier:
        return dossier_services.dossier_submit_online(
            actor=self.citizen,
            procedure_case=self.case,
            receiving_agency=self.center,
            competent_agency=department or self.department,
            applicant=self.applicant(**applicant),
            documents=[
                dossier_services.DocumentData(
                    case_component=component, files=[pdf(f"giay-to-{component.order}.pdf")]
                )
                for component in self.case.components.all()
            ],
            summary="Đề nghị cấp phiếu lý lịch tư pháp",
        )

    def in_processing(self, *, department=None, **applicant) -> Dossier:
        department = department or self.department
        leader, specialist = self._staff_of(department)
        dossier = self.submitted(department=department, **applicant)
        dossier = dossier_services.dossier_receive(
            dossier=dossier, actor=self.reception, revision=dossier.revision
        )
        return dossier_services.dossier_assign(
            dossier=dossier, actor=leader, revision=dossier.revision, assignee=specialist
        )

    def resolved(self, *, department=None, **applicant) -> Dossier:
        """An online dossier with its result ready (status 9)."""
        department = department or self.department
        leader, specialist = self._staff_of(department)
        dossier = self.in_processing(department=department, **applicant)
        dossier = dossier_services.dossier_submit_for_approval(
            dossier=dossier, actor=specialist, revision=dossier.revision
        )
        return dossier_services.dossier_approve(dossier=dossier, actor=leader, revision=dossier.revision)

    def returned(self, *, department=None, **applicant) -> Dossier:
        """An online dossier whose result was delivered online (status 10)."""
        dossier = self._early_return_notified(self.resolved(department=department, **applicant))
        return dossier_services.dossier_return_result(dossier=dossier, actor=SYSTEM, revision=None)

    def returned_at_counter(self) -> Dossier:
        """A counter dossier (no account, no online criteria) returned at the counter (status 10)."""
        dossier = dossier_services.dossier_register_at_counter(
            actor=self.reception,
            procedure_case=self.case,
            receiving_agency=self.center,
            competent_agency=self.department,
            applicant=self.applicant(),
            documents=[
                dossier_services.DocumentData(case_component=component, files=[])
                for component in self.case.components.all()
            ],
        )
        dossier = dossier_services.dossier_assign(
            dossier=dossier, actor=self.leader, revision=dossier.revision, assignee=self.specialist
        )
        dossier = dossier_services.dossier_submit_for_approval(
            dossier=dossier, actor=self.specialist, revision=dossier.revision
        )
        dossier = dossier_services.dossier_approve(
            dossier=dossier, actor=self.leader, revision=dossier.revision
        )
        dossier = self._early_return_notified(dossier)
        return dossier_services.dossier_return_result(
            dossier=dossier, actor=self.reception, revision=dossier.revision, channel=ResultChannel.COUNTER
        )

    def _early_return_notified(self, dossier: Dossier) -> Dossier:
        return dossier_services.dossier_notify_early_return(
            dossier=dossier, actor=self.reception, revision=dossier.revision
        )

    def _staff_of(self, department):
        if department == self.department:
            return self.leader, self.specialist
        return self.other_leader, self.other_specialist


@pytest.fixture(autouse=True)
def clock():
    reset_calendar_cache()
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
    reset_calendar_cache()


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _staff(agency, role):
    return StaffMembershipFactory(agency=agency, role=role).user


def _ensure_criteria() -> None:
    """The data migration's rows, again if a transactional test flushed them (idempotent)."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("motcua.feedback.migrations.0002_criteria_and_default_deadline")
    migration.load(apps, None)


@pytest.fixture
def world(db) -> World:
    _ensure_criteria()
    department = AgencyFactory(name="Sở Tư pháp")
    other_department = AgencyFactory(name="Sở Tài chính")
    unit = OneStopUnitFactory(served_agencies=[department, other_department])
    version = ProcedureVersionFactory(
        name="Cấp Phiếu lý lịch tư pháp",
        components=("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "Bản chụp Căn cước"),
        processing_time=Decimal(5),
    )
    for agency in (department, other_department):
        ProcedureAgency.objects.create(version=version, role=ProcedureAgency.Role.COMPETENT, agency=agency)
    return World(
        center=unit.agency,
        department=department,
        other_department=other_department,
        reception=_staff(unit.agency, StaffRole.RECEPTION_OFFICER),
        leader=_staff(department, StaffRole.LEADER),
        specialist=_staff(department, StaffRole.SPECIALIST),
        supervisor=_staff(department, StaffRole.SUPERVISOR),
        other_leader=_staff(other_department, StaffRole.LEADER),
        other_specialist=_staff(other_department, StaffRole.SPECIALIST),
        citizen=UserFactory(phone=APPLICANT_PHONE),
        case=version.cases.get(),
    )
