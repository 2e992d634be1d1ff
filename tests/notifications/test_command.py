from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command

from motcua.notifications.models import OutboxMessage
from motcua.notifications.worker import start_worker_thread

from .support import enqueue


@pytest.mark.django_db
def test_worker_once_delivers_and_reports(settings):
    settings.MOTCUA_SMS_PROVIDER = "log"
    enqueue(key="cmd-1")
    enqueue(key="cmd-2", channel="email", recipient="an@example.vn")
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "Đã gửi 2, hẹn gửi lại 0, chuyển sang gửi thất bại 0." in out.getvalue()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_worker_max_seconds_returns(settings):
    settings.MOTCUA_SMS_PROVIDER = "log"
    out = StringIO()
    started = time.monotonic()
    call_command("worker", "--max-seconds", "0.3", "--poll-seconds", "0.05", stdout=out)
    assert time.monotonic() - started < 3
    assert "Đã gửi 0" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_worker_thread_delivers_a_committed_message_without_waiting_for_the_poll(settings, sms_sandbox):
    thread = start_worker_thread(poll_seconds=30)  # only a wake-up can make it this fast
    try:
        assert start_worker_thread() is thread
        enqueue(key="thread-1")  # autocommit: on_commit wakes the thread at once
        deadline = time.monotonic() + 10
        while not sms_sandbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["reference"] for m in sms_sandbox.messages] == ["thread-1"]
        deadline = time.monotonic() + 5
        while OutboxMessage.objects.get().status != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert OutboxMessage.objects.get().status == "sent"
    finally:
        thread.stop()
    assert not thread.is_alive()
