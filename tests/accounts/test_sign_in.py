"""Sign-in with a password, its rate limits, sign-out and the idle timeout of citizens' sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from motcua.accounts import services
from motcua.accounts.errors import SignInFailed, Throttled
from motcua.accounts.models import ThrottleEvent, User
from motcua.core.errors import PermissionDenied

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, identifier="0912345678", password=PASSWORD, address="203.0.113.7", **extra):
    return client.post(
        "/dang-nhap/", {"identifier": identifier, "password": password, **extra}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("identifier", ["0912345678", "+84 912 345 678", "MAI@example.vn", "0912345678 "])
def test_sign_in_with_phone_email_or_username(client, citizen, identifier):
    response = sign_in(client, identifier=identifier)
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    assert int(client.session["_auth_user_id"]) == citizen.pk


def test_sign_in_with_a_username_that_is_not_a_contact(client, citizen):
    citizen.username = "congdan.mai"
    citizen.save()
    assert sign_in(client, identifier="congdan.mai").status_code == 302


def test_an_unverified_phone_does_not_sign_in(client, citizen):
    citizen.username, citizen.phone_verified_at = "congdan.mai", None
    citizen.save()
    assert sign_in(client, identifier="0912345678").status_code == 200
    assert not signed_in(client)


def test_wrong_password_and_unknown_account_get_the_same_message(client, citizen):
    wrong = sign_in(client, password="sai-mat-khau").content.decode()
    unknown = sign_in(client, identifier="0987654321").content.decode()
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in wrong and message in unknown
    assert 'role="alert"' in wrong
    assert not signed_in(client)


def test_the_next_page_is_followed_only_on_this_site(client, citizen):
    assert sign_in(client, next="/thu-tuc/?q=khai+sinh")["Location"] == "/thu-tuc/?q=khai+sinh"
    client.logout()
    assert sign_in(client, next="https://evil.example/")["Location"] == "/tai-khoan/"


def test_failures_per_account_pause_sign_in_until_the_window_passes(client, citizen, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 3
    for number in range(3):
        sign_in(client, password="sai", address=f"198.51.100.{number}")
    response = sign_in(client, address="198.51.100.99")  # the right password, from elsewhere
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút" in response.content.decode()
    assert not signed_in(client)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(client).status_code == 302
    assert not ThrottleEvent.objects.filter(scope="sign_in_account").exists()  # a success clears the count


def test_the_account_limit_also_covers_names_that_match_no_account(settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 2
    for _attempt in range(2):
        with pytest.raises(SignInFailed):
            services.account_authenticate(identifier="khong-ton-tai", password="x")
    with pytest.raises(Throttled):
        services.account_authenticate(identifier="khong-ton-tai", password="x")


def test_failures_per_address_pause_sign_in_from_that_address(client, citizen, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ADDRESS = 4
    for number in range(4):
        sign_in(client, identifier=f"09120000{number:02d}", password="sai")
    assert sign_in(client).status_code == 429
    assert sign_in(client, address="192.0.2.1").status_code == 302


def test_the_client_address_header_behind_a_proxy(client, citizen, settings):
    settings.MOTCUA_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ADDRESS = 2
    for _attempt in range(2):
        client.post("/dang-nhap/", {"identifier": "x", "password": "y"}, HTTP_X_REAL_IP="192.0.2.50")
    assert ThrottleEvent.objects.filter(scope="sign_in_address", key="192.0.2.50").count() == 2


def test_staff_and_inactive_accounts_are_refused_after_the_password(citizen):
    staff = User.objects.create(username="canbo", kind=User.Kind.STAFF)
    staff.set_password(PASSWORD)
    staff.save()
    with pytest.raises(PermissionDenied) as error:
        services.account_authenticate(identifier="canbo", password=PASSWORD)
    assert error.value.code == "staff_account"
    citizen.is_active = False
    citizen.save()
    with pytest.raises(PermissionDenied) as error:
        services.account_authenticate(identifier="0912345678", password=PASSWORD)
    assert error.value.code == "disabled"


def test_a_pending_registration_is_told_to_activate(client):
    services.account_register(
        registration=services.Registration(contact="0912345678", full_name="Mai", password=PASSWORD)
    )
    page = sign_in(client).content.decode()
    assert "Tài khoản chưa được kích hoạt" in page


def test_an_old_phone_username_and_a_new_owner_of_that_phone_both_sign_in(client, citizen):
    # Mai changed her phone; her username is still the old number, now verified by Lan.
    citizen.phone, citizen.phone_verified_at = "0987000111", None
    citizen.save()
    lan = User(username="lan", phone="0912345678", phone_verified_at=timezone.now(), kind=User.Kind.CITIZEN)
    lan.set_password("Mat-khau-cua-Lan-2026")
    lan.save()
    assert services.account_authenticate(identifier="0912345678", password=PASSWORD) == citizen
    assert services.account_authenticate(identifier="0912345678", password="Mat-khau-cua-Lan-2026") == lan


def test_sign_out_asks_then_ends_on_a_clear_page(client, citizen):
    sign_in(client)
    page = client.get("/dang-xuat/").content.decode()
    assert "Ông/Bà đang đăng nhập với tài khoản Nguyễn Thị Mai." in page and 'method="post"' in page
    assert signed_in(client)
    response = client.post("/dang-xuat/")
    assert response["Location"] == "/da-dang-xuat/"
    assert not signed_in(client)
    page = client.get("/da-dang-xuat/").content.decode()
    assert "Ông/Bà đã đăng xuất" in page and '<html lang="vi">' in page
    assert client.get("/dang-xuat/")["Location"] == "/da-dang-xuat/"


def test_an_idle_session_ends_on_a_clear_page(client, citizen, settings):
    settings.MOTCUA_CITIZEN_SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/tai-khoan/").status_code == 200  # activity moves the limit
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/tai-khoan/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=89), tick=False):
        response = client.get("/tai-khoan/?tab=1")
    assert response.status_code == 302
    assert response["Location"] == "/het-phien/?next=%2Ftai-khoan%2F%3Ftab%3D1"
    assert not signed_in(client)
    page = client.get(response["Location"]).content.decode()
    assert "Phiên làm việc đã hết hạn" in page and "trong 30 phút" in page
    assert 'href="/dang-nhap/?next=/tai-khoan/%3Ftab%3D1"' in page


def test_staff_sessions_are_not_cut_by_the_citizen_timeout(client, settings):
    staff = User.objects.create(username="canbo", kind=User.Kind.STAFF)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(staff)
        client.get("/")
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        client.get("/")
    assert signed_in(client)


def test_the_profile_needs_a_signed_in_citizen(client, db):
    assert client.get("/tai-khoan/")["Location"] == "/dang-nhap/?next=%2Ftai-khoan%2F"
    staff = User.objects.create(username="canbo", kind=User.Kind.STAFF)
    client.force_login(staff)
    response = client.get("/tai-khoan/")
    assert (
        response.status_code == 403 and "Trang dành cho công dân, doanh nghiệp" in response.content.decode()
    )


def test_the_session_cookie_ends_with_the_browser(client, citizen):
    sign_in(client)
    assert client.session.get_expire_at_browser_close()


def test_old_records_are_purged(citizen):
    from django.core.management import call_command

    from motcua.accounts.models import VerificationCode

    old = timezone.now() - timedelta(days=40)
    ThrottleEvent.objects.create(scope="sign_in_address", key="192.0.2.1", created_at=old)
    recent = ThrottleEvent.objects.create(scope="sign_in_address", key="192.0.2.1")
    VerificationCode.objects.create(
        user=citizen, purpose="register", channel="sms", recipient="0912345678", sent_at=old, expires_at=old
    )
    live = VerificationCode.objects.create(
        user=citizen,
        purpose="register",
        channel="sms",
        recipient="0912345678",
        sent_at=old,
        expires_at=timezone.now(),
    )
    call_command("accounts-purge")
    assert list(ThrottleEvent.objects.all()) == [recent]
    assert list(VerificationCode.objects.all()) == [live]
