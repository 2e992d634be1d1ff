"""OpenID Connect client for signing in with the national public-service portal (DVCQG) / VNeID.

Authorization-code flow with PKCE (S256), ``state`` and ``nonce`` (Authlib builds the request and exchanges
the code; joserfc checks the RS256 signature against the provider's JWKS). Protocol only, no HTTP objects of
our own: a page calls :func:`authorization_start`, keeps the returned ``pending`` dict in the person's
session, sends the browser to ``url``, and hands the callback's query parameters and that dict to
:func:`authorization_finish`, which returns a :class:`~motcua.accounts.services.VerifiedIdentity`.

Every failure is an :class:`OidcError` with a Vietnamese message and a ``code`` for the log; the client
secret, codes and tokens are never logged or put in a message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from motcua.core.errors import ApplicationError
from motcua.core.identity import normalise_mobile, parse_personal_id, validate_tax_code
from motcua.core.text import normalize_spaces

from .models import User
from .services import VerifiedIdentity

logger = logging.getLogger("motcua.accounts.oidc")

# A sign-in left unfinished longer than this at the provider starts again.
PENDING_MAX_AGE_SECONDS = 15 * 60
CLOCK_LEEWAY_SECONDS = 60
METADATA_CACHE_SECONDS = 3600
SIGNING_ALGORITHMS = ["RS256"]


class OidcError(ApplicationError):
    """The sign-in with the national portal did not succeed; ``message`` is for the person."""

    status = 400
    code = "oidc_error"


class SignInCancelled(OidcError):
    code = "access_denied"


class ProviderUnavailable(OidcError):
    status = 502
    code = "provider_unavailable"


@dataclass(frozen=True)
class OidcSettings:
    discovery_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: str
    redirect_uri: str
    issuer: str = ""
    timeout: float = 10.0


def oidc_settings(*, redirect_uri: str) -> OidcSettings:
    """The MOTCUA_OIDC_* settings; ``redirect_uri`` is used unless MOTCUA_OIDC_REDIRECT_URI is set."""
    return OidcSettings(
        discovery_url=settings.MOTCUA_OIDC_DISCOVERY_URL,
        client_id=settings.MOTCUA_OIDC_CLIENT_ID,
        client_secret=settings.MOTCUA_OIDC_CLIENT_SECRET,
        scopes=settings.MOTCUA_OIDC_SCOPES,
        redirect_uri=settings.MOTCUA_OIDC_REDIRECT_URI or redirect_uri,
        issuer=settings.MOTCUA_OIDC_ISSUER,
        timeout=settings.MOTCUA_OIDC_TIMEOUT_SECONDS,
    )


@dataclass(frozen=True)
class AuthorizationStart:
    url: str  # where to send the browser
    pending: dict  # keep in the session until the callback: state, nonce, code_verifier, started_at


@dataclass(frozen=True)
class AuthorizationResult:
    identity: VerifiedIdentity
    id_token: str  # kept in the session as id_token_hint for the provider's sign-out


def authorization_start(config: OidcSettings) -> AuthorizationStart:
    metadata = provider_metadata(config)
    pending = {
        "state": generate_token(32),
        "nonce": generate_token(32),
        "code_verifier": generate_token(64),
        "started_at": time.time(),
    }
    with _client(config) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending["state"],
            nonce=pending["nonce"],
            code_verifier=pending["code_verifier"],
        )
    return AuthorizationStart(url=url, pending=pending)


def authorization_finish(
    config: OidcSettings, *, params: Mapping[str, str], pending: dict | None
) -> AuthorizationResult:
    """Check the callback, exchange the code, verify the id_token, read userinfo, map the claims."""
    _check_state(params, pending)
    if params.get("error"):
        error = str(params["error"])[:64]
        if error == "access_denied":
            raise SignInCancelled(_("Ông/Bà đã hủy đăng nhập bằng tài khoản Cổng Dịch vụ công quốc gia."))
        logger.warning("OIDC sign-in refused by the provider: %s", error)
        raise OidcError(
            _("Cổng Dịch vụ công quốc gia từ chối yêu cầu đăng nhập (mã lỗi: %(error)s).") % {"error": error},
            code="provider_error",
        )
    if not params.get("code"):
        raise OidcError(_("Phản hồi đăng nhập không có mã xác thực."), code="missing_code")
    metadata = provider_metadata(config)
    try:
        with _client(config) as client:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=params["code"],
                code_verifier=pending["code_verifier"],
                timeout=config.timeout,
            )
    except OAuthError as error:
        logger.warning("OIDC token request refused: %s", error.error)
        raise OidcError(
            _("Cổng Dịch vụ công quốc gia không chấp nhận mã đăng nhập. Vui lòng đăng nhập lại."),
            code="token_refused",
        ) from None
    except (requests.RequestException, ValueError) as error:
        logger.warning("OIDC token request failed: %s", type(error).__name__)
        raise _unavailable() from None
    if not token.get("id_token") or not token.get("access_token"):
        raise OidcError(_("Phản hồi của Cổng Dịch vụ công quốc gia không đầy đủ."), code="token_incomplete")
    claims = verify_id_token(
        config, metadata, token["id_token"], nonce=pending["nonce"], access_token=token["access_token"]
    )
    merged = dict(claims)
    if metadata.get("userinfo_endpoint"):
        userinfo = _userinfo(config, metadata, token)
        if userinfo.get("sub") != claims["sub"]:
            raise OidcError(_("Thông tin người dùng không khớp với thẻ định danh."), code="userinfo_mismatch")
        merged.update(userinfo)
    return AuthorizationResult(identity=identity_from_claims(merged), id_token=token["id_token"])


def end_session_url(config: OidcSettings, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's sign-out address for this session, or None if it has none (or cannot be reached)."""
    try:
        endpoint = provider_metadata(config).get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": config.client_id,
            "state": generate_token(16),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# --- Provider metadata and keys ----------------------------------------------------------------------------


def provider_metadata(config: OidcSettings, *, refresh: bool = False) -> dict:
    """The discovery document (cached for an hour); its issuer must be the configured one, if set."""
    key = "motcua.oidc.metadata:" + hashlib.sha256(config.discovery_url.encode()).hexdigest()
    metadata = None if refresh else cache.get(key)
    if metadata is None:
        metadata = _get_json(config, config.discovery_url)
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not all(isinstance(metadata.get(name), str) and metadata.get(name) for name in needed):
            logger.warning("OIDC discovery document lacks %s", [n for n in needed if not metadata.get(n)])
            raise _unavailable()
        cache.set(key, metadata, METADATA_CACHE_SECONDS)
    if config.issuer and metadata["issuer"] != config.issuer:
        logger.error("OIDC discovery issuer %r is not the configured MOTCUA_OIDC_ISSUER", metadata["issuer"])
        raise _unavailable()
    return metadata


def _signing_keys(config: OidcSettings, metadata: dict, *, refresh: bool = False) -> KeySet:
    key = "motcua.oidc.jwks:" + hashlib.sha256(metadata["jwks_uri"].encode()).hexdigest()
    jwks = None if refresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(config, metadata["jwks_uri"])
        cache.set(key, jwks, METADATA_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError):
        logger.warning("OIDC JWKS could not be read")
        raise _unavailable() from None


def verify_id_token(
    config: OidcSettings, metadata: dict, id_token: str, *, nonce: str, access_token: str
) -> dict:
    """The claims of ``id_token`` after checking signature (RS256), iss, aud, exp, iat, nonce, at_hash."""
    try:
        try:
            decoded = jwt.decode(id_token, _signing_keys(config, metadata), algorithms=SIGNING_ALGORITHMS)
        except InvalidKeyIdError:  # the provider rotated its key: fetch the JWKS again, once
            decoded = jwt.decode(
                id_token, _signing_keys(config, metadata, refresh=True), algorithms=SIGNING_ALGORITHMS
            )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": config.client_id},
            },
            {"nonce": nonce, "client_id": config.client_id, "access_token": access_token},
        )
        claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
    except ExpiredTokenError:
        logger.warning("OIDC id_token rejected: expired")
        raise OidcError(
            _("Thẻ đăng nhập từ Cổng Dịch vụ công quốc gia đã hết hạn. Vui lòng đăng nhập lại."),
            code="token_expired",
        ) from None
    except (JoseError, ValueError) as error:
        logger.warning("OIDC id_token rejected: %s", type(error).__name__)
        raise OidcError(
            _("Không xác thực được thẻ đăng nhập từ Cổng Dịch vụ công quốc gia. Vui lòng đăng nhập lại."),
            code="token_invalid",
        ) from None
    if not claims.get("nonce"):  # we always send one, so it must come back
        raise OidcError(_("Không xác thực được thẻ đăng nhập."), code="token_invalid")
    return dict(claims)


def _userinfo(config: OidcSettings, metadata: dict, token: dict) -> dict:
    try:
        with _client(config, token=token) as client:
            response = client.get(metadata["userinfo_endpoint"], timeout=config.timeout)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("OIDC userinfo failed: %s", type(error).__name__)
        raise _unavailable() from None
    if not isinstance(data, dict):
        raise _unavailable()
    return data


def _client(config: OidcSettings, *, token: dict | None = None) -> OAuth2Session:
    return OAuth2Session(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=config.scopes,
        redirect_uri=config.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
        token=token,
    )


def _get_json(config: OidcSettings, url: str) -> dict:
    try:
        response = requests.get(url, timeout=config.timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("OIDC provider unreachable at %s: %s", url, type(error).__name__)
        raise _unavailable() from None
    if not isinstance(data, dict):
        raise _unavailable()
    return data


def _unavailable() -> ProviderUnavailable:
    return ProviderUnavailable(
        _(
            "Không kết nối được Cổng Dịch vụ công quốc gia. Vui lòng thử lại sau ít phút hoặc đăng nhập bằng "
            "tài khoản của Cổng tỉnh."
        )
    )


def _check_state(params: Mapping[str, str], pending: dict | None) -> None:
    state = str(params.get("state") or "")
    expected = (pending or {}).get("state", "")
    if not state or not expected or not hmac.compare_digest(state, expected):
        logger.warning("OIDC callback with a state that does not match this session")
        raise OidcError(
            _("Yêu cầu đăng nhập không hợp lệ hoặc đã được dùng. Vui lòng đăng nhập lại từ đầu."),
            code="state_mismatch",
        )
    if time.time() - float(pending.get("started_at", 0)) > PENDING_MAX_AGE_SECONDS:
        raise OidcError(
            _("Yêu cầu đăng nhập đã quá thời gian chờ. Vui lòng đăng nhập lại từ đầu."), code="state_expired"
        )


# --- Claims (integration.md §4) ----------------------------------------------------------------------------


def identity_from_claims(claims: Mapping) -> VerifiedIdentity:
    """Map the DVCQG / VNeID claims to a :class:`VerifiedIdentity`; raises ``OidcError`` when unusable.

    LoaiTaiKhoan 1 → citizen (identity number: SoDinhDanh, else the legacy SoCMND); 2 → business
    (MaSoDoanhNghiep, else MaSoThue; TenDoanhNghiep and DiaChi; HoVaTen is the representative).
    """
    kind = User.Kind.BUSINESS if str(claims.get("LoaiTaiKhoan", "1")).strip() == "2" else User.Kind.CITIZEN
    try:
        if kind == User.Kind.BUSINESS:
            number = validate_tax_code(_text(claims, "MaSoDoanhNghiep") or _text(claims, "MaSoThue"))
        else:
            number = parse_personal_id(_text(claims, "SoDinhDanh") or _text(claims, "SoCMND")).number
    except ApplicationError:
        logger.warning("OIDC claims without a usable identity number (account type %s)", kind)
        raise OidcError(
            _(
                "Tài khoản Cổng Dịch vụ công quốc gia chưa có số định danh hợp lệ, nên chưa dùng được để đăng "
                "nhập. Vui lòng cập nhật trên ứng dụng VNeID."
            ),
            code="identity_missing",
        ) from None
    address = _text(claims, "DiaChi") if kind == User.Kind.BUSINESS else ""
    return VerifiedIdentity(
        subject=_text(claims, "sub"),
        kind=kind,
        identity_number=number,
        full_name=_text(claims, "HoVaTen") or _text(claims, "name"),
        birth_date=parse_claim_date(claims.get("NgayThangNamSinh")),
        sex=parse_claim_sex(claims.get("GioiTinh")),
        email=_claim_email(_text(claims, "ThuDienTu") or _text(claims, "email")),
        phone=normalise_mobile(_text(claims, "SoDienThoai") or _text(claims, "phone_number")) or "",
        address=address or _address(claims.get("ThuongTru")) or _address(claims.get("NoiOHienNay")),
        organisation_name=_text(claims, "TenDoanhNghiep"),
        tech_id=_text(claims, "TechID"),
        assurance_level=_text(claims, "loAs"),
    )


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y%m%d", "%d-%m-%Y", "%Y%m%d%H%M%S")


def parse_claim_date(value) -> date | None:
    """NgayThangNamSinh as dd/mm/yyyy, yyyy-mm-dd, yyyyMMdd or yyyyMMddHHmmss; None if unreadable."""
    text = normalize_spaces(str(value or ""))
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_claim_sex(value) -> str:
    """GioiTinh: 1 / Nam → male, 2 / Nữ → female (the population database's codes); else unknown."""
    text = normalize_spaces(str(value or "")).casefold()
    if text in {"1", "nam", "male", "m"}:
        return User.Sex.MALE
    if text in {"2", "nữ", "nu", "female", "f"}:
        return User.Sex.FEMALE
    return ""


def _text(claims: Mapping, name: str) -> str:
    value = claims.get(name)
    return normalize_spaces(str(value)) if isinstance(value, str | int) else ""


def _address(value) -> str:
    """An address claim given as text, or as an object of parts (house, commune, district, province)."""
    if isinstance(value, Mapping):
        value = ", ".join(
            normalize_spaces(str(part)) for part in value.values() if isinstance(part, str) and part.strip()
        )
    return normalize_spaces(str(value)) if isinstance(value, str) else ""


def _claim_email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value.lower()
