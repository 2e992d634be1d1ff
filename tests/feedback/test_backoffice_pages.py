"""Back-office petition pages: only the agency's petitions, overdue ones highlighted, answer and publish."""

from __future__ import annotations

import re

import pytest
from factories import UserFactory

from motcua.feedback import services
from motcua.feedback.models import PetitionState

from .conftest import at, pdf

pytestmark = pytest.mark.django_db

LIST = "/can-bo/phan-anh-kien-nghi/"


def text(response) -> str:
    return response.content.decode()


def send(world, agency=None, subject="Hỏi về thời hạn", **extra):
    return services.petition_send(
        agency=agency or world.department,
        data=services.PetitionData(
            sender_name="Phạm Văn Cường",
            sender_phone="0905111222",
            subject=subject,
            content="Nội dung câu hỏi",
        ),
        **extra,
    )


def test_signed_out_people_go_to_sign_in_and_citizens_are_refused(client, world):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/can-bo/dang-nhap/?next=/can-bo/phan-anh-kien-nghi/")
    client.force_login(UserFactory())
    refused = client.get(LIST)
    assert refused.status_code == 403
    assert "Trang này dành cho cán bộ" in text(refused)


def test_the_list_shows_only_the_agencys_petitions_and_highlights_overdue_ones(client, world, clock):
    late = send(world, subject="Câu hỏi đã quá hạn")
    clock.move_to(at(13))
    send(world, subject="Câu hỏi còn hạn")
    send(world, agency=world.other_department, subject="Câu hỏi của sở khác")
    clock.move_to(at(17))
    client.force_login(world.specialist)
    response = client.get(LIST)
    html = text(response)
    assert response.status_code == 200
    assert "Câu hỏi đã quá hạn" in html and "Câu hỏi còn hạn" in html
    assert "Câu hỏi của sở khác" not in html
    assert html.count('class="bo-row--overdue"') == 1
    row = re.search(r'<tr class="bo-row--overdue">\s*<th scope="row"><a class="code" href="([^"]+)"', html)
    assert row and row.group(1) == f"{LIST}{late.pk}/"
    assert html.count("bo-badge--late") == 1
    tiles = re.findall(
        r'<strong class="bo-tile__count">(\d+)</strong><span class="bo-tile__label">([^<]+)<', html
    )
    assert tiles == [("2", "Chờ trả lời"), ("1", "Quá hạn trả lời")]
    overdue_only = text(client.get(f"{LIST}?show=overdue"))
    assert "Câu hỏi đã quá hạn" in overdue_only and "Câu hỏi còn hạn" not in overdue_only


def test_the_list_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for number in range(12):
        send(world, subject=f"Câu hỏi số {number}")
    client.force_login(world.specialist)
    client.get(LIST)  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert text(response).count("Câu hỏi số") == 12


def test_staff_of_another_agency_get_404(client, world):
    petition = send(world, attachment=pdf("don.pdf"))
    client.force_login(world.other_specialist)
    assert client.get(f"{LIST}{petition.pk}/").status_code == 404
    assert client.get(f"{LIST}{petition.pk}/tep-dinh-kem/").status_code == 404
    answer = client.post(f"{LIST}{petition.pk}/", {"action": "answer", "answer-content": "Trả lời"})
    assert answer.status_code == 404
    assert not petition.answers.exists()


def test_staff_answer_then_the_leader_publishes(client, world):
    petition = send(world, attachment=pdf("don.pdf"))
    client.force_login(world.specialist)
    page = text(client.get(f"{LIST}{petition.pk}/"))
    assert "Phạm Văn Cường" in page and "0905111222" in page  # staff see the sender
    assert f'href="/can-bo/phan-anh-kien-nghi/{petition.pk}/tep-dinh-kem/"' in page
    download = client.get(f"{LIST}{petition.pk}/tep-dinh-kem/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert 'filename="don.pdf"' in download["Content-Disposition"]

    empty = client.post(f"{LIST}{petition.pk}/", {"action": "answer", "answer-content": ""})
    assert empty.status_code == 422
    response = client.post(f"{LIST}{petition.pk}/", {"action": "answer", "answer-content": "Đã có kết quả."})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{petition.pk}/"
    assert "Đã lưu trả lời." in text(client.get(response["Location"]))

    refused = client.post(f"{LIST}{petition.pk}/", {"action": "publish", "publish-public_content": "Câu hỏi"})
    assert refused.status_code == 403
    assert "lãnh đạo" in text(refused)

    client.force_login(world.leader)
    published = client.post(
        f"{LIST}{petition.pk}/", {"action": "publish", "publish-public_content": "Hỏi về thời hạn giải quyết"}
    )
    assert published.status_code == 302
    petition.refresh_from_db()
    assert petition.state == PetitionState.PUBLISHED
    assert petition.public_content == "Hỏi về thời hạn giải quyết"
    html = text(client.get(f"{LIST}{petition.pk}/"))
    assert f'href="/phan-anh-kien-nghi/{petition.pk}/"' in html
    for label in ("Gửi phản ánh, kiến nghị", "Trả lời", "Công khai trả lời"):
        assert label in html  # the trail
    assert client.post(f"{LIST}{petition.pk}/", {"action": "delete"}).status_code == 404


def test_a_superuser_sees_every_agency(client, world):
    from factories import SuperuserFactory

    send(world, subject="Sở Tư pháp hỏi")
    send(world, agency=world.other_department, subject="Sở Tài chính hỏi")
    client.force_login(SuperuserFactory())
    html = text(client.get(LIST))
    assert "Sở Tư pháp hỏi" in html and "Sở Tài chính hỏi" in html


def test_an_officer_of_two_agencies_sees_the_desk_agency_and_can_switch(client, world):
    from factories import StaffMembershipFactory

    from motcua.agencies.models import StaffRole

    StaffMembershipFactory(user=world.specialist, agency=world.other_department, role=StaffRole.SPECIALIST)
    mine = send(world, subject="Câu hỏi Sở Tư pháp")
    send(world, agency=world.other_department, subject="Câu hỏi Sở Tài chính")
    client.force_login(world.specialist)
    client.post("/can-bo/co-quan/", {"agency": world.department.pk})
    html = text(client.get(LIST))
    assert "Câu hỏi Sở Tư pháp" in html and "Câu hỏi Sở Tài chính" not in html
    client.post("/can-bo/co-quan/", {"agency": world.other_department.pk})
    html = text(client.get(LIST))
    assert "Câu hỏi Sở Tài chính" in html and "Câu hỏi Sở Tư pháp" not in html
    # The desk narrows lists only: the first agency's petition stays reachable by its address.
    assert client.get(f"{LIST}{mine.pk}/").status_code == 200
