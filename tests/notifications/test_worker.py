from __future__ import annotations

import email
import email.policy
import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from motcua.accounts.models import User
from motcua.notifications.models import OutboxMessage
from motcua.notifications.services import backoff_delay, outbox_claim_due, outbox_release_stale
from motcua.notifications.worker import deliver_due, run_worker

from .support import enqueue

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def refreshed(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


def later(message: OutboxMessage):
    """Travel to just after the message's next attempt is due."""
    return time_machine.travel(message.next_attempt_at + timedelta(seconds=1), tick=True)


# --- e-mail through a real SMTP server ------------------------------------------------------------------


def test_email_is_delivered_through_smtp(smtp_server):
    message = enqueue(channel="email", recipient="an.nguyen@example.vn", key="e-1")
    stats = deliver_due()
    assert (stats.sent, stats.retried, stats.dead) == (1, 0, 0)
    message = refreshed(message)
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.external_id == f"<outbox-{message.pk}@tinh.example.vn>"

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["an.nguyen@example.vn"]
    assert envelope.mail_from == "motcua@tinh.example.vn"
    mail = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert mail["Subject"].strip() == "Hồ sơ 000.00.12.H56-260313-0007 đã được tiếp nhận"
    assert mail["Message-ID"] == message.external_id
    assert mail["X-Motcua-Reference"] == "000.00.12.H56-260313-0007"
    text = mail.get_content()
    assert "Kính gửi Ông/Bà Nguyễn Văn An," in text
    assert "Thời gian hẹn trả kết quả: 16/03/2026 15:00." in text

    assert deliver_due().sent == 0  # nothing is sent twice
    assert len(smtp_server.envelopes) == 1


def test_smtp_server_down_keeps_the_email_pending(settings, smtp_server):
    settings.EMAIL_PORT = 1  # nothing listens there
    message = enqueue(channel="email", recipient="an.nguyen@example.vn", key="e-2")
    assert deliver_due().retried == 1
    message = refreshed(message)
    assert message.status == Status.PENDING
    assert "Không kết nối được máy chủ thư" in message.last_error


# --- SMS over real HTTP to the sandbox gateway ------------------------------------------------------------


def test_sms_is_delivered_to_the_sandbox_gateway(sms_sandbox):
    message = enqueue(key="s-1")
    assert deliver_due().sent == 1
    message = refreshed(message)
    assert message.status == Status.SENT
    [received] = sms_sandbox.messages
    assert received["to"] == "0912345678"
    assert received["text"] == message.body
    assert received["sender"] == "MOTCUA"
    assert received["reference"] == "s-1"
    assert message.external_id == received["id"]


def test_sms_can_be_sent_without_diacritics(settings, sms_sandbox):
    settings.MOTCUA_SMS_ASCII = True
    enqueue(key="s-ascii")
    deliver_due()
    [received] = sms_sandbox.messages
    assert received["text"].startswith("Ho so 000.00.12.H56-260313-0007 da duoc tiep nhan. Hen tra ket qua:")
    assert received["text"].isascii()


def test_gateway_down_then_back_loses_nothing_and_sends_once(settings, sms_sandbox):
    settings.MOTCUA_WORKER_BACKOFF_SECONDS = 30
    port = sms_sandbox.port
    sms_sandbox.stop()
    message = enqueue(key="s-down")

    started = timezone.now()
    assert deliver_due().retried == 1
    message = refreshed(message)
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "Không kết nối được cổng SMS" in message.last_error
    assert (
        started + timedelta(seconds=24) <= message.next_attempt_at <= timezone.now() + timedelta(seconds=36)
    )
    assert deliver_due().handled == 0  # not due again before the backoff

    with later(message):
        assert deliver_due().retried == 1  # still down: the second wait is about twice as long
    message = refreshed(message)
    assert message.attempts == 2
    assert message.next_attempt_at - started >= timedelta(seconds=24 + 48)

    sms_sandbox.start()  # the gateway comes back on the same port
    assert sms_sandbox.port == port
    with later(message):
        assert deliver_due().sent == 1
        assert deliver_due().handled == 0
    message = refreshed(message)
    assert message.status == Status.SENT
    assert message.attempts == 3
    assert message.last_error == ""
    assert [m["reference"] for m in sms_sandbox.messages] == ["s-down"]


def test_dead_letter_after_the_last_attempt_then_resend(settings, sms_sandbox):
    from motcua.notifications.services import notification_resend

    settings.MOTCUA_WORKER_MAX_ATTEMPTS = 3
    sms_sandbox.fail_next(3, status=503)
    message = enqueue(key="s-dead")
    for attempt in (1, 2):
        with later(refreshed(message)):
            assert deliver_due().retried == 1
        assert refreshed(message).attempts == attempt
    with later(refreshed(message)):
        assert deliver_due().dead == 1
    message = refreshed(message)
    assert message.status == Status.FAILED
    assert message.attempts == 3
    assert "HTTP 503" in message.last_error
    with later(message):
        assert deliver_due().handled == 0  # a dead letter is never retried by itself
    assert sms_sandbox.messages == []

    notification_resend(message=message)
    assert deliver_due().sent == 1
    assert refreshed(message).status == Status.SENT
    assert len(sms_sandbox.messages) == 1


def test_a_refused_number_goes_straight_to_the_dead_letters(sms_sandbox):
    sms_sandbox.fail_next(1, status=422)
    message = enqueue(key="s-422")
    assert deliver_due().dead == 1
    message = refreshed(message)
    assert message.status == Status.FAILED
    assert message.attempts == 1


def test_a_repeated_send_after_a_lost_answer_is_recorded_once_by_the_gateway(sms_sandbox):
    from motcua.notifications.channels.sms import get_provider

    provider = get_provider()
    first = provider.send(phone="0912345678", text="Thử", reference="same-key")
    second = provider.send(phone="0912345678", text="Thử", reference="same-key")
    assert first == second
    assert len(sms_sandbox.messages) == 1


# --- secrets stay out of last_error and the logs ------------------------------------------------------


def test_api_key_is_redacted_from_last_error_and_logs(settings, sms_sandbox, caplog):
    secret = "sk-live-0123456789abcdef"
    settings.MOTCUA_SMS_API_KEY = secret  # the gateway knows another key and echoes the one it got
    message = enqueue(key="s-secret")
    with caplog.at_level(logging.INFO, logger="motcua"):
        assert deliver_due().retried == 1
    message = refreshed(message)
    assert "HTTP 401" in message.last_error
    assert secret not in message.last_error
    assert "***" in message.last_error
    assert caplog.records, "the failure is logged"
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert "HTTP 401" in caplog.text
    assert "0912345678" not in caplog.text  # the phone is masked
    assert "091*****78" in caplog.text


def test_api_key_in_the_gateway_url_is_redacted(settings, sms_sandbox, caplog):
    settings.MOTCUA_SMS_URL = "http://127.0.0.1:1/sms?api_key=url-secret-123456"
    settings.MOTCUA_SMS_API_KEY = ""
    message = enqueue(key="s-url")
    with caplog.at_level(logging.INFO, logger="motcua"):
        deliver_due()
    assert "url-secret-123456" not in refreshed(message).last_error
    assert "url-secret-123456" not in caplog.text


def test_smtp_password_is_redacted(settings, smtp_server):
    from motcua.notifications.channels import redact_secrets

    settings.EMAIL_HOST_PASSWORD = "mail-pass-9876"
    assert redact_secrets("login failed for user x with mail-pass-9876") == "login failed for user x with ***"


def test_log_provider_writes_one_line_with_the_phone_masked(settings, caplog):
    settings.MOTCUA_SMS_PROVIDER = "log"
    message = enqueue(key="s-log")
    with caplog.at_level(logging.INFO, logger="motcua.notifications.sms"):
        assert deliver_due().sent == 1
    [line] = [r.getMessage() for r in caplog.records if r.name == "motcua.notifications.sms"]
    assert line.startswith("SMS to 091*****78 (")
    assert "0912345678" not in line
    assert message.body in line


# --- portal messages, claims, backoff ---------------------------------------------------------------------


def test_portal_message_is_published_by_the_worker():
    from motcua.notifications.selectors import portal_messages_for, portal_unread_count

    user = User.objects.create(username="citizen")
    enqueue(channel="portal", recipient="", user=user, key="p-1")
    assert not portal_messages_for(user=user).exists()
    assert deliver_due().sent == 1
    assert portal_messages_for(user=user).count() == 1
    assert portal_unread_count(user=user) == 1


def test_claim_takes_due_messages_oldest_first_and_only_once():
    first = enqueue(key="c-1")
    second = enqueue(key="c-2")
    future = enqueue(key="c-3")
    OutboxMessage.objects.filter(pk=future.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    OutboxMessage.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))

    claimed = outbox_claim_due(limit=10)
    assert [m.pk for m in claimed] == [second.pk, first.pk]
    assert all(m.status == Status.SENDING and m.attempts == 1 for m in claimed)
    assert outbox_claim_due(limit=10) == []


def test_claim_respects_the_limit():
    for n in range(5):
        enqueue(key=f"l-{n}")
    assert len(outbox_claim_due(limit=2)) == 2
    assert len(outbox_claim_due(limit=10)) == 3


def test_a_message_left_sending_by_a_dead_worker_is_released(settings):
    settings.MOTCUA_WORKER_CLAIM_TIMEOUT_SECONDS = 300
    message = enqueue(key="stale")
    [claimed] = outbox_claim_due(limit=1)
    assert outbox_release_stale() == 0  # still within its claim
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        assert outbox_release_stale() == 1
    message = refreshed(message)
    assert message.status == Status.PENDING
    assert "dừng giữa chừng" in message.last_error
    # The dead worker's late answer no longer counts.
    from motcua.notifications.services import outbox_record_sent

    assert outbox_record_sent(message=claimed) is False
    assert refreshed(message).status == Status.PENDING


def test_release_gives_up_after_the_last_attempt(settings):
    settings.MOTCUA_WORKER_MAX_ATTEMPTS = 1
    message = enqueue(key="stale-dead")
    outbox_claim_due(limit=1)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        outbox_release_stale()
    assert refreshed(message).status == Status.FAILED


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.MOTCUA_WORKER_BACKOFF_SECONDS = 30
    settings.MOTCUA_WORKER_BACKOFF_MAX_SECONDS = 3600
    for attempts, nominal in [(1, 30), (2, 60), (3, 120), (5, 480), (8, 3600), (12, 3600)]:
        delays = {backoff_delay(attempts).total_seconds() for _ in range(20)}
        assert all(0.8 * nominal <= d <= 1.2 * nominal for d in delays)
        assert len(delays) > 1  # jittered


def test_run_worker_once_drains_every_due_batch(settings):
    settings.MOTCUA_SMS_PROVIDER = "log"
    settings.MOTCUA_WORKER_BATCH_SIZE = 2
    for n in range(5):
        enqueue(key=f"d-{n}")
    stats = run_worker(once=True)
    assert stats.sent == 5
    assert not OutboxMessage.objects.exclude(status=Status.SENT).exists()


def test_run_worker_stops_after_max_seconds(settings):
    settings.MOTCUA_SMS_PROVIDER = "log"
    enqueue(key="m-1")
    stats = run_worker(max_seconds=0.2, poll_seconds=0.05)
    assert stats.sent == 1


def test_an_unexpected_error_in_a_channel_is_retried_not_fatal(settings, monkeypatch):
    from motcua.notifications.channels import sms

    def broken(message):
        raise KeyError("bug")

    monkeypatch.setattr(sms, "deliver", broken)
    message = enqueue(key="bug")
    assert deliver_due().retried == 1
    assert refreshed(message).last_error == "KeyError: 'bug'"
