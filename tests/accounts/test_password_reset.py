"""Forgotten password: a code to a verified phone or e-mail, then a new password."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.accounts.models import User
from motcua.notifications.models import OutboxMessage

from .conftest import PASSWORD, last_code

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Mat-khau-moi-tinh-2026"


def start_reset(client, identifier="0912345678"):
    return client.post("/quen-mat-khau/", {"identifier": identifier})


def test_reset_with_a_code_sent_by_sms(client, citizen):
    other_session = Client()
    other_session.force_login(citizen)
    response = start_reset(client, "+84 912 345 678")
    assert response["Location"] == "/quen-mat-khau/dat-lai/"
    message = OutboxMessage.objects.get()
    assert message.channel == "sms" and "là mã đặt lại mật khẩu" in message.body
    page = client.get("/quen-mat-khau/dat-lai/").content.decode()
    assert "Nếu 091*****78 thuộc một tài khoản của Cổng" in page

    response = client.post(
        "/quen-mat-khau/dat-lai/",
        {"code": last_code("0912345678"), "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response["Location"] == "/dang-nhap/"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD) and not citizen.check_password(PASSWORD)
    assert "Mật khẩu đã được đặt lại" in client.get("/dang-nhap/").content.decode()
    # Sessions opened with the old password end.
    assert other_session.get("/tai-khoan/").status_code == 302


def test_reset_by_email(client, citizen):
    start_reset(client, "mai@example.vn")
    message = OutboxMessage.objects.get()
    assert message.channel == "email" and "Mã để đặt lại mật khẩu" in message.body


def test_an_unknown_contact_gets_the_same_pages_and_no_message(client, citizen):
    response = start_reset(client, "0987654321")
    assert response["Location"] == "/quen-mat-khau/dat-lai/"
    assert not OutboxMessage.objects.exists()
    page = client.get("/quen-mat-khau/dat-lai/").content.decode()
    assert "Nếu 098*****21 thuộc một tài khoản của Cổng" in page
    page = client.post(
        "/quen-mat-khau/dat-lai/",
        {"code": "123456", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    ).content.decode()
    assert "Mã xác minh không đúng hoặc không còn hiệu lực" in page
    response = client.post("/xac-minh/gui-lai/")
    assert response["Location"] == "/quen-mat-khau/dat-lai/"
    assert not OutboxMessage.objects.exists()


def test_a_wrong_code_is_counted_and_changes_nothing(client, citizen):
    start_reset(client)
    code = last_code("0912345678")
    wrong = f"{(int(code) + 7) % 1000000:06d}"
    page = client.post(
        "/quen-mat-khau/dat-lai/", {"code": wrong, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    ).content.decode()
    assert "Ông/Bà còn 4 lần thử" in page
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_a_weak_new_password_keeps_the_code_usable(client, citizen):
    start_reset(client)
    code = last_code("0912345678")
    page = client.post(
        "/quen-mat-khau/dat-lai/", {"code": code, "password": "12345678", "password_again": "12345678"}
    ).content.decode()
    assert 'id="id_password_error"' in page
    response = client.post(
        "/quen-mat-khau/dat-lai/", {"code": code, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response["Location"] == "/dang-nhap/"


def test_staff_accounts_are_not_reset_here(client, db):
    from django.utils import timezone

    User.objects.create(
        username="canbo", kind=User.Kind.STAFF, phone="0912345678", phone_verified_at=timezone.now()
    )
    start_reset(client)
    assert not OutboxMessage.objects.exists()


def test_the_second_page_needs_the_first(client, db):
    assert client.get("/quen-mat-khau/dat-lai/")["Location"] == "/quen-mat-khau/"
