"""Who is calling: a partner system with a bearer token, or a person signed in to the portal (session).

``Authorization: Bearer <token>`` is tried first: a token that is wrong, revoked or belongs to a client that no
longer works is refused at once (401), never passed on to the session. Without that header the session
cookie is used; a signed-in person's writes need Django's CSRF token like any form. Every refusal answers
problem+json in Vietnamese. Tokens are never logged nor echoed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from motcua.core.errors import ApplicationError, PermissionDenied
from motcua.integration.models import ApiClient
from motcua.integration.services import api_client_authenticate


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"


@dataclass(frozen=True)
class Caller:
    """The acting account (a person, or an API client's service account) and the client, if any."""

    user: object
    client: ApiClient | None = None

    @property
    def scope(self) -> str:
        """Whose idempotency keys a request's key is compared with."""
        return f"client:{self.client.pk}" if self.client else f"user:{self.user.pk}"


def client_address(request: HttpRequest) -> str:
    """The address the request came from (behind a proxy, the proxy must set REMOTE_ADDR for us)."""
    return (request.META.get("REMOTE_ADDR") or "")[:45]


class BearerToken(HttpBearer):
    """``Authorization: Bearer mcua_…``: a token issued by ``motcua api-client`` or the admin."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get(self.header, "")
        if not header:
            return None  # no token: maybe a session
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise NotAuthenticated(
                _("Tiêu đề Authorization phải có dạng “Bearer <khóa truy cập>”."), code="invalid_token"
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        client = api_client_authenticate(token=token)
        if client is None:
            raise NotAuthenticated(
                _("Khóa truy cập không hợp lệ, đã bị thay hoặc hệ thống kết nối đã ngừng hoạt động."),
                code="invalid_token",
            )
        return Caller(user=client.account, client=client)


class SignedInSession(APIKeyCookie):
    """The portal's session cookie; the last scheme tried, so it also answers "not authenticated"."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            raise NotAuthenticated(
                _(
                    "Cần đăng nhập, hoặc gửi khóa truy cập trong tiêu đề “Authorization: Bearer <khóa truy cập>”."
                )
            )
        if self.csrf and check_csrf(request):
            raise PermissionDenied(
                _("Thiếu hoặc sai mã chống giả mạo (CSRF); hãy tải lại trang rồi thử lại."),
                code="csrf_failed",
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller:
        return Caller(user=request.user)


TOKEN_OR_SESSION = [BearerToken(), SignedInSession()]
