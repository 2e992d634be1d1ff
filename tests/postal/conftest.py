"""A small province for postal tests: a service centre receiving for a department, its staff, a citizen and a
procedure that may be sent and returned by post; the sandbox postal operator on a free port."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from factories import (
    AgencyFactory,
    OneStopUnitFactory,
    ProcedureVersionFactory,
    StaffMembershipFactory,
    UserFactory,
)

from motcua.agencies.models import Agency, StaffRole
from motcua.catalog.models import ProcedureAgency, ProcedureCase, ProcedureVersion
from motcua.core.calendar import reset_calendar_cache
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.postal import services
from motcua.postal.models import PickupMethod, PostalArrangement
from motcua.postal.tracking import signature
from motcua.sandbox.post import PostSandbox

VN = ZoneInfo("Asia/Ho_Chi_Minh")
API_KEY = "postal-test-key-4c1d"
SECRET = "postal-test-secret-9e7a5b"


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


@dataclass
class World:
    center: Agency
    department: Agency
    reception: object
    reception2: object
    leader: object
    specialist: object
    outsider: object
    citizen: object
    other_citizen: object
    version: ProcedureVersion
    case: ProcedureCase

    def applicant(self, **overrides) -> dossier_services.ApplicantData:
        data = {
            "kind": "citizen",
            "name": "Nguyễn Văn An",
            "identity_number": "042090001234",
            "phone": "0912345678",
            "email": "an@example.invalid",
            "address": "Tổ 3, phường Thành Sen, Hà Tĩnh",
        }
        data.update(overrides)
        return dossier_services.ApplicantData(**data)

    def request_pickup(self, **overrides) -> PostalArrangement:
        kwargs = {
            "actor": self.citizen,
            "procedure_case": self.case,
            "receiving_agency": self.center,
            "competent_agency": self.department,
            "applicant": self.applicant(),
            "summary": "Cấp phiếu lý lịch tư pháp",
            "pickup_method": PickupMethod.ADDRESS,
            "pickup_address": "Số 5 Phan Đình Phùng, phường Thành Sen, Hà Tĩnh",
            "return_by_post": True,
            "recipient_name": "Nguyễn Văn An",
            "recipient_phone": "0912345678",
            "return_address": "Số 5 Phan Đình Phùng, phường Thành Sen, Hà Tĩnh",
        }
        kwargs.update(overrides)
        return services.postal_request_pickup(**kwargs)

    def register(self, **overrides) -> Dossier:
        kwargs = {
            "actor": self.reception,
            "procedure_case": self.case,
            "receiving_agency": self.center,
            "competent_agency": self.department,
            "applicant": self.applicant(),
            "result_channel": ResultChannel.POSTAL,
        }
        kwargs.update(overrides)
        return dossier_services.dossier_register_at_counter(**kwargs)

    def resolve(self, dossier: Dossier) -> Dossier:
        """Assign, submit and approve: the result is ready (status 9)."""
        dossier = dossier_services.dossier_assign(
            dossier=dossier, actor=self.leader, revision=dossier.revision, assignee=self.specialist
        )
        dossier = dossier_services.dossier_submit_for_approval(
            dossier=dossier, actor=self.specialist, revision=dossier.revision
        )
        return dossier_services.dossier_approve(dossier=dossier, actor=self.leader, revision=dossier.revision)

    def receive_by_post(self, arrangement: PostalArrangement, *, slip: str, signed_at=None) -> Dossier:
        record = services.postal_handover_create(
            actor=self.reception, agency=self.center, postal_staff_name="Trần Thị Bưu"
        )
        services.postal_handover_add_item(
            record=record, actor=self.reception, slip_number=slip, arrangement=arrangement
        )
        services.postal_handover_sign(record=record, actor=self.reception, signed_at=signed_at)
        arrangement.refresh_from_db()
        return arrangement.dossier


def _staff(agency, role):
    return StaffMembershipFactory(agency=agency, role=role).user


@pytest.fixture
def world(db) -> World:
    reset_calendar_cache()
    department = AgencyFactory(name="Sở Tư pháp")
    unit = OneStopUnitFactory(served_agencies=[department])
    center = unit.agency
    center.address = "Số 1 Nguyễn Tất Thành, phường Thành Sen, Hà Tĩnh"
    center.phone = "02393855000"
    center.save()
    version = ProcedureVersionFactory(
        name="Cấp Phiếu lý lịch tư pháp",
        postal_submission_allowed=True,
        postal_return_allowed=True,
        components=("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", "Bản chụp Căn cước"),
        processing_time=Decimal(5),
    )
    ProcedureAgency.objects.create(version=version, role=ProcedureAgency.Role.COMPETENT, agency=department)
    return World(
        center=center,
        department=department,
        reception=_staff(center, StaffRole.RECEPTION_OFFICER),
        reception2=_staff(center, StaffRole.RECEPTION_OFFICER),
        leader=_staff(department, StaffRole.LEADER),
        specialist=_staff(department, StaffRole.SPECIALIST),
        outsider=_staff(AgencyFactory(name="Sở Xây dựng"), StaffRole.RECEPTION_OFFICER),
        citizen=UserFactory(),
        other_citizen=UserFactory(),
        version=version,
        case=version.cases.get(),
    )


@pytest.fixture(autouse=True)
def postal_settings(settings):
    settings.MOTCUA_POSTAL_PROVIDER = "sandbox"
    settings.MOTCUA_POSTAL_API_KEY = API_KEY
    settings.MOTCUA_POSTAL_WEBHOOK_SECRET = SECRET
    settings.MOTCUA_POSTAL_TIMEOUT_SECONDS = 3
    settings.MOTCUA_POSTAL_BACKOFF_SECONDS = 0
    settings.MOTCUA_POSTAL_BACKOFF_MAX_SECONDS = 0
    settings.MOTCUA_POSTAL_WEBHOOK_URL = "http://127.0.0.1:9/api/v1/postal/webhook"  # nobody listens there
    return settings


@pytest.fixture
def post_sandbox(postal_settings):
    """The sandbox operator on a free port, with the provider pointed at it."""
    sandbox = PostSandbox(
        api_key=API_KEY, webhook_secret=SECRET, retry_seconds=0.05, retry_max_seconds=0.3
    ).start()
    postal_settings.MOTCUA_POSTAL_URL = sandbox.base_url
    yield sandbox
    sandbox.stop()


def signed(body: dict | bytes, *, secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    """A webhook body and its headers, signed as the operator signs them."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return raw, {"X-Postal-Timestamp": stamp, "X-Postal-Signature": signature(secret, stamp, raw)}


def event(
    order, status: str, *, sequence: int, event_id: str | None = None, occurred_at: str | None = None
) -> dict:
    return {
        "event_id": event_id or f"{order.reference}-{sequence}",
        "reference": order.reference,
        "slip_number": order.slip_number,
        "sequence": sequence,
        "status": status,
        "occurred_at": occurred_at or datetime.now(VN).isoformat(),
        "location": "Bưu cục Thành Sen",
        "note": "",
    }


@pytest.fixture(autouse=True)
def clock():
    """Monday 02/03/2026 09:00, a working day; time stands still unless a test moves it."""
    import time_machine

    reset_calendar_cache()
    with time_machine.travel(at(2), tick=False) as traveller:
        yield traveller
    reset_calendar_cache()
