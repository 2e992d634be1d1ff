"""The back-office sign-in pauses after too many failures, per account and per address, like the citizens'."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from factories import PASSWORD, UserFactory

from motcua.accounts.models import ThrottleEvent

pytestmark = pytest.mark.django_db

LOGIN = "/can-bo/dang-nhap/"
PAUSED = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút"
WRONG = "mat-khau-sai-bi-mat"


def sign_in(client, username, password=PASSWORD, address="203.0.113.7", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failures_per_account_pause_sign_in_even_with_the_right_password(world, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for number in range(3):
        response = sign_in(client, world.leader.username, WRONG, address=f"198.51.100.{number}")
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    response = sign_in(client, world.leader.username, address="198.51.100.99")  # right password, elsewhere
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    html = response.content.decode()
    assert PAUSED in html and "liên hệ quản trị hệ thống" in html
    assert 'role="alert"' in html
    assert not signed_in(client)
    # another officer from the same addresses is not affected
    assert sign_in(Client(), world.specialist.username, address="198.51.100.0").status_code == 302


def test_the_pause_ends_when_the_oldest_failure_leaves_the_window_and_success_clears_it(world, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 2
    client = Client()
    sign_in(client, world.leader.username, WRONG)
    sign_in(client, world.leader.username, WRONG)
    assert sign_in(client, world.leader.username).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        response = sign_in(client, world.leader.username)
        assert response.status_code == 302 and signed_in(client)
    key = f"user:{world.leader.pk}"
    assert not ThrottleEvent.objects.filter(scope="sign_in_account", key=key).exists()


def test_failures_per_address_pause_every_name_from_that_address(world, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ADDRESS = 3
    client = Client()
    for name in ("khong.ton.tai.1", "khong.ton.tai.2", world.reception.username):
        assert sign_in(client, name, WRONG, address="192.0.2.10").status_code == 200
    response = sign_in(client, world.leader.username, address="192.0.2.10")
    assert response.status_code == 429 and not signed_in(client)
    assert sign_in(client, world.leader.username, address="192.0.2.11").status_code == 302


def test_names_that_match_no_account_are_limited_too(world, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 2
    client = Client()
    for number in range(2):
        sign_in(client, "Ai.Do", WRONG, address=f"198.51.100.{number}")
    response = sign_in(client, "ai.do", WRONG, address="198.51.100.50")
    assert response.status_code == 429
    assert PAUSED in response.content.decode()


def test_failures_on_the_portal_and_the_back_office_add_up_for_one_account(world, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for number in range(3):
        client.post(
            "/dang-nhap/",
            {"identifier": world.leader.username, "password": WRONG},
            REMOTE_ADDR=f"198.51.100.{number}",
        )
    assert sign_in(client, world.leader.username).status_code == 429


def test_the_address_behind_a_proxy_comes_from_the_configured_header(world, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ADDRESS = 2
    settings.MOTCUA_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client = Client()
    for name in ("khong.ton.tai.1", "khong.ton.tai.2"):
        sign_in(client, name, WRONG, address="10.0.0.1", HTTP_X_REAL_IP="192.0.2.20")
    assert ThrottleEvent.objects.filter(scope="sign_in_address", key="192.0.2.20").count() == 2
    assert (
        sign_in(client, world.leader.username, address="10.0.0.1", HTTP_X_REAL_IP="192.0.2.20").status_code
        == 429
    )
    assert (
        sign_in(client, world.leader.username, address="10.0.0.1", HTTP_X_REAL_IP="192.0.2.21").status_code
        == 302
    )


def test_an_inactive_account_counts_as_a_failure(world, settings):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 1
    world.leader.is_active = False
    world.leader.save()
    client = Client()
    assert sign_in(client, world.leader.username).status_code == 200
    assert sign_in(client, world.leader.username).status_code == 429


def test_a_citizen_with_the_right_password_is_still_refused_but_not_counted(world):
    citizen = UserFactory()
    response = sign_in(Client(), citizen.username)
    assert response.status_code == 200
    assert "không phải tài khoản cán bộ" in response.content.decode()
    assert not ThrottleEvent.objects.filter(scope="sign_in_account").exists()


def test_failures_and_pauses_are_logged_without_the_password_or_the_name_typed(world, settings, caplog):
    settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = 1
    client = Client()
    with caplog.at_level(logging.INFO, logger="motcua.accounts"):
        sign_in(client, world.leader.username, WRONG, address="198.51.100.7")
        sign_in(client, world.leader.username, WRONG, address="198.51.100.7")
        sign_in(client, "ten-go-nham-" + WRONG, WRONG, address="198.51.100.8")
        sign_in(client, world.specialist.username, address="198.51.100.9")
    lines = [record.getMessage() for record in caplog.records if record.name == "motcua.accounts"]
    assert f"staff sign-in failed for account {world.leader.pk} from 198.51.100.7" in lines
    assert any(
        line.startswith(f"staff sign-in paused for account {world.leader.pk} from 198.51.100.7")
        for line in lines
    )
    assert "staff sign-in failed for an unknown name from 198.51.100.8" in lines
    assert f"staff sign-in: account {world.specialist.pk} from 198.51.100.9" in lines
    text = "\n".join(lines)
    assert WRONG not in text and PASSWORD not in text and world.leader.username not in text
