"""Sign-in with the national portal / VNeID against the sandbox provider over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from motcua.accounts.models import User
from motcua.sandbox.oidc import OidcSandbox

from .conftest import CALLBACK_PATH, national_sign_in, provider_answer

pytestmark = pytest.mark.django_db


def signed_in_user(client):
    return User.objects.get(pk=client.session["_auth_user_id"]) if "_auth_user_id" in client.session else None


def test_the_whole_flow_creates_a_verified_citizen_account(client, provider):
    started = client.get("/dang-nhap/vneid/")
    assert started.status_code == 302
    query = parse_qs(urlsplit(started["Location"]).query)
    assert started["Location"].startswith(provider.issuer + "/authorize?")
    assert query["response_type"] == ["code"] and query["client_id"] == [provider.client_id]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert "openid" in query["scope"][0].split()
    assert query["state"][0] and query["nonce"][0] and query["state"] != query["nonce"]
    assert "client_secret" not in started["Location"]

    back = urlsplit(provider_answer(provider, started["Location"], sub="sbx-citizen-an"))
    response = client.get(f"{back.path}?{back.query}")

    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    user = signed_in_user(client)
    assert user.username == "042085012345"
    assert user.identity_number == "042085012345"
    assert user.kind == User.Kind.CITIZEN
    assert user.full_name == "Nguyễn Văn An"
    assert user.birth_date == date(1985, 5, 12)
    assert user.sex == User.Sex.MALE
    assert user.address == "Tổ dân phố 3, phường Thành Sen, tỉnh Hà Tĩnh"
    assert (user.phone, user.email) == ("0983000001", "an.nguyen@example.com")
    assert user.vneid_verified_at is not None and user.vneid_subject == "sbx-citizen-an"
    assert user.vneid_tech_id == "6f1c2d7e-0a55-4c1b-9d0e-5a3b8e000001"
    assert user.vneid_assurance_level == "2"
    assert not user.has_usable_password()
    # A VNeID contact is not a verified sign-in contact of ours (only our own codes verify those).
    assert user.phone_verified_at is None and user.email_verified_at is None
    # PKCE: the token request carried the verifier; the secret went in the Authorization header only.
    (token_request,) = provider.token_requests
    assert len(token_request["code_verifier"]) >= 43 and "client_secret" not in token_request
    assert client.session["oidc_id_token"].count(".") == 2
    assert "oidc_pending" not in client.session

    profile = client.get("/tai-khoan/").content.decode()
    assert "Đã xác thực với VNeID" in profile and "042085012345" in profile


def test_a_second_sign_in_updates_the_same_account(client, provider):
    national_sign_in(client, provider, sub="sbx-citizen-binh")
    first = User.objects.get(identity_number="042192034567")
    client.post("/dang-xuat/")
    provider.people["sbx-citizen-binh"].update(HoVaTen="Trần Thị Bình An", TechID="tech-2", loAs="3")

    national_sign_in(client, provider, sub="sbx-citizen-binh")

    assert User.objects.filter(identity_number="042192034567").count() == 1
    again = User.objects.get(identity_number="042192034567")
    assert again.pk == first.pk == signed_in_user(client).pk
    assert (again.full_name, again.vneid_tech_id, again.vneid_assurance_level) == (
        "Trần Thị Bình An",
        "tech-2",
        "3",
    )
    assert again.vneid_verified_at == first.vneid_verified_at
    assert again.sex == User.Sex.FEMALE and again.birth_date == date(1992, 9, 3)


def test_links_an_account_made_by_staff_with_the_identity_number_as_username(client, provider):
    made = User.objects.create(username="042085012345", kind=User.Kind.CITIZEN, address="Địa chỉ đã khai")
    national_sign_in(client, provider)
    made.refresh_from_db()
    assert signed_in_user(client) == made
    assert made.vneid_verified_at is not None and made.full_name == "Nguyễn Văn An"
    assert made.address == "Địa chỉ đã khai"  # a person's own edits are kept; blanks are filled
    assert User.objects.count() == 1


def test_a_number_typed_into_someone_elses_profile_does_not_capture_the_identity(client, provider):
    squatter = User.objects.create(
        username="0912345678", kind=User.Kind.CITIZEN, identity_number="042085012345", full_name="Kẻ giả mạo"
    )
    national_sign_in(client, provider)
    user = signed_in_user(client)
    assert user != squatter and user.username == "042085012345"
    squatter.refresh_from_db()
    assert squatter.vneid_verified_at is None and squatter.full_name == "Kẻ giả mạo"


def test_a_taken_username_gets_a_distinct_one(client, provider):
    staff = User.objects.create(username="042305001234", kind=User.Kind.STAFF)
    national_sign_in(client, provider, sub="sbx-citizen-ha")
    user = signed_in_user(client)
    assert user != staff and user.username.startswith("042305001234-")
    assert user.kind == User.Kind.CITIZEN and user.identity_number == "042305001234"


def test_business_account(client, provider):
    national_sign_in(client, provider, sub="sbx-business-hoanggia")
    user = signed_in_user(client)
    assert user.kind == User.Kind.BUSINESS
    assert user.username == user.identity_number == "3001234567"
    assert user.organisation_name == "Công ty TNHH Thương mại Hoàng Gia Hà Tĩnh"
    assert user.full_name == "Hoàng Văn Gia"
    assert user.address == "Số 15 đường Hà Huy Tập, phường Hà Huy Tập, tỉnh Hà Tĩnh"


def test_next_page_is_kept_across_the_provider(client, provider):
    response = national_sign_in(client, provider, start="/dang-nhap/vneid/?next=/thu-tuc/")
    assert response["Location"] == "/thu-tuc/"
    response = national_sign_in(client, provider, start="/dang-nhap/vneid/?next=https://evil.example/")
    assert response["Location"] == "/tai-khoan/"


def test_cancelled_sign_in_ends_on_a_clear_page(client, provider):
    response = national_sign_in(client, provider, decision="cancel")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đã hủy đăng nhập" in html and "Ông/Bà đã hủy đăng nhập" in html
    assert signed_in_user(client) is None and not User.objects.exists()
    assert provider.token_requests == []


def test_tampered_state_is_refused(client, provider):
    started = client.get("/dang-nhap/vneid/")
    back = urlsplit(provider_answer(provider, started["Location"], sub="sbx-citizen-an"))
    query = parse_qs(back.query)
    response = client.get(CALLBACK_PATH, {"code": query["code"][0], "state": query["state"][0] + "x"})
    assert response.status_code == 400
    assert "Yêu cầu đăng nhập không hợp lệ hoặc đã được dùng" in response.content.decode()
    assert signed_in_user(client) is None and not User.objects.exists()
    assert provider.token_requests == []  # the code was never exchanged
    # The pending sign-in was used up: the genuine answer no longer works either.
    assert client.get(f"{back.path}?{back.query}").status_code == 400


def test_a_callback_from_another_browser_is_refused(client, provider):
    from django.test import Client

    started = client.get("/dang-nhap/vneid/")
    back = urlsplit(provider_answer(provider, started["Location"], sub="sbx-citizen-an"))
    other = Client()
    response = other.get(f"{back.path}?{back.query}")
    assert response.status_code == 400 and not User.objects.exists()


def test_a_forged_signature_is_refused(client, provider):
    provider.forge_next_id_token()
    response = national_sign_in(client, provider)
    assert response.status_code == 400
    assert "Không xác thực được thẻ đăng nhập" in response.content.decode()
    assert signed_in_user(client) is None and not User.objects.exists()


def test_an_expired_id_token_is_refused(client, provider):
    provider.expire_next_id_token()
    response = national_sign_in(client, provider)
    assert response.status_code == 400
    assert "đã hết hạn" in response.content.decode()
    assert not User.objects.exists()


def test_a_rotated_key_is_fetched_again(client, provider):
    national_sign_in(client, provider)  # caches the JWKS
    client.post("/dang-xuat/")
    provider.rotate_key()
    response = national_sign_in(client, provider)
    assert response.status_code == 302 and signed_in_user(client) is not None


def test_the_wrong_issuer_is_refused(client, provider, settings):
    settings.MOTCUA_OIDC_ISSUER = "https://sso.dichvucong.gov.vn"
    response = client.get("/dang-nhap/vneid/")
    assert response.status_code == 502
    assert "Không kết nối được Cổng Dịch vụ công quốc gia" in response.content.decode()


def test_an_unknown_client_secret_is_refused(client, provider, settings):
    settings.MOTCUA_OIDC_CLIENT_SECRET = "not-the-secret"
    response = national_sign_in(client, provider)
    assert response.status_code == 400
    assert "không chấp nhận mã đăng nhập" in response.content.decode()
    assert not User.objects.exists()


def test_a_provider_that_is_down_gives_a_clear_page(client, settings, db):
    down = OidcSandbox().start()
    url = down.discovery_url
    down.stop()
    settings.MOTCUA_OIDC_DISCOVERY_URL = url
    response = client.get("/dang-nhap/vneid/")
    assert response.status_code == 502
    html = response.content.decode()
    assert "Không kết nối được Cổng Dịch vụ công quốc gia" in html and '<html lang="vi">' in html


def test_an_error_other_than_cancel_from_the_provider(client, provider):
    started = client.get("/dang-nhap/vneid/")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    response = client.get(CALLBACK_PATH, {"error": "server_error", "state": state})
    assert response.status_code == 400
    assert "mã lỗi: server_error" in response.content.decode()


def test_disabled_national_sign_in(client, settings, db):
    settings.MOTCUA_OIDC_ENABLED = False
    assert client.get("/dang-nhap/vneid/").status_code == 404
    assert "VNeID" not in client.get("/dang-nhap/").content.decode()


def test_sign_out_ends_the_session_at_the_provider_too(client, provider):
    national_sign_in(client, provider)
    response = client.post("/dang-xuat/")
    assert signed_in_user(client) is None
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == provider.issuer + "/end_session"
    query = parse_qs(location.query)
    assert query["id_token_hint"][0].count(".") == 2
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1:8000/da-dang-xuat/"]
    back = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302 and back.headers["Location"].startswith(
        "http://127.0.0.1:8000/da-dang-xuat/"
    )
    assert len(provider.ended_sessions) == 1
    page = client.get(urlsplit(back.headers["Location"]).path)
    assert "Ông/Bà đã đăng xuất" in page.content.decode()


def test_no_secret_code_or_token_reaches_the_log(client, provider, caplog):
    caplog.set_level(logging.DEBUG)
    national_sign_in(client, provider)
    id_token = client.session["oidc_id_token"]
    client.post("/dang-xuat/")
    provider.forge_next_id_token()
    national_sign_in(client, provider)
    started = client.get("/dang-nhap/vneid/")
    client.get(CALLBACK_PATH, {"code": "abc", "state": "wrong"})

    # The browser's own requests to the provider (made here by the test) are not ours to judge.
    ours = [record for record in caplog.records if "/authorize" not in record.getMessage()]
    text = "\n".join(record.getMessage() for record in ours)
    secrets = [provider.client_secret, id_token, parse_qs(urlsplit(started["Location"]).query)["nonce"][0]]
    for request in provider.token_requests:
        secrets += [request["code"], request["code_verifier"]]
    assert len(secrets) == 7
    assert not [secret for secret in secrets if secret in text]
    assert "OIDC id_token rejected: BadSignatureError" in text
    assert "state that does not match" in text
    assert "/token" in text  # the back-channel requests are logged, without their bodies
