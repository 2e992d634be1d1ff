"""A small province for dossier tests: a service centre receiving for two departments, their staff, a citizen
and a published procedure, with the clock frozen on Monday 02/03/2026 09:00 (a working day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import (
    AgencyFactory,
    OneStopUnitFactory,
    StaffMembershipFactory,
    UserFactory,
    processable_procedure,
)

from motcua.agencies.models import Agency, StaffRole
from motcua.catalog.models import ProcedureCase, ProcedureVersion
from motcua.core.calendar import reset_calendar_cache
from motcua.dossiers import services
from motcua.dossiers.models import Dossier

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # Monday


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
    reception2: object
    leader: object
    specialist: object
    specialist2: object
    clerk: object
    other_leader: object
    other_specialist: object
    outsider: object
    citizen: object
    other_citizen: object
    version: ProcedureVersion
    case: ProcedureCase

    def applicant(self, **overrides) -> services.ApplicantData:
        data = {
            "kind": "citizen",
            "name": "Nguyễn Văn An",
            "identity_number": "042090001234",
            "phone": "0912345678",
            "email": "an@example.invalid",
            "address": "Phường Thành Sen, Hà Tĩnh",
        }
        data.update(overrides)
        return services.ApplicantData(**data)

    def documents(self, *, with_files: bool = True) -> list[services.DocumentData]:
        return [
            services.DocumentData(
                case_component=component, files=[pdf(f"giay-to-{component.order}.pdf")] if with_files else []
            )
            for component in self.case.components.all()
        ]

    def submit_online(self, **overrides) -> Dossier:
        kwargs = {
            "actor": self.citizen,
            "procedure_case": self.case,
            "receiving_agency": self.center,
            "competent_agency": self.department,
            "applicant": self.applicant(),
            "documents": self.documents(),
            "summary": "Đề nghị cấp phiếu lý lịch tư pháp",
        }
        kwargs.update(overrides)
        return services.dossier_submit_online(**kwargs)

    def register(self, **overrides) -> Dossier:
        kwargs = {
            "actor": self.reception,
            "procedure_case": self.case,
            "receiving_agency": self.center,
            "competent_agency": self.department,
            "applicant": self.applicant(),
            "documents": self.documents(with_files=False),
        }
        kwargs.update(overrides)
        return services.dossier_register_at_counter(**kwargs)

    def received_online(self) -> Dossier:
        dossier = self.submit_online()
        return services.dossier_receive(dossier=dossier, actor=self.reception, revision=dossier.revision)

    def in_processing(self) -> Dossier:
        dossier = self.received_online()
        return services.dossier_assign(
            dossier=dossier, actor=self.leader, revision=dossier.revision, assignee=self.specialist
        )


@pytest.fixture(autouse=True)
def clock():
    reset_calendar_cache()
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
    reset_calendar_cache()


def _staff(agency, role):
    return StaffMembershipFactory(agency=agency, role=role).user


@pytest.fixture
def world(db) -> World:
    department = AgencyFactory(name="Sở Tư pháp")
    other_department = AgencyFactory(name="Sở Tài chính")
    unit = OneStopUnitFactory(served_agencies=[department, other_department])
    center = unit.agency
    version = processable_procedure(department)
    return World(
        center=center,
        department=department,
        other_department=other_department,
        reception=_staff(center, StaffRole.RECEPTION_OFFICER),
        reception2=_staff(center, StaffRole.RECEPTION_OFFICER),
        leader=_staff(department, StaffRole.LEADER),
        specialist=_staff(department, StaffRole.SPECIALIST),
        specialist2=_staff(department, StaffRole.SPECIALIST),
        clerk=_staff(department, StaffRole.CLERK),
        other_leader=_staff(other_department, StaffRole.LEADER),
        other_specialist=_staff(other_department, StaffRole.SPECIALIST),
        outsider=_staff(AgencyFactory(name="Sở Xây dựng"), StaffRole.LEADER),
        citizen=UserFactory(),
        other_citizen=UserFactory(),
        version=version,
        case=version.cases.get(),
    )
