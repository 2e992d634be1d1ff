"""Dossier transitions through the real dossier services queue the applicant's messages in the same
transaction, and the worker delivers them to the sandbox gateway."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from dossiers.conftest import clock, world  # noqa: F401  (the dossier tests' small province and frozen clock)

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.notifications.models import OutboxMessage
from motcua.notifications.worker import deliver_due


def messages_for(dossier, template):
    return {m.channel: m for m in OutboxMessage.objects.filter(reference=dossier.code, template=template)}


def test_counter_reception_queues_email_and_sms_with_the_appointment(world):  # noqa: F811
    dossier = world.register()
    queued = messages_for(dossier, "received")
    assert set(queued) == {"email", "sms"}  # a counter dossier has no account: no portal message
    sms = queued["sms"]
    assert sms.recipient == "0912345678"
    appointment = timezone.localtime(dossier.appointment_at).strftime("%d/%m/%Y %H:%M")
    assert f"Hồ sơ {dossier.code} đã được tiếp nhận. Hẹn trả kết quả: {appointment}." in sms.body
    assert "Cấp Phiếu lý lịch tư pháp" in queued["email"].body
    event = dossier.events.get(action="register")
    assert sms.idempotency_key == f"dossier-event:{event.pk}:sms"


def test_a_transition_that_rolls_back_leaves_no_message(world):  # noqa: F811
    with pytest.raises(RuntimeError), transaction.atomic():
        world.register()
        raise RuntimeError("printer jam: the officer cancels")
    assert not Dossier.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_online_dossier_messages_include_the_portal_inbox(world):  # noqa: F811
    dossier = world.submit_online()
    assert not OutboxMessage.objects.exists()  # submission itself is not one of the notified steps
    dossier = services.dossier_receive(dossier=dossier, actor=world.reception, revision=dossier.revision)
    queued = messages_for(dossier, "received")
    assert set(queued) == {"email", "sms", "portal"}
    assert queued["portal"].user == world.citizen


def test_supplement_request_lists_the_items(world):  # noqa: F811
    dossier = world.submit_online()
    services.dossier_request_supplement(
        dossier=dossier,
        actor=world.reception,
        revision=dossier.revision,
        reason="Hồ sơ chưa đầy đủ",
        items=["Bản chụp Căn cước còn hạn", "Tờ khai có chữ ký"],
    )
    sms = messages_for(dossier, "supplement_request")["sms"]
    assert "cần bổ sung: Bản chụp Căn cước còn hạn; Tờ khai có chữ ký." in sms.body


def test_refusal_at_reception_gives_the_reason(world):  # noqa: F811
    dossier = world.submit_online()
    services.dossier_refuse_reception(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Không thuộc thẩm quyền"
    )
    email = messages_for(dossier, "refusal")["email"]
    assert "  1. Không thuộc thẩm quyền" in email.body


def test_the_worker_delivers_the_reception_sms_to_the_gateway(world, sms_sandbox):  # noqa: F811
    dossier = world.register()
    stats = deliver_due()
    assert stats.sent == 2  # the e-mail goes to Django's test outbox, the SMS to the sandbox
    [received] = sms_sandbox.messages
    assert received["to"] == "0912345678"
    assert dossier.code in received["text"]
