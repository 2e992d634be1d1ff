"""Public pages: dossier lookup (no personal data, rate-limited), rating, petitions and their search."""

from __future__ import annotations

import re

import pytest
from django.test.utils import override_settings

from motcua.feedback import services
from motcua.feedback.models import Petition, PetitionState, Rating, RatingProof

from .conftest import APPLICANT_IDENTITY, APPLICANT_NAME, APPLICANT_PHONE, at, pdf

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def assert_no_personal_data(html: str) -> None:
    assert APPLICANT_NAME not in html
    assert APPLICANT_PHONE not in html
    assert APPLICANT_IDENTITY not in html
    assert "binh@example.invalid" not in html
    assert "Thành Sen" not in html


# --- Lookup ----------------------------------------------------------------------------------------------


def test_the_empty_lookup_page_explains_the_code_format(client, db):
    response = client.get("/tra-cuu/")
    html = text(response)
    assert response.status_code == 200
    assert 'name="ma"' in html and "<script" not in html
    assert "Mã hồ sơ có dạng" in html


def test_a_found_dossier_shows_its_progress_without_personal_data(client, world):
    dossier = world.in_processing()
    response = client.get(f"/tra-cuu/?ma={dossier.code}")
    html = text(response)
    assert response.status_code == 200
    assert "Đang xử lý" in html
    assert "Cấp Phiếu lý lịch tư pháp" in html
    assert world.center.name in html
    assert "09/03/2026 09:00" in html  # appointment: 5 working days after Monday 02/03 09:00
    assert "Đang trong hạn" in html
    assert "02/03/2026 09:00" in html  # the reception step, finished
    assert_no_personal_data(html)
    assert "Đánh giá mức độ hài lòng" not in html  # no result yet
    assert len(response.content) < 100 * 1024


def test_a_returned_dossier_offers_the_rating_until_rated(client, world):
    dossier = world.returned()
    html = text(client.get(f"/tra-cuu/?ma={dossier.code.lower()}"))  # codes are case-insensitive
    assert "Đã trả kết quả" in html
    assert "Trước hạn" in html
    assert f'href="/danh-gia/{dossier.code}/"' in html
    assert_no_personal_data(html)
    services.rating_submit(dossier=dossier, overall=3, account=world.citizen)
    html = text(client.get(f"/tra-cuu/?ma={dossier.code}"))
    assert "/danh-gia/" not in html and "đã được đánh giá" in html


def test_the_home_page_box_posts_the_code(client, world):
    dossier = world.submitted()
    response = client.post("/tra-cuu/", {"code": f"  {dossier.code} "})
    assert response.status_code == 303
    assert response["Location"] == f"/tra-cuu/?ma={dossier.code}"
    assert "Mới đăng ký" in text(client.get(response["Location"]))


def test_an_unknown_code_is_said_plainly_with_a_format_hint(client, world):
    response = client.get("/tra-cuu/?ma=H56-999999-0001")
    html = text(response)
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ có mã H56-999999-0001." in html
    assert "Mã hồ sơ có dạng" in html


@override_settings(MOTCUA_RATE_LIMITS={"lookup": (2, 600)})
def test_lookups_are_rate_limited_per_address(client, world):
    dossier = world.submitted()
    assert client.get(f"/tra-cuu/?ma={dossier.code}").status_code == 200
    assert client.get("/tra-cuu/?ma=khong-co").status_code == 404
    response = client.get(f"/tra-cuu/?ma={dossier.code}")
    assert response.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in text(response)
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Cấp Phiếu lý lịch tư pháp" not in text(response)
    # Another address is not affected.
    assert client.get(f"/tra-cuu/?ma={dossier.code}", REMOTE_ADDR="198.51.100.7").status_code == 200


# --- Rating ------------------------------------------------------------------------------------------------


def rating_form(**extra) -> dict:
    return {"overall": "3", "c_staff_attitude": "2", "c_processing_time": "", "comment": "Tốt", **extra}


def test_the_signed_in_owner_rates_without_a_phone(client, world):
    dossier = world.returned()
    client.force_login(world.citizen)
    page = client.get(f"/danh-gia/{dossier.code}/")
    html = text(page)
    assert page.status_code == 200
    assert 'name="phone"' not in html
    assert "Thái độ, tinh thần phục vụ" in html and "Dịch vụ công trực tuyến" in html
    assert_no_personal_data(html)
    response = client.post(f"/danh-gia/{dossier.code}/", rating_form())
    assert response.status_code == 303
    assert response["Location"] == f"/danh-gia/{dossier.code}/?da-gui=1"
    assert "Cảm ơn bạn đã đánh giá" in text(client.get(response["Location"]))
    rating = Rating.objects.get()
    assert (rating.overall, rating.proof, rating.rated_by) == (3, RatingProof.ACCOUNT, world.citizen)
    assert dict(rating.answers.values_list("criterion__code", "level")) == {"staff_attitude": 2}


def test_a_second_rating_is_refused_with_a_clear_message(client, world):
    dossier = world.returned()
    services.rating_submit(dossier=dossier, overall=1, phone=APPLICANT_PHONE)
    client.force_login(world.citizen)
    html = text(client.get(f"/danh-gia/{dossier.code}/"))
    assert "đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần" in html
    response = client.post(f"/danh-gia/{dossier.code}/", rating_form())
    assert "đã được đánh giá" in text(response)
    assert Rating.objects.get().overall == 1


def test_rating_with_the_code_and_phone(client, world):
    dossier = world.returned()
    page = text(client.get(f"/danh-gia/{dossier.code}/"))
    assert 'name="phone"' in page
    response = client.post(f"/danh-gia/{dossier.code}/", rating_form(phone="+84 912 345 678"))
    assert response.status_code == 303
    assert Rating.objects.get().proof == RatingProof.PHONE


def test_a_wrong_phone_is_refused_and_nothing_saved(client, world):
    dossier = world.returned()
    response = client.post(f"/danh-gia/{dossier.code}/", rating_form(phone="0987654321"))
    assert response.status_code == 403
    assert "Số điện thoại không khớp" in text(response)
    assert "Chưa có gì được lưu" in text(response)
    assert not Rating.objects.exists()
    missing = client.post(f"/danh-gia/{dossier.code}/", rating_form())
    assert missing.status_code == 422
    assert "Vui lòng nhập số điện thoại" in text(missing)


@override_settings(MOTCUA_RATE_LIMITS={"wrong_phone": (2, 3600)})
def test_wrong_phones_are_limited_per_dossier_across_addresses(client, world):
    dossier = world.returned()
    for address in ("198.51.100.1", "198.51.100.2"):
        response = client.post(
            f"/danh-gia/{dossier.code}/", rating_form(phone="0987654321"), REMOTE_ADDR=address
        )
        assert response.status_code == 403
    blocked = client.post(
        f"/danh-gia/{dossier.code}/", rating_form(phone=APPLICANT_PHONE), REMOTE_ADDR="198.51.100.3"
    )
    assert blocked.status_code == 429
    assert not Rating.objects.exists()


@override_settings(MOTCUA_RATE_LIMITS={"rating_phone": (1, 900)})
def test_rating_attempts_by_phone_are_limited_per_address(client, world):
    dossier = world.returned()
    assert client.post(f"/danh-gia/{dossier.code}/", rating_form(phone="0987654321")).status_code == 403
    assert client.post(f"/danh-gia/{dossier.code}/", rating_form(phone=APPLICANT_PHONE)).status_code == 429
    assert not Rating.objects.exists()


def test_rating_before_the_result_and_unknown_codes(client, world):
    dossier = world.in_processing()
    response = client.get(f"/danh-gia/{dossier.code}/")
    assert response.status_code == 200
    assert "chưa có kết quả" in text(response)
    assert 'name="overall"' not in text(response)
    unknown = client.get("/danh-gia/H56-000000-0000/")
    assert unknown.status_code == 404
    assert "Không tìm thấy hồ sơ có mã H56-000000-0000" in text(unknown)


# --- Petitions ------------------------------------------------------------------------------------------------


def petition_form(world, **extra) -> dict:
    return {
        "agency": str(world.department.pk),
        "sender_name": "Phạm Văn Cường",
        "sender_phone": "0905111222",
        "sender_email": "",
        "subject": "Đăng ký khai sinh quá hạn",
        "content": "Hồ sơ khai sinh của con tôi đã quá hẹn.",
        "dossier_code": "",
        **extra,
    }


def test_sending_a_petition_gives_a_tracking_code(client, world):
    page = client.get(f"/phan-anh-kien-nghi/gui/?co-quan={world.department.code}")
    assert page.status_code == 200
    assert f'<option value="{world.department.pk}" selected>' in text(page)
    response = client.post(
        "/phan-anh-kien-nghi/gui/", {**petition_form(world), "attachment": pdf("anh-chup.pdf")}
    )
    assert response.status_code == 303
    petition = Petition.objects.get()
    assert response["Location"] == f"/phan-anh-kien-nghi/theo-doi/?ma={petition.tracking_code}&da-gui=1"
    assert petition.attachment_name == "anh-chup.pdf"
    html = text(client.get(response["Location"]))
    assert petition.tracking_code in html and "Đã gửi phản ánh, kiến nghị" in html
    assert "16/03/2026 09:00" in html  # due after 10 working days


def test_an_invalid_petition_shows_the_reasons(client, world):
    no_contact = client.post("/phan-anh-kien-nghi/gui/", petition_form(world, sender_phone=""))
    assert no_contact.status_code == 422
    assert "Vui lòng để lại số điện thoại hoặc thư điện tử" in text(no_contact)
    unknown = client.post("/phan-anh-kien-nghi/gui/", petition_form(world, dossier_code="H56-1-1"))
    assert unknown.status_code == 422
    assert "Không tìm thấy hồ sơ có mã H56-1-1" in text(unknown)
    missing = client.post("/phan-anh-kien-nghi/gui/", petition_form(world, subject="", agency=""))
    assert missing.status_code == 422
    assert text(missing).count('<p class="error">') == 2
    exe = client.post(
        "/phan-anh-kien-nghi/gui/",
        {**petition_form(world), "attachment": pdf("virus.pdf", b"MZ\x90\x00program")},
    )
    assert exe.status_code == 422 and "chương trình" in text(exe)
    assert not Petition.objects.exists()


@override_settings(MOTCUA_RATE_LIMITS={"petition_send": (1, 3600)})
def test_sending_is_rate_limited(client, world):
    assert client.post("/phan-anh-kien-nghi/gui/", petition_form(world)).status_code == 303
    response = client.post("/phan-anh-kien-nghi/gui/", petition_form(world))
    assert response.status_code == 429
    assert Petition.objects.count() == 1


def test_tracking_shows_the_answer_and_takes_the_handling_rating(client, world):
    petition = services.petition_send(
        agency=world.department,
        data=services.PetitionData(
            sender_name="A", sender_phone="0905111222", subject="Hỏi", content="Nội dung"
        ),
    )
    url = f"/phan-anh-kien-nghi/theo-doi/?ma={petition.tracking_code.lower()}"
    html = text(client.get(url))
    assert "Đang xử lý" in html and 'name="level"' not in html
    services.petition_answer(petition=petition, actor=world.specialist, content="Đã có kết quả.")
    html = text(client.get(url))
    assert "Đã có kết quả." in html and 'name="level"' in html
    response = client.post("/phan-anh-kien-nghi/theo-doi/", {"ma": petition.tracking_code, "level": "3"})
    assert response.status_code == 303
    petition.refresh_from_db()
    assert petition.handling_rating == 3
    assert "Bạn đã đánh giá việc giải quyết: Rất hài lòng" in text(client.get(response["Location"]))
    unknown = client.get("/phan-anh-kien-nghi/theo-doi/?ma=PAKN-000000-AAAAAA")
    assert unknown.status_code == 404 and "Không tìm thấy phản ánh, kiến nghị" in text(unknown)


def test_published_answers_are_searchable_without_diacritics(client, world, clock):
    petition = services.petition_send(
        agency=world.department,
        data=services.PetitionData(
            sender_name="Phạm Văn Cường",
            sender_phone="0905111222",
            subject="Đăng ký khai sinh",
            content="Hỏi về hồ sơ",
        ),
    )
    hidden = services.petition_send(
        agency=world.department,
        data=services.PetitionData(
            sender_name="B", sender_phone="0905111223", subject="Khai sinh chưa trả lời", content="x"
        ),
    )
    services.petition_answer(
        petition=petition, actor=world.specialist, content="Thời hạn giải quyết là 3 ngày."
    )
    clock.move_to(at(3))
    services.petition_publish(petition=petition, actor=world.leader)
    response = client.get("/phan-anh-kien-nghi/?q=dang+ky+KHAI+sinh")
    html = text(response)
    assert response.status_code == 200
    assert f'href="/phan-anh-kien-nghi/{petition.pk}/"' in html
    assert hidden.subject not in html
    assert "1 trả lời phù hợp" in html
    detail = client.get(f"/phan-anh-kien-nghi/{petition.pk}/")
    assert "Thời hạn giải quyết là 3 ngày." in text(detail)
    assert "Phạm Văn Cường" not in text(detail) and "0905111222" not in text(detail)
    assert client.get(f"/phan-anh-kien-nghi/{hidden.pk}/").status_code == 404
    assert "Không có trả lời nào phù hợp" in text(client.get("/phan-anh-kien-nghi/?q=ket+hon"))
    assert Petition.objects.get(pk=petition.pk).state == PetitionState.PUBLISHED


def test_pages_are_small_and_need_no_javascript(client, world):
    for url in (
        "/tra-cuu/",
        "/phan-anh-kien-nghi/",
        "/phan-anh-kien-nghi/gui/",
        "/phan-anh-kien-nghi/theo-doi/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < 100 * 1024, url
        assert not re.search(r"<script", text(response)), url
