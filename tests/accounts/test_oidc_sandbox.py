"""The sandbox provider speaks the protocol strictly enough to catch a careless client."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from motcua.sandbox.oidc import OidcSandbox

REDIRECT = "http://127.0.0.1:8000/dang-nhap/vneid/xong/"
VERIFIER = "v" * 64


@pytest.fixture(scope="module")
def sandbox():
    with OidcSandbox(redirect_uris=[REDIRECT]) as provider:
        yield provider


def challenge(verifier: str = VERIFIER) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize(sandbox, *, decision="approve", sub="sbx-citizen-an", **overrides):
    params = {
        "response_type": "code",
        "client_id": sandbox.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st",
        "nonce": "nc",
        "code_challenge": challenge(),
        "code_challenge_method": "S256",
        **overrides,
    }
    return requests.post(
        f"{sandbox.issuer}/authorize",
        data={**params, "sub": sub, "decision": decision},
        allow_redirects=False,
        timeout=5,
    )


def code_of(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def token(sandbox, code, *, verifier=VERIFIER, secret=None, redirect_uri=REDIRECT):
    return requests.post(
        f"{sandbox.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(sandbox.client_id, secret or sandbox.client_secret),
        timeout=5,
    )


def test_discovery_and_jwks(sandbox):
    metadata = requests.get(sandbox.discovery_url, timeout=5).json()
    assert metadata["issuer"] == sandbox.issuer
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = requests.get(metadata["jwks_uri"], timeout=5).json()["keys"]
    assert [(key["kty"], key["alg"], key["kid"]) for key in keys] == [("RSA", "RS256", sandbox.key.kid)]
    assert "d" not in keys[0]  # no private part


def test_consent_page_lists_the_sandbox_people(sandbox):
    url = f"{sandbox.issuer}/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": sandbox.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": "s",
            "code_challenge": challenge(),
            "code_challenge_method": "S256",
        }
    )
    page = requests.get(url, timeout=5).text
    assert "Nguyễn Văn An" in page and "Công ty TNHH Thương mại Hoàng Gia Hà Tĩnh" in page
    assert 'value="approve"' in page and 'value="cancel"' in page


def test_code_token_userinfo(sandbox):
    answer = authorize(sandbox)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(REDIRECT + "?code=")
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["state"] == ["st"]
    response = token(sandbox, code_of(answer))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.json()
    decoded = jwt.decode(body["id_token"], KeySet.import_key_set(sandbox.jwks()), algorithms=["RS256"])
    claims = decoded.claims
    assert (claims["iss"], claims["aud"], claims["sub"], claims["nonce"]) == (
        sandbox.issuer,
        sandbox.client_id,
        "sbx-citizen-an",
        "nc",
    )
    assert claims["SoDinhDanh"] == "042085012345" and claims["LoaiTaiKhoan"] == 1 and claims["at_hash"]
    info = requests.get(
        f"{sandbox.issuer}/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=5
    )
    assert info.json()["HoVaTen"] == "Nguyễn Văn An"
    assert requests.get(f"{sandbox.issuer}/userinfo", timeout=5).status_code == 401


def test_codes_are_single_use_and_need_the_pkce_verifier(sandbox):
    code = code_of(authorize(sandbox))
    assert token(sandbox, code, verifier="w" * 64).json()["error"] == "invalid_grant"
    assert token(sandbox, code).json()["error"] == "invalid_grant"  # spent by the failed try
    code = code_of(authorize(sandbox))
    assert token(sandbox, code, secret="wrong").status_code == 401
    code = code_of(authorize(sandbox))
    assert token(sandbox, code, redirect_uri="http://127.0.0.1:8000/other/").status_code == 400
    code = code_of(authorize(sandbox))
    assert token(sandbox, code).status_code == 200
    assert token(sandbox, code).status_code == 400


def test_requests_it_must_refuse(sandbox):
    missing_pkce = authorize(sandbox, code_challenge="", code_challenge_method="")
    assert "error=invalid_request" in missing_pkce.headers["Location"]
    plain = authorize(sandbox, code_challenge_method="plain")
    assert "error=invalid_request" in plain.headers["Location"]
    no_openid = authorize(sandbox, scope="profile")
    assert "error=invalid_scope" in no_openid.headers["Location"]
    cancelled = authorize(sandbox, decision="cancel")
    assert (
        "error=access_denied" in cancelled.headers["Location"] and "state=st" in cancelled.headers["Location"]
    )
    # An unregistered redirect URI or client is never redirected to.
    assert authorize(sandbox, redirect_uri="https://evil.example/cb").status_code == 400
    assert authorize(sandbox, client_id="other").status_code == 400


def test_end_session_returns_only_to_a_registered_site(sandbox):
    back = requests.get(
        f"{sandbox.issuer}/end_session",
        params={"post_logout_redirect_uri": "http://127.0.0.1:8000/da-dang-xuat/", "state": "x"},
        allow_redirects=False,
        timeout=5,
    )
    assert back.headers["Location"] == "http://127.0.0.1:8000/da-dang-xuat/?state=x"
    stay = requests.get(
        f"{sandbox.issuer}/end_session",
        params={"post_logout_redirect_uri": "https://evil.example/"},
        allow_redirects=False,
        timeout=5,
    )
    assert stay.status_code == 200 and "Bạn đã đăng xuất" in stay.text


def test_runs_as_a_module():
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "motcua.sandbox.oidc", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()  # printed once the port is open
        assert line.startswith("OIDC sandbox at http://127.0.0.1:")
        issuer = line.split()[3]
        assert requests.get(f"{issuer}/health", timeout=5).json() == {"status": "ok"}
        assert (
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()["issuer"] == issuer
        )
    finally:
        process.terminate()
        process.wait(5)
