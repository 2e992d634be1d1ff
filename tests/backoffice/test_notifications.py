"""Failed notifications of the officer's agency dossiers, and re-sending them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import OneStopUnitFactory, StaffMembershipFactory

from motcua.agencies.models import StaffRole
from motcua.notifications.models import OutboxMessage

from .conftest import Desk

pytestmark = pytest.mark.django_db

PAGE = "/can-bo/thong-bao-loi/"


def _fail(dossier, channel="sms") -> OutboxMessage:
    message = OutboxMessage.objects.filter(reference=dossier.code, channel=channel).latest("pk")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.FAILED, attempts=10, last_error="503 Service Unavailable"
    )
    return OutboxMessage.objects.get(pk=message.pk)


def test_lists_failed_messages_of_the_agency_dossiers_only(world):
    dossier = world.register()
    failed = _fail(dossier)
    response = Desk(world.reception).get(PAGE)
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"].object_list] == [failed.pk]
    html = response.content.decode()
    assert dossier.code in html and "0912345678" in html and "503 Service Unavailable" in html
    assert "Gửi lại" in html
    assert list(Desk(world.outsider).get(PAGE).context["page"].object_list) == []


def test_resend_puts_the_message_back_in_the_queue(world):
    dossier = world.register()
    failed = _fail(dossier)
    officer = Desk(world.reception)
    response = officer.post(f"{PAGE}{failed.pk}/gui-lai/", follow=True)
    assert response.status_code == 200
    assert "Đã đưa thông báo gửi 0912345678 vào hàng đợi gửi lại" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxMessage.Status.PENDING, 0)

    # Sending again what is no longer failed is refused with the domain's message.
    response = officer.post(f"{PAGE}{failed.pk}/gui-lai/", follow=True)
    assert "Chỉ gửi lại được thông báo đã gửi thất bại" in response.content.decode()


def test_resend_of_another_agency_message_is_not_found(world):
    dossier = world.register()
    failed = _fail(dossier)
    assert Desk(world.outsider).post(f"{PAGE}{failed.pk}/gui-lai/").status_code == 404
    failed.refresh_from_db()
    assert failed.status == OutboxMessage.Status.FAILED


def test_resend_needs_post(world):
    failed = _fail(world.register())
    assert Desk(world.reception).get(f"{PAGE}{failed.pk}/gui-lai/").status_code == 405


def test_constant_number_of_queries(world):
    officer = Desk(world.reception)
    _fail(world.register())
    officer.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        officer.get(PAGE)
    for _ in range(8):
        _fail(world.register(), channel="email")
    with CaptureQueriesContext(connection) as many:
        response = officer.get(PAGE)
    assert len(response.context["page"].object_list) == 9
    assert len(many) == len(few)


def test_the_list_follows_the_chosen_agency(world):
    other_unit = OneStopUnitFactory(served_agencies=[world.department])
    both = StaffMembershipFactory(agency=world.center, role=StaffRole.RECEPTION_OFFICER).user
    StaffMembershipFactory(user=both, agency=other_unit.agency, role=StaffRole.RECEPTION_OFFICER)
    failed = _fail(world.register())
    officer = Desk(both)
    officer.post("/can-bo/co-quan/", {"agency": world.center.pk})
    assert [m.pk for m in officer.get(PAGE).context["page"].object_list] == [failed.pk]
    officer.post("/can-bo/co-quan/", {"agency": other_unit.agency.pk})
    assert list(officer.get(PAGE).context["page"].object_list) == []


# --- The officer's own messages ("Thông báo của tôi") -----------------------------------------------------------

INBOX = "/can-bo/thong-bao/"


def _staff_message(user, key: str, code: str = "000.00.12.H56-260313-0007") -> OutboxMessage:
    from motcua.notifications.services import notification_enqueue

    message = notification_enqueue(
        channel="portal",
        recipient="",
        user=user,
        template="staff_postal_delivery_failed",
        context={
            "dossier_code": code,
            "slip_number": "EB000000017VN",
            "reason": "Vắng nhà",
            "backoffice_url": f"http://127.0.0.1:8000/can-bo/ho-so/{code}/",
        },
        reference=code,
        idempotency_key=key,
    )
    from motcua.notifications.worker import deliver_due

    deliver_due()  # the worker publishes portal messages
    message.refresh_from_db()
    return message


def test_the_officer_reads_their_own_messages_and_marks_them_read(world):
    mine = _staff_message(world.reception, "k-mine")
    _staff_message(world.outsider, "k-theirs", code="000.00.12.H56-260313-0099")
    assert mine.status == OutboxMessage.Status.SENT
    officer = Desk(world.reception)
    html = officer.get(INBOX).content.decode()
    assert "<h1>Thông báo của tôi</h1>" in html
    assert "Phát kết quả hồ sơ 000.00.12.H56-260313-0007 qua bưu chính không thành công" in html
    assert ">Mới</span>" in html and "Lý do bưu điện báo: Vắng nhà" in html
    assert 'href="/can-bo/ho-so/000.00.12.H56-260313-0007/"' in html
    assert "000.00.12.H56-260313-0099" not in html  # another officer's message
    assert f'href="{INBOX}"' in html  # in the navigation

    response = officer.post(f"{INBOX}da-doc/", follow=True)
    assert "Đã đánh dấu 1 thông báo là đã đọc." in response.content.decode()
    mine.refresh_from_db()
    assert mine.read_at is not None
    html = officer.get(INBOX).content.decode()
    assert ">Mới</span>" not in html and "Đánh dấu đã đọc tất cả" not in html
    assert OutboxMessage.objects.get(idempotency_key="k-theirs").read_at is None


def test_the_inbox_reads_a_fixed_number_of_queries(world):
    officer = Desk(world.reception)
    _staff_message(world.reception, "k-1")
    officer.get(INBOX)
    with CaptureQueriesContext(connection) as one:
        officer.get(INBOX)
    for n in range(2, 8):
        _staff_message(world.reception, f"k-{n}")
    with CaptureQueriesContext(connection) as seven:
        assert officer.get(INBOX).status_code == 200
    assert len(seven) == len(one)


def test_the_inbox_is_for_staff(client, world):
    assert client.get(INBOX).status_code == 302  # to the sign-in page
    assert Desk(world.citizen).get(INBOX).status_code == 403
    assert Desk(world.reception).get(f"{INBOX}da-doc/").status_code == 405
