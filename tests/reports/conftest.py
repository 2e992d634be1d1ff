"""A small province for report tests, with the clock frozen on Monday 02/03/2026 09:00.

    Ủy ban nhân dân tỉnh (province, root)
    ├── Sở Tư pháp (province)            competent for "Cấp Phiếu lý lịch tư pháp" (level 4, postal, fee)
    ├── Sở Xây dựng (province)           competent for "Cấp giấy phép xây dựng" (level 2)
    └── Ủy ban nhân dân huyện Đông Hòa (district)
        └── Ủy ban nhân dân xã Hòa Hiệp (commune)   competent for "Chứng thực bản sao" (level 3)

The provincial service centre receives for both departments; the commune receives its own dossiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from factories import (
    AgencyFactory,
    OneStopUnitFactory,
    ProcedureVersionFactory,
    StaffMembershipFactory,
    UserFactory,
)

from motcua.agencies.models import Agency, Level, StaffRole
from motcua.catalog.models import Fee, ProcedureAgency, ProcedureVersion
from motcua.core.calendar import reset_calendar_cache
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.reports.importer import import_dossiers

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 3, 2, 9, 0, tzinfo=VN)  # Monday
IN_FORCE_SINCE = datetime(2019, 1, 1, tzinfo=VN)  # the procedures apply to the historical (imported) data too


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


@dataclass
class Province:
    root: Agency
    justice: Agency
    construction: Agency
    district: Agency
    commune: Agency
    center: Agency
    reception: object
    leader: object
    specialist: object
    commune_reception: object
    commune_leader: object
    commune_specialist: object
    citizen: object
    judicial: ProcedureVersion
    building: ProcedureVersion
    copy: ProcedureVersion

    def applicant(self) -> services.ApplicantData:
        return services.ApplicantData(
            kind="citizen", name="Nguyễn Văn An", identity_number="042090001234", phone="0912345678"
        )

    def register(self, *, version=None, channel="direct", **overrides) -> Dossier:
        version = version or self.judicial
        commune = version == self.copy
        kwargs = {
            "actor": self.commune_reception if commune else self.reception,
            "procedure_case": version.cases.get(),
            "receiving_agency": self.commune if commune else self.center,
            "competent_agency": self.commune if commune else self.justice,
            "applicant": self.applicant(),
            "channel": channel,
        }
        kwargs.update(overrides)
        return services.dossier_register_at_counter(**kwargs)

    def submit_online(self, **overrides) -> Dossier:
        kwargs = {
            "actor": self.citizen,
            "procedure_case": self.judicial.cases.get(),
            "receiving_agency": self.center,
            "competent_agency": self.justice,
            "applicant": self.applicant(),
            "documents": [],
        }
        kwargs.update(overrides)
        return services.dossier_submit_online(**kwargs)

    def receive(self, dossier: Dossier) -> Dossier:
        return services.dossier_receive(dossier=dossier, actor=self.reception, revision=dossier.revision)

    def _staff(self, dossier: Dossier):
        if dossier.competent_agency_id == self.commune.pk:
            return self.commune_leader, self.commune_specialist
        return self.leader, self.specialist

    def assign(self, dossier: Dossier) -> Dossier:
        leader, specialist = self._staff(dossier)
        return services.dossier_assign(
            dossier=dossier, actor=leader, revision=dossier.revision, assignee=specialist
        )

    def resolve(self, dossier: Dossier) -> Dossier:
        """Assign if needed, submit for approval and approve (→ 9)."""
        leader, specialist = self._staff(dossier)
        if dossier.status == 2:
            dossier = self.assign(dossier)
        dossier = services.dossier_submit_for_approval(
            dossier=dossier, actor=specialist, revision=dossier.revision
        )
        return services.dossier_approve(dossier=dossier, actor=leader, revision=dossier.revision)

    def refuse(self, dossier: Dossier) -> Dossier:
        leader, _specialist = self._staff(dossier)
        if dossier.status == 2:
            dossier = self.assign(dossier)
        return services.dossier_refuse(
            dossier=dossier, actor=leader, revision=dossier.revision, reason="Không đủ điều kiện"
        )

    def return_result(self, dossier: Dossier) -> Dossier:
        reception = (
            self.commune_reception if dossier.receiving_agency_id == self.commune.pk else self.reception
        )
        if (
            dossier.appointment_at
            and dossier.finished_at < dossier.appointment_at
            and not dossier.early_return_notified_at
        ):
            dossier = services.dossier_notify_early_return(
                dossier=dossier, actor=reception, revision=dossier.revision
            )
        return services.dossier_return_result(dossier=dossier, actor=reception, revision=dossier.revision)

    def withdraw(self, dossier: Dossier) -> Dossier:
        reception = (
            self.commune_reception if dossier.receiving_agency_id == self.commune.pk else self.reception
        )
        return services.dossier_withdraw(
            dossier=dossier, actor=reception, revision=dossier.revision, reason="Rút"
        )

    def stop(self, dossier: Dossier) -> Dossier:
        leader, _specialist = self._staff(dossier)
        return services.dossier_stop(dossier=dossier, actor=leader, revision=dossier.revision, reason="Dừng")

    def request_supplement(self, dossier: Dossier) -> Dossier:
        _leader, specialist = self._staff(dossier)
        if dossier.status == 2:
            dossier = self.assign(dossier)
        return services.dossier_request_supplement(
            dossier=dossier,
            actor=specialist,
            revision=dossier.revision,
            reason="Thiếu giấy tờ",
            items=["Bản sao"],
        )

    def submit_supplement(self, dossier: Dossier) -> Dossier:
        reception = (
            self.commune_reception if dossier.receiving_agency_id == self.commune.pk else self.reception
        )
        return services.dossier_submit_supplement(dossier=dossier, actor=reception, revision=dossier.revision)


@pytest.fixture(autouse=True)
def clock():
    reset_calendar_cache()
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
    reset_calendar_cache()


def _staff(agency, role):
    return StaffMembershipFactory(agency=agency, role=role).user


@pytest.fixture
def province(db) -> Province:
    root = AgencyFactory(name="Ủy ban nhân dân tỉnh", kind=Agency.Kind.PEOPLE_COMMITTEE, code="000.00.00.H99")
    justice = AgencyFactory(name="Sở Tư pháp", parent=root, code="000.00.12.H99")
    construction = AgencyFactory(name="Sở Xây dựng", parent=root, code="000.00.14.H99")
    district = AgencyFactory(
        name="Ủy ban nhân dân huyện Đông Hòa",
        level=Level.DISTRICT,
        kind=Agency.Kind.PEOPLE_COMMITTEE,
        parent=root,
        code="000.00.21.H99",
    )
    commune = AgencyFactory(
        name="Ủy ban nhân dân xã Hòa Hiệp",
        level=Level.COMMUNE,
        kind=Agency.Kind.PEOPLE_COMMITTEE,
        parent=district,
        code="001.21.21.H99",
    )
    OneStopUnitFactory(agency=commune, served_agencies=[commune])
    unit = OneStopUnitFactory(served_agencies=[justice, construction], agency__parent=root)
    judicial = ProcedureVersionFactory(
        name="Cấp Phiếu lý lịch tư pháp",
        online_service_level=4,
        postal_submission_allowed=True,
        postal_return_allowed=True,
        online_payment_offered=True,
        fee_amount=200000,
        components=(),
        processing_time=Decimal(5),
        effective_from=IN_FORCE_SINCE,
    )
    ProcedureAgency.objects.create(version=judicial, role=ProcedureAgency.Role.COMPETENT, agency=justice)
    # Collected after reception, so that online dossiers can be received without paying first (a "thu trước"
    # fee payable online holds reception until paid: docs/payments.md).
    judicial.fees.update(timing=Fee.Timing.AFTER)
    building = ProcedureVersionFactory(
        name="Cấp giấy phép xây dựng", online_service_level=2, components=(), effective_from=IN_FORCE_SINCE
    )
    ProcedureAgency.objects.create(version=building, role=ProcedureAgency.Role.COMPETENT, agency=construction)
    copy = ProcedureVersionFactory(
        name="Chứng thực bản sao từ bản chính",
        at_province=False,
        at_commune=True,
        online_service_level=3,
        components=(),
        processing_time=Decimal(2),
        effective_from=IN_FORCE_SINCE,
    )
    return Province(
        root=root,
        justice=justice,
        construction=construction,
        district=district,
        commune=commune,
        center=unit.agency,
        reception=_staff(unit.agency, StaffRole.RECEPTION_OFFICER),
        leader=_staff(justice, StaffRole.LEADER),
        specialist=_staff(justice, StaffRole.SPECIALIST),
        commune_reception=_staff(commune, StaffRole.RECEPTION_OFFICER),
        commune_leader=_staff(commune, StaffRole.LEADER),
        commune_specialist=_staff(commune, StaffRole.SPECIALIST),
        citizen=UserFactory(),
        judicial=judicial,
        building=building,
        copy=copy,
    )


# --- A history of twelve dossiers, imported from CSV (figures computed by hand in test_indicators.py) ----------

HEADER = (
    "dossier_code,procedure_code,receiving_agency_code,channel,submitted_at,received_at,due_at,finished_at,"
    "returned_at,status,paid_online,postal_return,rating"
)


def history_csv(province) -> str:
    judicial = province.judicial.procedure.national_code
    building = province.building.procedure.national_code
    copy = province.copy.procedure.national_code
    justice, construction, commune = province.justice.code, province.construction.code, province.commune.code
    rows = [
        f"D1,{judicial},{justice},direct,,2020-03-20 09:00,2020-03-27 17:00,2020-04-02 10:00,2020-04-03 09:00,10,,,",
        f"D2,{judicial},{justice},online,2020-04-05 20:00,2020-04-06 08:00,2020-04-10 17:00,2020-04-08 15:00,,9,1,,3",
        f"D3,{judicial},{justice},online,,2020-04-15 10:00,2020-04-20 17:00,2020-04-20 16:00,2020-04-21 08:00,10,0,0,1",
        f"D4,{judicial},{justice},postal,,2020-05-05 09:00,2020-05-12 17:00,,,4,,1,",
        f"D5,{judicial},{justice},direct,,2020-06-25 09:00,2020-07-03 17:00,,,2,,,",
        f"D6,{judicial},{justice},direct,,2020-05-10 09:00,,2020-05-11 09:00,,7,,,",
        f"D7,{judicial},{justice},online,2020-05-20 10:00,,,2020-05-21 10:00,,3,,,",
        f"D8,{judicial},{justice},direct,,2020-07-02 09:00,,,,2,,,",
        f"D9,{judicial},{justice},direct,,2020-02-01 09:00,2020-02-10 17:00,2020-02-08 10:00,2020-02-09 09:00,10,,,",
        f"D10,{judicial},{justice},online,,2020-06-29 09:00,2020-06-30 10:00,2020-07-02 09:00,,9,,,",
        f"D11,{copy},{commune},direct,,2020-04-10 08:00,2020-04-14 17:00,2020-04-14 17:00,2020-04-15 08:00,10,,,",
        f"D12,{building},{construction},direct,,2020-05-04 08:00,2020-05-20 17:00,2020-05-15 08:00,,8,,,",
    ]
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def history(province):
    report = import_dossiers(history_csv(province).splitlines(keepends=True))
    assert report.rejected_count == 0, report.rejected
    assert report.imported == 12
    return province
