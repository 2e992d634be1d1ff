"""Dossier events -> queued messages. The dossier and its event are stand-ins with the dossier model's fields."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from motcua.accounts.models import User
from motcua.notifications.events import TEMPLATE_FOR_ACTION, on_dossier_event
from motcua.notifications.message_templates import TEMPLATES
from motcua.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

CODE = "000.00.12.H56-260313-0007"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


class Related:
    """Just enough of a related manager: ``filter(...).order_by(...).first()``."""

    def __init__(self, *rows):
        self.rows = list(rows)

    def filter(self, **conditions):
        return Related(*[r for r in self.rows if all(getattr(r, k) == v for k, v in conditions.items())])

    def order_by(self, *fields):
        return self

    def first(self):
        return self.rows[0] if self.rows else None


def make_dossier(**overrides):
    fields = {
        "code": CODE,
        "applicant_name": "Nguyễn Văn An",
        "applicant_email": "an@example.vn",
        "applicant_phone": "0912 345 678",
        "owner": None,
        "owner_id": None,
        "procedure_version": SimpleNamespace(name="Đăng ký khai sinh"),
        "receiving_agency": SimpleNamespace(name="UBND xã Thạch Hà"),
        "appointment_at": datetime(2026, 3, 16, 8, 0, tzinfo=UTC),
        "finished_at": datetime(2026, 3, 12, 2, 0, tzinfo=UTC),
        "result_channel": "counter",
        "supplements": Related(),
        "extensions": Related(),
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


def make_event(action, dossier, *, pk=1, reason="", payload=None):
    return SimpleNamespace(
        pk=pk,
        action=action,
        reason=reason,
        payload=payload or {},
        dossier=dossier,
        occurred_at=datetime(2026, 3, 12, 2, 0, tzinfo=UTC),
    )


def test_every_mapped_action_uses_an_existing_template():
    assert set(TEMPLATE_FOR_ACTION.values()) <= set(TEMPLATES)


def test_reception_queues_an_email_and_an_sms_once():
    dossier = make_dossier()
    event = make_event("receive", dossier, pk=41)
    messages = on_dossier_event(event)
    assert sorted(m.channel for m in messages) == ["email", "sms"]
    sms = next(m for m in messages if m.channel == "sms")
    assert sms.recipient == "0912345678"
    assert sms.reference == CODE
    assert sms.idempotency_key == "dossier-event:41:sms"
    assert "Hẹn trả kết quả: 16/03/2026 15:00" in sms.body
    email = next(m for m in messages if m.channel == "email")
    assert "thủ tục «Đăng ký khai sinh»" in email.body
    assert email.body.endswith("UBND xã Thạch Hà\nThư này được gửi tự động, xin đừng trả lời.")

    on_dossier_event(event)  # the same event again (a retried receiver) queues nothing more
    assert OutboxMessage.objects.count() == 2


def test_an_account_gets_a_portal_message_and_bad_contacts_are_skipped():
    user = User.objects.create(username="040090001234")
    dossier = make_dossier(
        owner=user, owner_id=user.pk, applicant_email="not-an-address", applicant_phone="02393856789"
    )
    messages = on_dossier_event(make_event("register", dossier))
    assert [(m.channel, m.user) for m in messages] == [("portal", user)]


def test_actions_without_a_message_queue_nothing():
    assert on_dossier_event(make_event("assign", make_dossier())) == []
    assert (
        on_dossier_event(make_event("refuse_at_counter", make_dossier(code=""), reason="Sai thẩm quyền"))
        == []
    )
    assert not OutboxMessage.objects.exists()


def test_missing_data_is_logged_and_does_not_block_the_dossier(caplog):
    dossier = make_dossier(appointment_at=None)
    assert on_dossier_event(make_event("notify_early_return", dossier, pk=9)) == []
    assert f"dossier {CODE}, event 9: no early_return message, missing ['appointment_at']" in caplog.text
    assert not OutboxMessage.objects.exists()


def test_supplement_request_lists_the_items_of_the_request():
    supplement = SimpleNamespace(
        items=[{"name": "Bản sao Giấy chứng sinh", "note": "bản có chứng thực"}, "Tờ khai có chữ ký"],
        reason="Thiếu giấy tờ",
    )
    dossier = make_dossier(applicant_email="", supplements=Related(supplement))
    [sms] = on_dossier_event(make_event("request_supplement", dossier, reason="Thiếu giấy tờ"))
    assert "cần bổ sung: Bản sao Giấy chứng sinh: bản có chứng thực; Tờ khai có chữ ký." in sms.body


def test_refusal_gives_each_line_of_the_reason():
    dossier = make_dossier(applicant_phone="")
    reason = "- Không thuộc thẩm quyền của xã\n- Hồ sơ đã được giải quyết trước đó"
    [email] = on_dossier_event(make_event("refuse", dossier, reason=reason))
    assert "  1. Không thuộc thẩm quyền của xã\n  2. Hồ sơ đã được giải quyết trước đó" in email.body


def test_approved_extension_sends_the_apology_with_both_dates():
    extension = SimpleNamespace(
        state="approved",
        reason="Chờ kết quả xác minh",
        old_appointment=datetime(2026, 3, 16, 8, 0, tzinfo=UTC),
    )
    dossier = make_dossier(
        applicant_phone="",
        appointment_at=datetime(2026, 3, 20, 2, 30, tzinfo=UTC),
        extensions=Related(extension),
    )
    [email] = on_dossier_event(make_event("approve_extension", dossier))
    assert "chưa được giải quyết đúng hẹn (16/03/2026 15:00)" in email.body
    assert "Thời gian hẹn trả kết quả mới: 20/03/2026 09:30." in email.body
    assert "Lý do: Chờ kết quả xác minh" in email.body


@pytest.mark.parametrize(
    ("channel", "place"),
    [
        ("counter", "Nhận tại: Bộ phận Một cửa, UBND xã Thạch Hà."),
        ("online", "Nhận tại: Trên Cổng dịch vụ công tại http://127.0.0.1:8000."),
        ("postal", "Nhận tại: Qua dịch vụ bưu chính công ích, đến địa chỉ đã đăng ký."),
    ],
)
def test_result_ready_says_where_to_get_it(channel, place):
    dossier = make_dossier(applicant_email="", result_channel=channel)
    [sms] = on_dossier_event(make_event("approve", dossier))
    assert place in sms.body


def test_early_return_gives_the_appointment_and_the_new_date():
    dossier = make_dossier(applicant_email="")
    [sms] = on_dossier_event(make_event("notify_early_return", dossier))
    assert "có kết quả trước hẹn (16/03/2026 15:00). Có thể nhận từ 12/03/2026 09:00." in sms.body


def test_a_paid_request_tells_the_applicant_and_links_the_receipts_of_an_account():
    user = User.objects.create(username="040090001234")
    dossier = make_dossier(owner=user, owner_id=user.pk)
    payload = {"state": "paid", "amount": 200000, "method": "cash", "paid_at": "2026-03-12T02:05:00Z"}
    messages = on_dossier_event(make_event("record_payment", dossier, pk=51, payload=payload))
    assert sorted(m.channel for m in messages) == ["email", "portal", "sms"]
    portal = next(m for m in messages if m.channel == "portal")
    assert portal.template == "payment_received" and portal.user == user
    assert f"http://127.0.0.1:8000/ho-so-cua-toi/{CODE}/bien-lai/" in portal.body
    assert "Hình thức nộp: nộp tiền mặt.\nThời điểm nộp: 12/03/2026 09:05." in portal.body


@pytest.mark.parametrize("state", ["cancelled", "unpaid", ""])
def test_a_record_payment_that_is_not_a_payment_tells_nobody(state):
    payload = {"state": state, "amount": 200000} if state else {}
    assert on_dossier_event(make_event("record_payment", make_dossier(), payload=payload)) == []
    assert not OutboxMessage.objects.exists()


def test_the_receipts_path_is_the_portal_page():
    from django.urls import reverse

    from motcua.notifications.events import BACKOFFICE_DOSSIER_PATH, RECEIPTS_PATH

    assert RECEIPTS_PATH.format(code=CODE) == reverse("payments:receipts", args=[CODE])
    assert BACKOFFICE_DOSSIER_PATH.format(code=CODE) == reverse("backoffice:dossier", args=[CODE])


def test_a_failed_delivery_tells_the_applicant_and_each_reception_officer_of_the_receiving_agency():
    from factories import AgencyFactory, StaffMembershipFactory

    from motcua.agencies.models import StaffRole

    center, elsewhere = AgencyFactory(name="UBND xã Thạch Hà"), AgencyFactory()
    first = StaffMembershipFactory(agency=center, role=StaffRole.RECEPTION_OFFICER).user
    second = StaffMembershipFactory(agency=center, role=StaffRole.RECEPTION_OFFICER).user
    second.email = "khong-hop-le"  # no valid address: the back-office message only
    second.save()
    StaffMembershipFactory(agency=center, role=StaffRole.RECEPTION_OFFICER, is_active=False)
    StaffMembershipFactory(agency=center, role=StaffRole.LEADER)
    StaffMembershipFactory(agency=elsewhere, role=StaffRole.RECEPTION_OFFICER)
    dossier = make_dossier(receiving_agency=center, receiving_agency_id=center.pk, applicant_email="")
    payload = {"slip_number": "EB000000017VN", "reason": "Vắng nhà", "location": "Bưu cục Thạch Hà"}
    messages = on_dossier_event(make_event("record_delivery_failure", dossier, pk=61, payload=payload))

    [sms] = [m for m in messages if m.template == "postal_delivery_failed"]
    assert sms.channel == "sms" and "(EB000000017VN)" in sms.body
    staff = [m for m in messages if m.template == "staff_postal_delivery_failed"]
    assert sorted((m.user.pk, m.channel) for m in staff) == sorted(
        [(first.pk, "portal"), (first.pk, "email"), (second.pk, "portal")]
    )
    assert {m.idempotency_key for m in staff} >= {f"dossier-event:61:staff:{first.pk}:portal"}
    assert all(f"http://127.0.0.1:8000/can-bo/ho-so/{CODE}/" in m.body for m in staff)
    again = on_dossier_event(make_event("record_delivery_failure", dossier, pk=61, payload=payload))
    assert len(again) == len(messages) and OutboxMessage.objects.count() == len(messages)
