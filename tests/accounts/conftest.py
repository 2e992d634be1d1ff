"""Fixtures of the accounts tests: the sandbox OpenID Connect provider over real HTTP, and codes read back
from the notifications outbox."""

from __future__ import annotations

import copy
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from django.core.cache import cache

from motcua.notifications.models import OutboxMessage
from motcua.sandbox.oidc import SANDBOX_PEOPLE, OidcSandbox

PASSWORD = "Mat-khau-rat-dai-2026"
CALLBACK_PATH = "/dang-nhap/vneid/xong/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def oidc_provider():
    from django.conf import settings

    with OidcSandbox(redirect_uris=[settings.SITE_URL + CALLBACK_PATH]) as provider:
        yield provider


@pytest.fixture
def provider(oidc_provider, settings):
    """The sandbox provider, reset, with the MOTCUA_OIDC_* settings pointing at it."""
    settings.MOTCUA_OIDC_ENABLED = True
    settings.MOTCUA_OIDC_DISCOVERY_URL = oidc_provider.discovery_url
    settings.MOTCUA_OIDC_ISSUER = ""
    settings.MOTCUA_OIDC_CLIENT_ID = oidc_provider.client_id
    settings.MOTCUA_OIDC_CLIENT_SECRET = oidc_provider.client_secret
    settings.MOTCUA_OIDC_REDIRECT_URI = ""
    oidc_provider.people = {person["sub"]: copy.deepcopy(person) for person in SANDBOX_PEOPLE}
    oidc_provider.token_requests.clear()
    oidc_provider.ended_sessions.clear()
    oidc_provider._faults.clear()
    cache.clear()
    yield oidc_provider
    cache.clear()


@pytest.fixture
def citizen(db):
    """An active citizen account with a verified phone and e-mail, password ``PASSWORD``."""
    from django.utils import timezone

    from motcua.accounts.models import User

    user = User(
        username="0912345678",
        kind=User.Kind.CITIZEN,
        full_name="Nguyễn Thị Mai",
        phone="0912345678",
        phone_verified_at=timezone.now(),
        email="mai@example.vn",
        email_verified_at=timezone.now(),
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def last_code(recipient: str) -> str:
    """The 6-digit code of the latest message queued for ``recipient``."""
    message = (
        OutboxMessage.objects.filter(recipient=recipient, template="account_code").order_by("-id").first()
    )
    assert message is not None, f"no code queued for {recipient}"
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def provider_answer(provider, authorize_url: str, *, sub: str, decision: str = "approve") -> str:
    """Post the provider's consent form as a browser would; returns where the provider sends the browser."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    form = dict(parse_qsl(urlsplit(authorize_url).query))
    answer = requests.post(
        f"{provider.issuer}/authorize",
        data=urlencode({**form, "sub": sub, "decision": decision}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def national_sign_in(
    client, provider, *, sub: str = "sbx-citizen-an", decision: str = "approve", start="/dang-nhap/vneid/"
):
    """The whole round trip: our start page, the provider's consent, our callback. Returns the callback."""
    started = client.get(start)
    assert started.status_code == 302
    back = urlsplit(provider_answer(provider, started["Location"], sub=sub, decision=decision))
    assert back.path == CALLBACK_PATH
    return client.get(f"{back.path}?{back.query}")
