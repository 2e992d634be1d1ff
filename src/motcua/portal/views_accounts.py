"""Account pages of the portal: register with a code, sign in (password or national portal / VNeID), sign
out, forgotten password, profile. Each view reads the form, calls one accounts service, and renders.

The session holds, between pages: the pending one-time code (``account_challenge``: its token and
purpose), the pending national sign-in (``oidc_pending``: state, nonce, PKCE verifier) and, after such a
sign-in, the id_token used as ``id_token_hint`` on sign-out.
"""

from __future__ import annotations

import uuid
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.accounts import oidc, selectors, services
from motcua.accounts.contacts import mask
from motcua.accounts.errors import Throttled
from motcua.accounts.forms import (
    CodeForm,
    PasswordResetFinishForm,
    PasswordResetStartForm,
    ProfileForm,
    RegistrationForm,
    SignInForm,
    add_service_error,
)
from motcua.accounts.models import VerificationCode
from motcua.core.errors import ApplicationError

from .middleware_accounts import mark_activity

Purpose = VerificationCode.Purpose
BACKEND = "django.contrib.auth.backends.ModelBackend"
SESSION_CHALLENGE = "account_challenge"
SESSION_OIDC_PENDING = "oidc_pending"
SESSION_OIDC_ID_TOKEN = "oidc_id_token"
TEMPLATES = "portal/account/"


# --- helpers -----------------------------------------------------------------------------------------------


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or the header named by MOTCUA_CLIENT_IP_HEADER (behind a proxy)."""
    header = settings.MOTCUA_CLIENT_IP_HEADER
    value = request.META.get(header, "") if header else ""
    value = value.split(",")[0].strip() if value else request.META.get("REMOTE_ADDR", "")
    return value[:64]


def _next_url(request, default: str = "account:profile") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _sign_in(request, user) -> None:
    login(request, user, backend=BACKEND)
    # The cookie ends with the browser (shared computers); the idle limit is the middleware's.
    request.session.set_expiry(0)
    mark_activity(request)


def applicant_required(view):
    """Signed-in citizens and businesses only: others go to the sign-in page (staff get a clear refusal)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account:sign_in')}?{urlencode({'next': request.get_full_path()})}")
        if not request.user.is_applicant:
            return _message_page(
                request,
                title=_("Trang dành cho công dân, doanh nghiệp"),
                message=_("Tài khoản cán bộ, công chức không dùng trang này."),
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


def _message_page(request, *, title: str, message: str, status: int = 200, retry: bool = False):
    return render(
        request,
        TEMPLATES + "message.html",
        {"title": title, "message": message, "retry": retry, "oidc_enabled": settings.MOTCUA_OIDC_ENABLED},
        status=status,
    )


def _challenge(request, *purposes: str) -> dict | None:
    challenge = request.session.get(SESSION_CHALLENGE)
    if isinstance(challenge, dict) and challenge.get("purpose") in purposes:
        return challenge
    return None


def _remember_challenge(request, *, token, purpose: str, recipient: str) -> None:
    request.session[SESSION_CHALLENGE] = {
        "token": str(token),
        "purpose": purpose,
        "recipient": mask(recipient),
    }


def _oidc_config(request) -> oidc.OidcSettings:
    return oidc.oidc_settings(redirect_uri=settings.SITE_URL + reverse("account:oidc_callback"))


# --- registration and codes --------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("account:profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verification = services.account_register(
                registration=form.registration(), address=client_address(request)
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            _remember_challenge(
                request, token=verification.token, purpose=Purpose.REGISTER, recipient=verification.recipient
            )
            return redirect("account:verify")
    return render(
        request, TEMPLATES + "register.html", {"form": form, "oidc_enabled": settings.MOTCUA_OIDC_ENABLED}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Enter the code that activates a new account, or proves a phone / e-mail from the profile."""
    challenge = _challenge(request, Purpose.REGISTER, Purpose.CONTACT)
    if challenge is None:
        return redirect("account:register")
    if challenge["purpose"] == Purpose.CONTACT and not request.user.is_authenticated:
        return redirect("account:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if challenge["purpose"] == Purpose.REGISTER:
                user = services.account_activate(token=challenge["token"], code=form.cleaned_data["code"])
            else:
                user = services.contact_verify(
                    user=request.user, token=challenge["token"], code=form.cleaned_data["code"]
                )
        except ApplicationError as error:
            add_service_error(form, error, default="code")
        else:
            del request.session[SESSION_CHALLENGE]
            if challenge["purpose"] == Purpose.REGISTER:
                _sign_in(request, user)
                messages.success(
                    request, _("Tài khoản đã được kích hoạt. Chào mừng Ông/Bà đến với Cổng dịch vụ công.")
                )
            else:
                messages.success(request, _("Đã xác minh %(contact)s.") % {"contact": challenge["recipient"]})
            return redirect("account:profile")
    return render(
        request,
        TEMPLATES + "verify.html",
        {
            "form": form,
            "challenge": challenge,
            "verification": selectors.verification_get(challenge["token"]),
        },
    )


@require_POST
def resend_code(request):
    challenge = _challenge(request, Purpose.REGISTER, Purpose.CONTACT, Purpose.PASSWORD_RESET)
    if challenge is None:
        return redirect("account:register")
    try:
        services.code_resend(token=challenge["token"], address=client_address(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã gửi mã mới tới %(contact)s.") % {"contact": challenge["recipient"]})
    if challenge["purpose"] == Purpose.PASSWORD_RESET:
        return redirect("account:password_reset_finish")
    return redirect("account:verify")


# --- sign-in, sign-out, session end ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_authenticate(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                address=client_address(request),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            status = 429 if isinstance(error, Throttled) else 200
            return _render_sign_in(request, form, status=status)
        _sign_in(request, user)
        return redirect(_next_url(request))
    return _render_sign_in(request, form)


def _render_sign_in(request, form, *, status: int = 200):
    return render(
        request,
        TEMPLATES + "sign_in.html",
        {
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "oidc_enabled": settings.MOTCUA_OIDC_ENABLED,
        },
        status=status,
    )


@never_cache
@require_safe
def oidc_start(request):
    """Send the browser to the national portal / VNeID with a fresh state, nonce and PKCE challenge."""
    if not settings.MOTCUA_OIDC_ENABLED:
        raise Http404
    try:
        start = oidc.authorization_start(_oidc_config(request))
    except ApplicationError as error:
        return _oidc_failure(request, error)
    request.session[SESSION_OIDC_PENDING] = {**start.pending, "next": _next_url(request)}
    return redirect(start.url)


@never_cache
@require_safe
def oidc_callback(request):
    """The provider sends the browser back here; the pending sign-in is used once, whatever the outcome."""
    if not settings.MOTCUA_OIDC_ENABLED:
        raise Http404
    pending = request.session.pop(SESSION_OIDC_PENDING, None)
    try:
        result = oidc.authorization_finish(_oidc_config(request), params=request.GET, pending=pending)
        user = services.account_link_verified_identity(identity=result.identity)
    except oidc.SignInCancelled as error:
        return render(request, TEMPLATES + "oidc_cancelled.html", {"message": error.message})
    except ApplicationError as error:
        return _oidc_failure(request, error)
    _sign_in(request, user)
    request.session[SESSION_OIDC_ID_TOKEN] = result.id_token
    return redirect(pending.get("next") or reverse("account:profile"))


def _oidc_failure(request, error: ApplicationError):
    return _message_page(
        request,
        title=_("Chưa đăng nhập được bằng tài khoản Cổng Dịch vụ công quốc gia"),
        message=error.message,
        status=error.status,
        retry=True,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_out(request):
    """GET asks for confirmation (a link cannot sign anyone out); POST signs out, also at the provider."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect("account:signed_out")
        return render(request, TEMPLATES + "sign_out.html")
    id_token = request.session.get(SESSION_OIDC_ID_TOKEN)
    logout(request)
    done = reverse("account:signed_out")
    if id_token and settings.MOTCUA_OIDC_ENABLED and settings.MOTCUA_OIDC_LOGOUT_AT_PROVIDER:
        provider = oidc.end_session_url(
            _oidc_config(request), id_token=id_token, post_logout_redirect_uri=settings.SITE_URL + done
        )
        if provider:
            return redirect(provider)
    return redirect(done)


@require_safe
def signed_out(request):
    return render(request, TEMPLATES + "signed_out.html")


@require_safe
def session_expired(request):
    return render(
        request,
        TEMPLATES + "session_expired.html",
        {"minutes": settings.MOTCUA_CITIZEN_SESSION_IDLE_MINUTES, "next": _next_url(request)},
    )


# --- forgotten password ------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        try:
            verification = services.password_reset_start(
                identifier=identifier, address=client_address(request)
            )
        except ApplicationError as error:
            add_service_error(form, error, default="identifier")
        else:
            # Unknown accounts get the same page and a token that matches nothing.
            token = verification.token if verification else uuid.uuid4()
            _remember_challenge(
                request,
                token=token,
                purpose=Purpose.PASSWORD_RESET,
                recipient=identifier,
            )
            return redirect("account:password_reset_finish")
    return render(request, TEMPLATES + "password_reset.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_finish(request):
    challenge = _challenge(request, Purpose.PASSWORD_RESET)
    if challenge is None:
        return redirect("account:password_reset")
    form = PasswordResetFinishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_finish(
                token=challenge["token"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["password"],
            )
        except ApplicationError as error:
            add_service_error(form, error, default="code")
        else:
            del request.session[SESSION_CHALLENGE]
            messages.success(request, _("Mật khẩu đã được đặt lại. Vui lòng đăng nhập bằng mật khẩu mới."))
            return redirect("account:sign_in")
    return render(request, TEMPLATES + "password_reset_finish.html", {"form": form, "challenge": challenge})


# --- profile -----------------------------------------------------------------------------------------------


@never_cache
@applicant_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, data=form.profile_data())
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Đã lưu thông tin cá nhân."))
            return redirect("account:profile")
    return render(request, TEMPLATES + "profile.html", {"form": form, "account": user})


@applicant_required
@require_POST
def contact_verify_start(request):
    try:
        verification = services.contact_verification_start(
            user=request.user, channel=request.POST.get("channel", ""), address=client_address(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("account:profile")
    _remember_challenge(
        request, token=verification.token, purpose=Purpose.CONTACT, recipient=verification.recipient
    )
    return redirect("account:verify")
