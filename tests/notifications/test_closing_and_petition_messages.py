"""Withdrawal (a confirmation), stop (with the reasons) and an answered petition queue the applicant's or
sender's messages in the outbox, in the transaction of the change, and the worker delivers them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from dossiers.conftest import clock, world  # noqa: F401  (the dossier tests' small province and frozen clock)

from motcua.dossiers import services
from motcua.feedback import services as feedback_services
from motcua.feedback.models import Petition
from motcua.notifications.models import OutboxMessage
from motcua.notifications.worker import deliver_due


def messages_for(reference, template):
    return {m.channel: m for m in OutboxMessage.objects.filter(reference=reference, template=template)}


# --- withdrawal and stop -------------------------------------------------------------------------------------


def test_the_applicant_who_withdraws_online_gets_a_confirmation_on_every_channel(world):  # noqa: F811
    dossier = world.received_online()
    dossier = services.dossier_withdraw(
        dossier=dossier, actor=world.citizen, revision=dossier.revision, reason="Đã nộp nhầm thủ tục"
    )
    queued = messages_for(dossier.code, "withdrawn")
    assert set(queued) == {"email", "sms", "portal"}
    at = timezone.localtime(dossier.withdrawn_at).strftime("%d/%m/%Y %H:%M")
    sms = queued["sms"]
    assert sms.recipient == "0912345678"
    assert f"Hồ sơ {dossier.code} đã được rút theo yêu cầu lúc {at}" in sms.body
    assert "Nếu Ông/Bà không yêu cầu, vui lòng liên hệ Bộ phận Một cửa." in sms.body
    email = queued["email"]
    assert email.subject == f"Xác nhận rút hồ sơ {dossier.code}"
    assert "Lý do rút hồ sơ: Đã nộp nhầm thủ tục" in email.body
    assert "Thủ tục: Cấp Phiếu lý lịch tư pháp." in email.body
    assert f"/tra-cuu/?ma={dossier.code}" in email.body
    assert queued["portal"].user == world.citizen
    event = dossier.events.get(action="withdraw")
    assert sms.idempotency_key == f"dossier-event:{event.pk}:sms"


def test_a_withdrawal_recorded_at_the_counter_is_confirmed_to_the_applicant(world):  # noqa: F811
    dossier = world.register()
    dossier = services.dossier_withdraw(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Người nộp đề nghị rút"
    )
    assert set(messages_for(dossier.code, "withdrawn")) == {"email", "sms"}  # no account: no portal message


def test_a_stopped_dossier_tells_the_applicant_each_reason(world):  # noqa: F811
    dossier = world.in_processing()
    dossier = services.dossier_stop(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        reason="Người nộp đã chết\n- Không còn đối tượng giải quyết",
    )
    queued = messages_for(dossier.code, "stopped")
    assert set(queued) == {"email", "sms", "portal"}
    assert queued["sms"].body.startswith(
        f"Hồ sơ {dossier.code} bị dừng xử lý. Lý do: Người nộp đã chết; Không còn đối tượng giải quyết."
    )
    email = queued["email"]
    assert email.subject == f"Hồ sơ {dossier.code} bị dừng xử lý"
    assert "  1. Người nộp đã chết\n  2. Không còn đối tượng giải quyết" in email.body


def test_a_refused_withdrawal_queues_nothing(world):  # noqa: F811
    dossier = world.received_online()
    with pytest.raises(Exception):  # noqa: B017  (the reason is required)
        services.dossier_withdraw(dossier=dossier, actor=world.citizen, revision=dossier.revision, reason="")
    assert not OutboxMessage.objects.filter(template="withdrawn").exists()


def test_the_worker_delivers_the_stop_email(world, smtp_server):  # noqa: F811
    dossier = world.in_processing()
    services.dossier_stop(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="Không còn đối tượng"
    )
    OutboxMessage.objects.exclude(template="stopped").delete()
    deliver_due()
    assert messages_for(dossier.code, "stopped")["email"].status == OutboxMessage.Status.SENT
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["an@example.invalid"]


# --- petitions ----------------------------------------------------------------------------------------------


def petition(world, **overrides) -> Petition:  # noqa: F811
    data = {
        "sender_name": "Phạm Văn Cường",
        "sender_phone": "0905 111 222",
        "sender_email": "cuong@example.invalid",
        "subject": "Thời gian cấp Phiếu lý lịch tư pháp",
        "content": "Khi nào hồ sơ của tôi có kết quả?",
    }
    data.update(overrides)
    return feedback_services.petition_send(
        agency=world.department, data=feedback_services.PetitionData(**data), origin="203.0.113.9"
    )


def test_an_answered_petition_sends_the_answer_by_email_and_a_link_by_sms(world, settings):  # noqa: F811
    settings.SITE_URL = "https://dichvucong.example.gov.vn"
    sent = petition(world)
    assert not OutboxMessage.objects.exists()  # sending a petition is not notified
    answer = feedback_services.petition_answer(
        petition=sent, actor=world.specialist, content="Hồ sơ của ông đã có kết quả ngày 04/3/2026."
    )
    queued = messages_for(sent.tracking_code, "petition_answered")
    assert set(queued) == {"email", "sms"}  # the portal shows messages only on dossiers
    url = f"https://dichvucong.example.gov.vn/phan-anh-kien-nghi/theo-doi/?ma={sent.tracking_code}"
    sms = queued["sms"]
    assert sms.recipient == "0905111222"
    assert sms.body == f"Phản ánh, kiến nghị {sent.tracking_code} của Ông/Bà đã được trả lời. Xem tại: {url}"
    email = queued["email"]
    assert email.recipient == "cuong@example.invalid"
    assert email.subject == f"Phản ánh, kiến nghị {sent.tracking_code} đã được trả lời"
    assert email.body.startswith("Kính gửi Ông/Bà Phạm Văn Cường,")
    assert "«Thời gian cấp Phiếu lý lịch tư pháp»" in email.body
    assert "Nội dung trả lời:\nHồ sơ của ông đã có kết quả ngày 04/3/2026." in email.body
    assert url in email.body and "Sở Tư pháp" in email.body
    assert email.idempotency_key == f"petition-answer:{answer.pk}:email"


def test_a_further_answer_is_sent_again_and_a_landline_gets_no_sms(world):  # noqa: F811
    sent = petition(world, sender_phone="0239 3855 555", sender_email="")
    feedback_services.petition_answer(petition=sent, actor=world.specialist, content="Trả lời lần một")
    assert not OutboxMessage.objects.exists()  # no e-mail and not a mobile number: nothing to send
    sent = petition(world)
    feedback_services.petition_answer(petition=sent, actor=world.specialist, content="Trả lời lần một")
    feedback_services.petition_answer(petition=sent, actor=world.leader, content="Bổ sung: đã có kết quả")
    emails = OutboxMessage.objects.filter(reference=sent.tracking_code, channel="email").order_by("pk")
    assert [m.body.count("Bổ sung: đã có kết quả") for m in emails] == [0, 1]


def test_an_answer_that_rolls_back_leaves_no_message(world):  # noqa: F811
    sent = petition(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        feedback_services.petition_answer(petition=sent, actor=world.specialist, content="Trả lời")
        raise RuntimeError("the officer's browser lost the connection")
    assert not OutboxMessage.objects.exists()


def test_a_refused_answer_queues_nothing(world):  # noqa: F811
    sent = petition(world)
    with pytest.raises(Exception):  # noqa: B017  (another agency's officer)
        feedback_services.petition_answer(petition=sent, actor=world.other_specialist, content="Trả lời")
    assert not OutboxMessage.objects.exists()


def test_the_worker_delivers_the_petition_answer(world, sms_sandbox):  # noqa: F811
    sent = petition(world)
    feedback_services.petition_answer(petition=sent, actor=world.specialist, content="Đã có kết quả.")
    stats = deliver_due()
    assert stats.sent == 2
    [received] = sms_sandbox.messages
    assert received["to"] == "0905111222" and sent.tracking_code in received["text"]
    [message] = mail.outbox
    assert message.to == ["cuong@example.invalid"] and "Đã có kết quả." in message.body
