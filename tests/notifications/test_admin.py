from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.accounts.models import User
from motcua.notifications.models import OutboxMessage

from .support import enqueue

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


@pytest.fixture
def staff_client(client):
    admin = User.objects.create_superuser(
        username="quantri", password="motcua-demo-123", email="qt@example.vn"
    )
    client.force_login(admin)
    return client


def make_failed(key: str) -> OutboxMessage:
    message = enqueue(key=key)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=10, last_error="HTTP 503"
    )
    return message


def test_outbox_list_is_in_vietnamese_with_filters_and_few_queries(
    staff_client, django_assert_max_num_queries
):
    for n in range(15):
        enqueue(key=f"a-{n}")
    url = reverse("admin:notifications_outboxmessage_changelist")
    with django_assert_max_num_queries(10):
        response = staff_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hộp thư gửi đi" in page
    assert "Gửi lại" in page
    assert "Chờ gửi" in page and "Tin nhắn SMS" in page  # filter choices
    assert "Tiếp nhận hồ sơ, hẹn trả kết quả" in page  # template labels, not keys
    assert page.count("000.00.12.H56-260313-0007") >= 15

    response = staff_client.get(url, {"status__exact": "failed"})
    assert response.status_code == 200
    assert "000.00.12.H56-260313-0007" not in response.content.decode()


def test_resend_action_requeues_dead_letters_and_skips_others(staff_client):
    dead = make_failed("dead")
    pending = enqueue(key="pending")
    response = staff_client.post(
        reverse("admin:notifications_outboxmessage_changelist"),
        {"action": "resend", "_selected_action": [dead.pk, pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đã đưa 1 thông báo vào hàng đợi gửi lại." in page
    assert "Bỏ qua 1 thông báo không ở trạng thái gửi thất bại." in page
    dead.refresh_from_db()
    assert dead.status == Status.PENDING
    assert dead.attempts == 0


def test_dead_letter_view_lists_only_failed_messages(staff_client):
    dead = make_failed("dead")
    enqueue(key="pending", recipient="0987654321")
    response = staff_client.get(reverse("admin:notifications_failedoutboxmessage_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Thông báo gửi thất bại" in page
    assert dead.recipient in page
    assert "0987654321" not in page


def test_message_page_is_read_only(staff_client):
    message = enqueue(key="ro")
    url = reverse("admin:notifications_outboxmessage_change", args=[message.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hẹn trả kết quả: 16/03/2026 15:00" in page
    assert 'name="body"' not in page
    staff_client.post(url, {"body": "sửa trộm", "recipient": "0900000000"})
    message.refresh_from_db()
    assert "sửa trộm" not in message.body
    assert message.recipient == "0912345678"


def test_messages_cannot_be_added_by_hand(staff_client):
    response = staff_client.get(reverse("admin:notifications_outboxmessage_add"))
    assert response.status_code == 403
