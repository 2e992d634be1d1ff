"""A small province for the back-office pages: a service centre receiving for two departments, their staff, a
citizen, a published procedure with a fee, and the clock frozen on Monday 02/03/2026 09:00 (a working day).

``Desk`` drives the pages as a signed-in officer: ``desk.act(dossier, "assign", target=...)`` posts the
action form exactly as the page renders it (revision included) and returns the response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
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
PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


def pdf(name: str = "ban-quet.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


class Desk:
    """A signed-in officer's browser."""

    def __init__(self, user):
        self.user = user
        self.client = Client()
        self.client.force_login(user)

    def get(self, url, data=None, **kwargs):
        return self.client.get(url, data, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data or {}, **kwargs)

    def page(self, dossier: Dossier):
        return self.client.get(reverse("backoffice:dossier", args=[dossier.code]))

    def act(self, dossier: Dossier, action: str, *, revision: int | None = None, follow=False, **fields):
        """POST the action form with the revision the officer saw (the current one unless given)."""
        data = {f"{action}-revision": fresh(dossier).revision if revision is None else revision}
        for name, value in fields.items():
            data[f"{action}-{name}"] = value
        url = reverse("backoffice:dossier_action", args=[dossier.code, action])
        return self.client.post(url, data, follow=follow)


def offered_actions(response) -> list[str]:
    """Names of the action forms a dossier page shows, in order."""
    html = response.content.decode()
    return re.findall(r'action="/can-bo/ho-so/[^/"]+/thao-tac/([a-z_]+)/"', html)


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
    other_leader: object
    other_specialist: object
    outsider: object
    citizen: object
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

    def documents(self) -> list[services.DocumentData]:
        return [
            services.DocumentData(case_component=c, files=[pdf(f"giay-to-{c.order}.pdf")])
            for c in self.case.components.all()
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
            "documents": self.documents(),
        }
        kwargs.update(overrides)
        return services.dossier_register_at_counter(**kwargs)

    def received_online(self) -> Dossier:
        dossier = self.submit_online()
        return services.dossier_receive(dossier=dossier, actor=self.reception, revision=dossier.revision)

    def in_processing(self, dossier: Dossier | None = None) -> Dossier:
        dossier = dossier or self.received_online()
        return services.dossier_assign(
            dossier=dossier, actor=self.leader, revision=dossier.revision, assignee=self.specialist
        )


@pytest.fixture(autouse=True)
def clock():
    reset_calendar_cache()
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
    reset_calendar_cache()


def staff(agency, role, **user):
    return StaffMembershipFactory(agency=agency, role=role, **{f"user__{k}": v for k, v in user.items()}).user


@pytest.fixture
def world(db) -> World:
    department = AgencyFactory(name="Sở Tư pháp")
    other_department = AgencyFactory(name="Sở Tài chính")
    unit = OneStopUnitFactory(served_agencies=[department, other_department])
    version = processable_procedure(department, fee_amount=200000)
    return World(
        center=unit.agency,
        department=department,
        other_department=other_department,
        reception=staff(unit.agency, StaffRole.RECEPTION_OFFICER, full_name="Lê Thị Tiếp Nhận"),
        reception2=staff(unit.agency, StaffRole.RECEPTION_OFFICER),
        leader=staff(department, StaffRole.LEADER, full_name="Phạm Văn Lãnh Đạo"),
        specialist=staff(department, StaffRole.SPECIALIST, full_name="Hoàng Thị Chuyên Viên"),
        specialist2=staff(department, StaffRole.SPECIALIST),
        other_leader=staff(other_department, StaffRole.LEADER),
        other_specialist=staff(other_department, StaffRole.SPECIALIST, full_name="Đỗ Văn Phối Hợp"),
        outsider=staff(AgencyFactory(name="Sở Xây dựng"), StaffRole.LEADER),
        citizen=UserFactory(),
        version=version,
        case=version.cases.get(),
    )


@pytest.fixture
def desk(world):
    """``desk(user)`` opens a signed-in browser for ``user``."""
    return Desk
