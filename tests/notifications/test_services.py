from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from motcua.accounts.models import User
from motcua.core.errors import Conflict, ValidationFailed
from motcua.notifications.models import OutboxMessage
from motcua.notifications.services import (
    normalise_phone,
    notification_enqueue,
    notification_resend,
    portal_message_mark_read,
)

from .support import enqueue

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def test_enqueue_writes_a_pending_message_due_now():
    before = timezone.now()
    message = enqueue()
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 0
    assert before <= message.next_attempt_at <= timezone.now()
    assert message.recipient == "0912345678"
    assert message.reference == "000.00.12.H56-260313-0007"
    assert message.template == "received"
    assert "000.00.12.H56-260313-0007" in message.body
    assert message.subject == "Hồ sơ 000.00.12.H56-260313-0007 đã được tiếp nhận"


def test_enqueue_in_a_transaction_that_rolls_back_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("the state change failed")
    assert not OutboxMessage.objects.exists()


def test_enqueue_wakes_the_worker_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue()
    assert len(callbacks) == 1


def test_the_same_idempotency_key_never_queues_twice():
    first = enqueue(key="dossier-7:received:sms")
    second = enqueue(key="dossier-7:received:sms")
    other_channel = enqueue(channel="email", recipient="an@example.vn", key="dossier-7:received:sms")
    assert first.pk == second.pk == other_channel.pk
    assert OutboxMessage.objects.count() == 1
    enqueue(key="dossier-7:received:email", channel="email", recipient="an@example.vn")
    assert OutboxMessage.objects.count() == 2


def test_context_is_stored_as_json():
    message = enqueue()
    message.refresh_from_db()
    assert message.context["appointment_at"] == "2026-03-16T08:00:00Z"
    assert message.context["lookup_url"].endswith("/tra-cuu/?ma=000.00.12.H56-260313-0007")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channel": "fax"}, "Kênh thông báo không hợp lệ"),
        ({"template": "birthday"}, "Mẫu thông báo không tồn tại"),
        ({"template": "refusal"}, "Thiếu dữ liệu cho mẫu thông báo: reasons"),
        ({"recipient": "12345"}, "Số điện thoại di động không hợp lệ"),
        ({"channel": "email", "recipient": "an@"}, "Địa chỉ thư điện tử không hợp lệ"),
        ({"channel": "portal", "recipient": ""}, "Thông báo trên Cổng cần tài khoản người nhận"),
        ({"key": ""}, "Thiếu khóa chống trùng"),
    ],
)
def test_enqueue_refuses_bad_input_and_writes_nothing(kwargs, message):
    with pytest.raises(ValidationFailed, match=message):
        enqueue(**kwargs)
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        ("0387654321", "0387654321"),
        ("091234567", None),
        ("0212345678", None),
        ("02438123456", None),
        ("", None),
    ],
)
def test_normalise_phone(given, expected):
    assert normalise_phone(given) == expected


def test_portal_message_needs_an_account_and_is_addressed_to_it():
    user = User.objects.create(username="040090001234", full_name="Nguyễn Văn An")
    message = enqueue(channel="portal", recipient="", user=user)
    assert message.recipient == "040090001234"
    assert message.user == user
    assert message.body.startswith("Kính gửi Ông/Bà Nguyễn Văn An,")
    assert "xin đừng trả lời" not in message.body  # only e-mail carries the no-reply line


def test_mark_read_only_for_the_owner():
    owner = User.objects.create(username="owner")
    other = User.objects.create(username="other")
    message = enqueue(channel="portal", recipient="", user=owner)
    with pytest.raises(ValidationFailed):
        portal_message_mark_read(message=message, user=other)
    portal_message_mark_read(message=message, user=owner)
    message.refresh_from_db()
    assert message.read_at is not None


def test_resend_puts_a_dead_letter_back_in_the_queue():
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED, attempts=10, last_error="Cổng SMS trả lời HTTP 503"
    )
    resent = notification_resend(message=message)
    resent.refresh_from_db()
    assert resent.status == Status.PENDING
    assert resent.attempts == 0
    assert resent.next_attempt_at <= timezone.now()
    assert resent.last_error == "Cổng SMS trả lời HTTP 503"  # kept until the next attempt


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENDING, Status.SENT])
def test_resend_refuses_messages_that_are_not_dead(status):
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=status)
    with pytest.raises(Conflict):
        notification_resend(message=message)
    message.refresh_from_db()
    assert message.status == status


def test_enqueue_uses_the_given_lookup_url():
    message = notification_enqueue(
        channel="sms",
        recipient="0912345678",
        template="result_ready",
        context={"dossier_code": "X-260313-0001", "lookup_url": "https://dichvucong.example.vn/hs/X"},
        idempotency_key="k",
    )
    assert "https://dichvucong.example.vn/hs/X" in message.body
