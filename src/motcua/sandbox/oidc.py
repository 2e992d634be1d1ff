"""A sandbox OpenID Connect provider in the style of the national public-service portal (DVCQG) / VNeID,
on 127.0.0.1, so the demo and the tests can sign citizens in over real HTTP.

    GET  /.well-known/openid-configuration   discovery
    GET  /jwks                               the RS256 signing key (public part)
    GET  /authorize                          a page to pick one of the sandbox people, approve or cancel
    POST /authorize                          -> 302 redirect_uri?code=…&state=…  or  ?error=access_denied&state=…
    POST /token                              authorization code (+ PKCE S256) -> access_token, id_token
    GET  /userinfo                           Bearer access token -> the person's claims
    GET  /end_session                        RP-initiated logout -> 302 post_logout_redirect_uri?state=…
    GET  /health                             {"status": "ok"}

The id_token and userinfo carry the claims of integration.md §4 under their DVCQG names (LoaiTaiKhoan,
SoDinhDanh, HoVaTen, NgayThangNamSinh, GioiTinh, ThuDienTu, SoDienThoai, ThuongTru, MaSoDoanhNghiep,
TenDoanhNghiep, DiaChi, TechID, loAs). PKCE with S256 is required, codes are single use and short-lived.

Run it on its own: ``python -m motcua.sandbox.oidc --port 8090`` (see docs/accounts.md). In Python:
``OidcSandbox(redirect_uris=[…]).start()`` serves on a free port; ``.people`` can be edited, and
``.forge_next_id_token()`` / ``.expire_next_id_token()`` make the next token fail verification.
Standard library plus joserfc (JOSE); it must not depend on the code it stands in for.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import html
import secrets
import threading
import time
from http import HTTPStatus
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from ._server import SandboxHandler, SandboxServer

MAX_BODY = 64 * 1024
CODE_TTL_SECONDS = 120
NO_STORE = {"Cache-Control": "no-store"}  # token and userinfo answers

# Sandbox people: three citizens (LoaiTaiKhoan 1) and one business (2). An and Bình carry the identity
# numbers of the demo's applicant accounts.
SANDBOX_PEOPLE: list[dict] = [
    {
        "sub": "sbx-citizen-an",
        "LoaiTaiKhoan": 1,
        "SoDinhDanh": "042085012345",
        "HoVaTen": "Nguyễn Văn An",
        "NgayThangNamSinh": "12/05/1985",
        "GioiTinh": "1",
        "DanToc": "Kinh",
        "QuocTich": "Việt Nam",
        "ThuDienTu": "an.nguyen@example.com",
        "SoDienThoai": "0983000001",
        "ThuongTru": "Tổ dân phố 3, phường Thành Sen, tỉnh Hà Tĩnh",
        "TechID": "6f1c2d7e-0a55-4c1b-9d0e-5a3b8e000001",
        "loAs": "2",
    },
    {
        "sub": "sbx-citizen-binh",
        "LoaiTaiKhoan": 1,
        "SoDinhDanh": "042192034567",
        "HoVaTen": "Trần Thị Bình",
        "NgayThangNamSinh": "03/09/1992",
        "GioiTinh": "2",
        "DanToc": "Kinh",
        "QuocTich": "Việt Nam",
        "ThuDienTu": "binh.tran@example.com",
        "SoDienThoai": "0983000002",
        "ThuongTru": "Thôn Trung Phú, xã Cẩm Xuyên, tỉnh Hà Tĩnh",
        "TechID": "6f1c2d7e-0a55-4c1b-9d0e-5a3b8e000002",
        "loAs": "2",
    },
    {
        "sub": "sbx-citizen-ha",
        "LoaiTaiKhoan": 1,
        "SoDinhDanh": "042305001234",
        "HoVaTen": "Phạm Thu Hà",
        "NgayThangNamSinh": "20/11/2005",
        "GioiTinh": "2",
        "DanToc": "Kinh",
        "QuocTich": "Việt Nam",
        "ThuDienTu": "ha.pham@example.com",
        "SoDienThoai": "0983000004",
        "ThuongTru": "Thôn Đông Hà, xã Thạch Hà, tỉnh Hà Tĩnh",
        "TechID": "6f1c2d7e-0a55-4c1b-9d0e-5a3b8e000003",
        "loAs": "1",
    },
    {
        "sub": "sbx-business-hoanggia",
        "LoaiTaiKhoan": 2,
        "MaSoDoanhNghiep": "3001234567",
        "TenDoanhNghiep": "Công ty TNHH Thương mại Hoàng Gia Hà Tĩnh",
        "DiaChi": "Số 15 đường Hà Huy Tập, phường Hà Huy Tập, tỉnh Hà Tĩnh",
        "SoDinhDanh": "042080098765",
        "HoVaTen": "Hoàng Văn Gia",
        "ThuDienTu": "lienhe@hoanggia.example",
        "SoDienThoai": "0983000999",
        "TechID": "6f1c2d7e-0a55-4c1b-9d0e-5a3b8e000004",
        "loAs": "2",
    },
]

DEFAULT_REDIRECT_URIS = (
    "http://127.0.0.1:8000/dang-nhap/vneid/xong/",
    "http://localhost:8000/dang-nhap/vneid/xong/",
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _half_hash(value: str) -> str:
    """at_hash: the left half of SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return _b64url(digest[: len(digest) // 2])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class OidcSandbox(SandboxServer):
    """The provider: ``start()`` serves in a background thread, ``stop()`` closes the port."""

    thread_name = "oidc-sandbox"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = "motcua-sandbox",
        client_secret: str = "sandbox-secret",
        redirect_uris=DEFAULT_REDIRECT_URIS,
        people: list[dict] | None = None,
        id_token_ttl: int = 600,
    ):
        super().__init__(host=host, port=port)
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uris = list(redirect_uris)
        self.people = {person["sub"]: person for person in copy.deepcopy(people or SANDBOX_PEOPLE)}
        self.id_token_ttl = id_token_ttl
        self.key = self._new_key()
        self.token_requests: list[dict] = []  # each token request's form (no secrets), for the tests
        self.ended_sessions: list[dict] = []
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, dict] = {}
        self._faults: list[str] = []
        self._lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    # --- fault injection ---------------------------------------------------------------------------------

    def forge_next_id_token(self) -> None:
        """Sign the next id_token with another key under the published key id (a bad signature)."""
        with self._lock:
            self._faults.append("forge")

    def expire_next_id_token(self) -> None:
        """Issue the next id_token already expired (an hour ago)."""
        with self._lock:
            self._faults.append("expire")

    def rotate_key(self) -> None:
        """A new signing key with a new key id (clients must fetch the JWKS again)."""
        self.key = self._new_key()

    @staticmethod
    def _new_key() -> RSAKey:
        kid = f"sbx-{secrets.token_hex(4)}"
        return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})

    # --- protocol ----------------------------------------------------------------------------------------

    def metadata(self) -> dict:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/end_session",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "email", "phone", "address"],
            "claims_supported": sorted({"sub", *(key for p in SANDBOX_PEOPLE for key in p)}),
        }

    def jwks(self) -> dict:
        return KeySet([self.key]).as_dict(private=False)

    def check_authorization_request(self, params: dict) -> tuple[str | None, dict | None]:
        """``(page error, None)`` when the browser must not be sent back; ``(None, redirect error)`` or
        ``(None, None)`` otherwise."""
        if params.get("client_id") != self.client_id:
            return "Ứng dụng (client_id) không được đăng ký với Cổng thử nghiệm.", None
        if params.get("redirect_uri") not in self.redirect_uris:
            return "Địa chỉ chuyển về (redirect_uri) không được đăng ký.", None
        if params.get("response_type") != "code":
            return None, {"error": "unsupported_response_type"}
        if "openid" not in params.get("scope", "").split():
            return None, {"error": "invalid_scope", "error_description": "openid scope required"}
        if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
            return None, {"error": "invalid_request", "error_description": "PKCE S256 required"}
        return None, None

    def issue_code(self, params: dict, sub: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "sub": sub,
                "client_id": params["client_id"],
                "redirect_uri": params["redirect_uri"],
                "nonce": params.get("nonce", ""),
                "scope": params.get("scope", ""),
                "code_challenge": params["code_challenge"],
                "expires": time.time() + CODE_TTL_SECONDS,
                "auth_time": int(time.time()),
            }
        return code

    def exchange_code(self, form: dict, basic: tuple[str, str] | None) -> tuple[int, dict]:
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        with self._lock:
            self.token_requests.append({k: v for k, v in form.items() if k != "client_secret"})
        if client_id != self.client_id or not hmac.compare_digest(secret, self.client_secret):
            return HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if grant is None or grant["expires"] < time.time():
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant", "error_description": "unknown code"}
        if grant["client_id"] != client_id or grant["redirect_uri"] != form.get("redirect_uri"):
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        challenge = _b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
        if not verifier or not hmac.compare_digest(challenge, grant["code_challenge"]):
            return HTTPStatus.BAD_REQUEST, {
                "error": "invalid_grant",
                "error_description": "PKCE verification",
            }
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._access_tokens[access_token] = {"sub": grant["sub"], "expires": time.time() + 600}
            fault = self._faults.pop(0) if self._faults else ""
        now = int(time.time())
        claims = {
            **self._claims(grant["sub"]),
            "iss": self.issuer,
            "aud": client_id,
            "iat": now - 3600 if fault == "expire" else now,
            "exp": now - 3000 if fault == "expire" else now + self.id_token_ttl,
            "auth_time": grant["auth_time"],
            "at_hash": _half_hash(access_token),
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        key = self.key
        if fault == "forge":
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid, "alg": "RS256"})
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims, key)
        return HTTPStatus.OK, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 600,
            "scope": grant["scope"],
            "id_token": id_token,
        }

    def userinfo(self, access_token: str) -> dict | None:
        with self._lock:
            grant = self._access_tokens.get(access_token)
        if grant is None or grant["expires"] < time.time():
            return None
        return self._claims(grant["sub"])

    def _claims(self, sub: str) -> dict:
        with self._lock:
            return {"sub": sub, **{k: v for k, v in self.people[sub].items() if k != "sub"}}

    def end_session(self, params: dict) -> str | None:
        """Record the logout; the URL to send the browser to, if it is allowed."""
        with self._lock:
            self.ended_sessions.append({k: v for k, v in params.items() if k != "id_token_hint"})
        target = params.get("post_logout_redirect_uri", "")
        allowed = {_origin(uri) for uri in self.redirect_uris}
        if target and _origin(target) in allowed:
            state = params.get("state")
            return (
                f"{target}{'&' if '?' in target else '?'}{urlencode({'state': state})}" if state else target
            )
        return None

    # --- pages -------------------------------------------------------------------------------------------

    def authorize_page(self, params: dict) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        people = []
        for index, person in enumerate(self.people.values()):
            business = person.get("LoaiTaiKhoan") == 2
            title = person.get("TenDoanhNghiep") if business else person.get("HoVaTen")
            number = person.get("MaSoDoanhNghiep") if business else person.get("SoDinhDanh")
            kind = "Doanh nghiệp" if business else "Công dân"
            checked = " checked" if index == 0 else ""
            people.append(
                f'<li><input type="radio" name="sub" id="p{index}" value="{html.escape(person["sub"])}"{checked}>'
                f' <label for="p{index}">{html.escape(title or "")} · {kind} · {html.escape(number or "")}'
                f"</label></li>"
            )
        return _page(
            "Đăng nhập (thử nghiệm)",
            "<p>Đây là Cổng thử nghiệm, không phải Cổng Dịch vụ công quốc gia thật. Chọn một người dùng mẫu "
            "rồi đồng ý để đăng nhập vào ứng dụng đã gọi.</p>"
            f'<form method="post" action="/authorize">{hidden}'
            f"<fieldset><legend>Người dùng mẫu</legend><ul>{''.join(people)}</ul></fieldset>"
            '<p><button type="submit" name="decision" value="approve">Đồng ý đăng nhập</button> '
            '<button type="submit" name="decision" value="cancel">Hủy</button></p></form>',
        )


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Cổng DVC quốc gia (thử nghiệm)</title>"
        "<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:1rem auto;padding:0 1rem}"
        "ul{list-style:none;padding:0}li{padding:.375rem 0}button{font:inherit;padding:.5rem 1rem}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


class _Handler(SandboxHandler):
    sandbox: OidcSandbox
    server_version = "motcua-oidc-sandbox/1"
    max_body = MAX_BODY

    # --- routing -----------------------------------------------------------------------------------------

    def do_GET(self):
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            return self._json(HTTPStatus.OK, self.sandbox.metadata())
        if url.path == "/jwks":
            return self._json(HTTPStatus.OK, self.sandbox.jwks())
        if url.path == "/authorize":
            return self._authorize(params, approve=None)
        if url.path == "/userinfo":
            return self._userinfo()
        if url.path == "/end_session":
            target = self.sandbox.end_session(params)
            if target:
                return self._redirect(target)
            return self._html(
                HTTPStatus.OK, _page("Đã đăng xuất", "<p>Bạn đã đăng xuất khỏi Cổng thử nghiệm.</p>")
            )
        if url.path == "/health":
            return self._json(HTTPStatus.OK, {"status": "ok"})
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

    def do_POST(self):
        url = urlsplit(self.path)
        form = self._form()
        if form is None:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "invalid_request"})
        if url.path == "/authorize":
            return self._authorize(form, approve=form.pop("decision", "") == "approve")
        if url.path == "/token":
            status, payload = self.sandbox.exchange_code(form, self._basic_auth())
            return self._json(status, payload, NO_STORE)
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not_found"})

    # --- endpoints ---------------------------------------------------------------------------------------

    def _authorize(self, params: dict, *, approve: bool | None):
        sub = params.pop("sub", "")
        page_error, redirect_error = self.sandbox.check_authorization_request(params)
        if page_error:
            return self._html(
                HTTPStatus.BAD_REQUEST, _page("Yêu cầu không hợp lệ", f"<p>{html.escape(page_error)}</p>")
            )
        answer: dict = {}
        if redirect_error:
            answer = redirect_error
        elif approve is None:
            return self._html(HTTPStatus.OK, self.sandbox.authorize_page(params))
        elif not approve:
            answer = {"error": "access_denied", "error_description": "Người dùng đã hủy đăng nhập"}
        elif sub not in self.sandbox.people:
            return self._html(
                HTTPStatus.BAD_REQUEST, _page("Yêu cầu không hợp lệ", "<p>Chưa chọn người dùng.</p>")
            )
        else:
            answer = {"code": self.sandbox.issue_code(params, sub)}
        if params.get("state"):
            answer["state"] = params["state"]
        uri = params["redirect_uri"]
        return self._redirect(f"{uri}{'&' if '?' in uri else '?'}{urlencode(answer)}")

    def _userinfo(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        claims = self.sandbox.userinfo(token) if token else None
        if claims is None:
            return self._send(
                HTTPStatus.UNAUTHORIZED, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        return self._json(HTTPStatus.OK, claims, NO_STORE)

    # --- plumbing ----------------------------------------------------------------------------------------

    def _form(self) -> dict | None:
        body = self._read_body()
        if body is None:
            return None
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def _basic_auth(self) -> tuple[str, str] | None:
        auth = self.headers.get("Authorization", "")
        if auth[:6].lower() != "basic ":
            return None
        try:
            client_id, _, secret = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        except ValueError:
            return None
        return unquote_plus(client_id), unquote_plus(secret)

    def _redirect(self, location: str):
        self._send(HTTPStatus.FOUND, headers={"Location": location})


OidcSandbox.handler_class = _Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sandbox OpenID Connect provider (DVCQG / VNeID style).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--client-id", default="motcua-sandbox")
    parser.add_argument("--client-secret", default="sandbox-secret")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        help="a registered redirect URI (repeatable); default: motcua on 127.0.0.1:8000 and localhost:8000",
    )
    args = parser.parse_args(argv)
    sandbox = OidcSandbox(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uri or DEFAULT_REDIRECT_URIS,
    )
    sandbox.start()
    print(
        f"OIDC sandbox at {sandbox.issuer}  (discovery: {sandbox.discovery_url}); Ctrl+C to stop", flush=True
    )
    sandbox.serve_until_interrupted()


if __name__ == "__main__":
    main()
