"""Petitions (phản ánh, kiến nghị): send → answer → publish → search, deadlines in working days, the access
rules of staff and the append-only trail."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from factories import AgencyFactory

from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.feedback import selectors, services
from motcua.feedback.models import AppendOnlyError, Petition, PetitionDeadline, PetitionEvent, PetitionState

from .conftest import VN, at, pdf

pytestmark = pytest.mark.django_db


def data(**overrides) -> services.PetitionData:
    values = {
        "sender_name": "Phạm Văn Cường",
        "sender_phone": "0905 111 222",
        "subject": "Thời gian cấp Phiếu lý lịch tư pháp",
        "content": "Tôi nộp hồ sơ đăng ký khai sinh cho con từ tuần trước, khi nào có kết quả?",
    }
    values.update(overrides)
    return services.PetitionData(**values)


def send(world, agency=None, **overrides) -> Petition:
    return services.petition_send(
        agency=agency or world.department, data=data(**overrides), origin="203.0.113.9"
    )


def actions(petition) -> list[str]:
    return list(petition.events.order_by("occurred_at", "pk").values_list("action", flat=True))


def test_a_petition_gets_a_tracking_code_and_a_due_date_in_working_days(world):
    petition = send(world)
    assert re.fullmatch(r"PAKN-260302-[2-9A-HJ-NP-Z]{6}", petition.tracking_code)
    assert petition.state == PetitionState.RECEIVED
    assert petition.sender_phone == "0905111222"
    assert petition.received_at == at(2)
    # The default rule (data migration): 10 working days from Monday 02/03 09:00, no holiday in between.
    assert petition.working_days == 10
    assert petition.due_at == at(16)
    assert actions(petition) == ["send"]
    assert petition.events.get().origin == "203.0.113.9"


def test_the_deadline_skips_weekends_and_holidays(world, clock):
    # Friday 24/04/2026 10:00 + 5 working days: Mon 27/04 (Giỗ Tổ, nghỉ bù), 30/04 and 01/05 are days off,
    # so the days are 28/04, 29/04, 04/05, 05/05 and 06/05 → Wednesday 06/05/2026 10:00.
    PetitionDeadline.objects.create(agency=world.department, working_days=5)
    clock.move_to(datetime(2026, 4, 24, 10, 0, tzinfo=VN))
    petition = send(world)
    assert petition.working_days == 5
    assert petition.due_at == datetime(2026, 5, 6, 10, 0, tzinfo=VN)


def test_after_office_hours_counting_starts_the_next_working_morning(world, clock):
    # Friday 06/03 17:30 → counting starts Monday 09/03 07:00; + 2 working days → Wednesday 11/03 07:00.
    PetitionDeadline.objects.create(agency=world.department, working_days=2)
    clock.move_to(at(6, 17, 30))
    assert send(world).due_at == at(11, 7)


def test_the_agency_rule_wins_over_the_default(world):
    PetitionDeadline.objects.create(agency=world.other_department, working_days=3)
    PetitionDeadline.objects.filter(agency__isnull=True).update(working_days=7)
    assert services.petition_working_days(world.other_department) == 3
    assert services.petition_working_days(world.department) == 7
    PetitionDeadline.objects.all().delete()
    assert services.petition_working_days(world.department) == services.FALLBACK_PETITION_WORKING_DAYS


def test_only_one_default_deadline_row(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PetitionDeadline.objects.create(agency=None, working_days=5)


def test_sender_details_are_checked(world):
    with pytest.raises(ValidationFailed, match="số điện thoại hoặc thư điện tử"):
        send(world, sender_phone="", sender_email="")
    with pytest.raises(ValidationFailed, match="không hợp lệ"):
        send(world, sender_phone="12ab")
    with pytest.raises(ValidationFailed, match="thư điện tử"):
        send(world, sender_phone="", sender_email="not-an-address")
    with pytest.raises(ValidationFailed, match="tiêu đề"):
        send(world, subject="   ")
    assert not Petition.objects.exists()


def test_a_dossier_code_links_the_dossier_and_an_unknown_one_is_refused(world):
    dossier = world.submitted()
    petition = send(world, dossier_code=f" {dossier.code.lower()} ")
    assert petition.dossier == dossier
    assert petition.dossier_code == dossier.code
    with pytest.raises(ValidationFailed, match="Không tìm thấy hồ sơ có mã"):
        send(world, dossier_code="000.00.01.H56-260302-9999")


def test_an_attachment_is_checked_and_stored_under_a_new_name(world):
    petition = services.petition_send(agency=world.department, data=data(), attachment=pdf("don-thu.pdf"))
    assert petition.attachment.name.startswith("petitions/2026/03/")
    assert petition.attachment.name.endswith(".pdf") and "don-thu" not in petition.attachment.name
    assert (petition.attachment_name, petition.attachment_type) == ("don-thu.pdf", "application/pdf")
    assert petition.attachment.read().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("chuong-trinh.pdf", b"MZ\x90\x00 program"), "chương trình"),
        (SimpleUploadedFile("anh.gif", b"GIF89a...."), "không được chấp nhận"),
        (SimpleUploadedFile("lon.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1)), "vượt quá giới hạn 1 MB"),
    ],
)
def test_an_unacceptable_attachment_is_refused_and_nothing_is_saved(world, monkeypatch, upload, message):
    monkeypatch.setattr(services, "PETITION_ATTACHMENT_MAX_MB", 1)
    with pytest.raises(ValidationFailed, match=message):
        services.petition_send(agency=world.department, data=data(), attachment=upload)
    assert not Petition.objects.exists()


def test_send_answer_publish_and_find_it_without_diacritics(world, clock):
    petition = send(world, subject="Đăng ký khai sinh cho con")
    assert selectors.published_petitions(query="khai sinh").count() == 0

    clock.move_to(at(3, 10))
    services.petition_answer(
        petition=petition, actor=world.specialist, content="Hồ sơ của ông đã có kết quả ngày 04/3/2026."
    )
    petition.refresh_from_db()
    assert petition.state == PetitionState.ANSWERED
    assert petition.answered_at == at(3, 10) and petition.answered_on_time
    assert selectors.published_petitions(query="khai sinh").count() == 0  # answered is not published

    published = services.petition_publish(
        petition=petition,
        actor=world.leader,
        public_content="Tôi nộp hồ sơ đăng ký khai sinh cho con, khi nào có kết quả?",
    )
    assert published.state == PetitionState.PUBLISHED and published.published_at == at(3, 10)
    for query in ("dang ky khai sinh", "ĐĂNG KÝ", "ket qua ngay 04", "KHAI   sinh con"):
        assert list(selectors.published_petitions(query=query)) == [published], query
    assert not selectors.published_petitions(query="khai sinh ket hon").exists()
    assert list(selectors.published_petitions(agency_code=world.department.code)) == [published]
    assert not selectors.published_petitions(agency_code=world.other_department.code).exists()
    # The sender's name and contact are not part of what is searched or shown.
    assert not selectors.published_petitions(query="Cường").exists()
    assert actions(petition) == ["send", "answer", "publish"]
    events = list(petition.events.order_by("pk"))
    assert [(e.from_state, e.to_state) for e in events] == [
        ("", "received"),
        ("received", "answered"),
        ("answered", "published"),
    ]
    assert events[1].actor == world.specialist and events[2].actor == world.leader


def test_a_late_answer_is_recorded_as_late(world, clock):
    petition = send(world)
    clock.move_to(at(20))
    services.petition_answer(petition=petition, actor=world.specialist, content="Xin lỗi vì trả lời chậm.")
    petition.refresh_from_db()
    assert petition.answered_on_time is False
    assert petition.events.get(action="answer").note == "Trả lời quá hạn"


def test_staff_of_another_agency_cannot_see_or_answer(world):
    petition = send(world)
    with pytest.raises(NotFound):
        services.petition_answer(petition=petition, actor=world.other_specialist, content="Trả lời")
    with pytest.raises(NotFound):
        selectors.petition_get_for(world.other_leader, petition.pk)
    assert list(selectors.petition_queryset_for(world.other_leader)) == []
    assert list(selectors.petition_queryset_for(world.specialist)) == [petition]
    assert list(selectors.petition_queryset_for(world.citizen)) == []
    assert not Petition.objects.get().answers.exists()


def test_roles_answering_and_publishing(world):
    petition = send(world)
    with pytest.raises(PermissionDenied):
        services.petition_answer(petition=petition, actor=world.supervisor, content="Trả lời")
    services.petition_answer(petition=petition, actor=world.specialist, content="Trả lời")
    with pytest.raises(PermissionDenied, match="lãnh đạo"):
        services.petition_publish(petition=petition, actor=world.specialist)
    assert Petition.objects.get().state == PetitionState.ANSWERED


def test_only_answered_petitions_are_published_and_a_further_answer_is_possible(world, clock):
    petition = send(world)
    with pytest.raises(ValidationFailed, match="đã có trả lời"):
        services.petition_publish(petition=petition, actor=world.leader)
    services.petition_answer(petition=petition, actor=world.specialist, content="Trả lời lần một")
    clock.move_to(at(4))
    services.petition_answer(petition=petition, actor=world.leader, content="Bổ sung: đã có kết quả")
    petition.refresh_from_db()
    assert petition.answered_at == at(2)  # the first answer counts for timeliness
    published = services.petition_publish(petition=petition, actor=world.leader)
    assert published.public_content == petition.content  # by default the question as sent
    assert selectors.published_petitions(query="bo sung da co ket qua").get() == published
    with pytest.raises(ValidationFailed):
        services.petition_answer(petition=petition, actor=world.leader, content="Thêm nữa")


def test_unpublish_and_decline_need_a_reason(world):
    petition = send(world)
    services.petition_answer(petition=petition, actor=world.specialist, content="Trả lời")
    services.petition_publish(petition=petition, actor=world.leader)
    with pytest.raises(ValidationFailed, match="lý do"):
        services.petition_unpublish(petition=petition, actor=world.leader, reason=" ")
    services.petition_unpublish(petition=petition, actor=world.leader, reason="Còn thông tin cá nhân")
    petition.refresh_from_db()
    assert petition.state == PetitionState.ANSWERED and petition.published_at is None
    assert not selectors.published_petitions().exists()

    other = send(world, subject="Trùng lặp")
    with pytest.raises(ValidationFailed, match="lý do"):
        services.petition_decline(petition=other, actor=world.leader, reason="")
    declined = services.petition_decline(
        petition=other, actor=world.leader, reason="Trùng phản ánh PAKN-260302"
    )
    assert declined.state == PetitionState.DECLINED
    assert actions(other) == ["send", "decline"]
    assert actions(petition) == ["send", "answer", "publish", "unpublish"]


def test_the_sender_rates_the_handling_once(world):
    petition = send(world)
    with pytest.raises(ValidationFailed):
        services.petition_rate_handling(petition=petition, level=3)
    services.petition_answer(petition=petition, actor=world.specialist, content="Trả lời")
    rated = services.petition_rate_handling(petition=petition, level="2")
    assert rated.handling_rating == 2
    with pytest.raises(Conflict):
        services.petition_rate_handling(petition=petition, level=3)


def test_events_are_append_only(world):
    event = send(world).events.get()
    event.note = "sửa"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert PetitionEvent.objects.get().note == ""


def test_worklist_overdue_flags_and_counts(world, clock):
    late = send(world, subject="Quá hạn")
    clock.move_to(at(13))
    fresh = send(world, subject="Mới")
    answered = send(world, subject="Đã trả lời")
    services.petition_answer(petition=answered, actor=world.specialist, content="Trả lời")
    send(world, agency=world.other_department, subject="Của sở khác")
    clock.move_to(at(17))  # the first one was due 16/03 09:00
    rows = list(selectors.petition_worklist(world.specialist))
    assert [(p.subject, p.overdue) for p in rows] == [("Quá hạn", True), ("Mới", False)]
    assert [p.pk for p in selectors.petition_worklist(world.specialist, show="overdue")] == [late.pk]
    assert [p.pk for p in selectors.petition_worklist(world.specialist, show="answered")] == [answered.pk]
    assert {p.pk for p in selectors.petition_worklist(world.specialist, show="all")} == {
        late.pk,
        fresh.pk,
        answered.pk,
    }
    assert selectors.petition_counts(world.specialist) == {"waiting": 2, "overdue": 1}
    assert late.is_overdue() and not fresh.is_overdue()


def test_petition_figures_for_a_period(world, clock):
    on_time = send(world)
    late = send(world)
    waiting = send(world)
    declined = send(world)
    send(world, agency=AgencyFactory())
    services.petition_answer(petition=on_time, actor=world.specialist, content="Trả lời")
    services.petition_decline(petition=declined, actor=world.leader, reason="Trùng lặp")
    clock.move_to(at(18))
    services.petition_answer(petition=late, actor=world.specialist, content="Trả lời")
    services.petition_rate_handling(petition=on_time, level=3)
    services.petition_rate_handling(petition=late, level=1)
    summary = selectors.petition_summary(
        agency=world.department, start=at(1).date(), end=at(31).date(), now=at(18)
    )
    assert (summary.received, summary.answered, summary.answered_on_time, summary.answered_late) == (
        4,
        2,
        1,
        1,
    )
    assert (summary.declined, summary.waiting, summary.overdue) == (1, 1, 1)
    assert summary.on_time_percent == 50
    assert (summary.handling_ratings, summary.handling_satisfied_percent) == (2, 50)
    assert waiting.pk in selectors.petition_worklist(
        world.specialist, show="overdue", now=at(18)
    ).values_list("pk", flat=True)
