"""Writes of the accounts app: registration with a one-time code, sign-in with rate limits, password reset,
contact verification, profile updates, and the link of an identity verified by the national portal / VNeID.

A wrong code or a failed sign-in must be *counted* even though the call fails, so those services decide
inside their transaction, let it commit, and raise afterwards.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from motcua.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from motcua.core.identity import clean_phone, parse_personal_id, validate_tax_code
from motcua.core.text import normalize_spaces

from . import selectors
from .contacts import Contact, mask, parse_contact
from .errors import CodeRejected, DeliveryUnavailable, SignInFailed, Throttled
from .models import ThrottleEvent, User, VerificationCode
from .signals import verification_code_issued

logger = logging.getLogger("motcua.accounts")

Purpose = VerificationCode.Purpose
Scope = ThrottleEvent.Scope
APPLICANT_KINDS = (User.Kind.CITIZEN, User.Kind.BUSINESS)
CODE_DIGITS = 6


# --- Registration ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    contact: str  # mobile number or e-mail address
    full_name: str
    password: str
    kind: str = User.Kind.CITIZEN


def account_register(*, registration: Registration, address: str = "") -> VerificationCode:
    """Create an inactive account and send a code to its phone or e-mail; the code activates it.

    Registering again with a contact whose account was never activated takes that account over (a new
    password, a new code): nobody can hold a phone number or address they cannot read.
    """
    contact = parse_contact(registration.contact)
    if registration.kind not in APPLICANT_KINDS:
        raise ValidationFailed(_("Loại tài khoản không hợp lệ."), code="invalid_kind")
    full_name = normalize_spaces(registration.full_name)
    if not full_name:
        raise ValidationFailed(_("Vui lòng nhập họ và tên."), code="required")
    candidate = User(username=contact.value, full_name=full_name, **_contact_fields(contact))
    _validate_password(registration.password, candidate)
    _check_code_sends(contact=contact, address=address)
    with transaction.atomic():
        if selectors.user_with_verified_contact(contact) is not None:
            raise Conflict(
                _(
                    "%(contact)s đã được dùng cho một tài khoản khác. Nếu là của Ông/Bà, hãy đăng nhập "
                    "hoặc dùng chức năng quên mật khẩu."
                )
                % {"contact": contact.value},
                code="contact_taken",
            )
        user = _pending_account(contact) or User(**_contact_fields(contact))
        user.kind = registration.kind
        user.full_name = full_name
        user.is_active = False
        if not user.username:
            user.username = _free_username(contact.value)
        user.set_password(registration.password)
        user.save()
        _void_codes(user=user, purpose=Purpose.REGISTER)
        return _issue_code(user=user, purpose=Purpose.REGISTER, contact=contact)


def account_activate(*, token: str, code: str) -> User:
    """Check a registration code; the account becomes active and its phone or e-mail verified."""
    error: ApplicationError | None = None
    with transaction.atomic():
        verification, error = _consume_code(token=token, code=code, purposes=(Purpose.REGISTER,))
        if error is None:
            user = User.objects.select_for_update().get(pk=verification.user_id)
            user.is_active = True
            error = _mark_contact_verified(user, verification)
    if error is not None:
        raise error
    logger.info("account %s activated", user.pk)
    return user


def _pending_account(contact: Contact) -> User | None:
    """A never-activated account registered with ``contact`` (taken over by a new registration)."""
    field = "phone" if contact.is_phone else "email__iexact"
    return (
        User.objects.select_for_update()
        .filter(
            is_active=False,
            last_login__isnull=True,
            phone_verified_at__isnull=True,
            email_verified_at__isnull=True,
            vneid_verified_at__isnull=True,
            kind__in=APPLICANT_KINDS,
            **{field: contact.value},
        )
        .order_by("-date_joined")
        .first()
    )


def _contact_fields(contact: Contact) -> dict:
    return {"phone": contact.value} if contact.is_phone else {"email": contact.value}


def _free_username(wanted: str) -> str:
    username = wanted
    while User.objects.filter(username__iexact=username).exists():
        username = f"{wanted}-{secrets.token_hex(2)}"
    return username


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationFailed(" ".join(error.messages), code="invalid_password") from error


# --- One-time codes ----------------------------------------------------------------------------------------


def code_resend(*, token: str, address: str = "") -> VerificationCode | None:
    """Send a fresh code for the same purpose after the cooldown; the old code stops working.

    An unknown or finished ``token`` returns None, so a page cannot tell whether an account exists.
    """
    verification = selectors.verification_get(token)
    if verification is None or verification.used_at is not None:
        return None
    now = timezone.now()
    wait = verification.sent_at + timedelta(seconds=settings.MOTCUA_CODE_RESEND_SECONDS) - now
    if wait > timedelta(0):
        seconds = math.ceil(wait.total_seconds())
        raise Throttled(
            _("Vui lòng chờ %(seconds)s giây rồi bấm gửi lại mã.") % {"seconds": seconds}, retry_after=seconds
        )
    if verification.sent_count >= settings.MOTCUA_CODE_MAX_SENDS:
        raise CodeRejected(
            _("Mã đã được gửi lại quá số lần cho phép. Vui lòng thực hiện lại từ đầu."),
            code="code_sends_used",
        )
    contact = Contact(verification.channel, verification.recipient)
    _check_code_sends(contact=contact, address=address)
    with transaction.atomic():
        verification = VerificationCode.objects.select_for_update().get(pk=verification.pk)
        if verification.used_at is not None:
            return None
        return _send_code(verification, sent_count=verification.sent_count + 1)


def _issue_code(*, user: User, purpose: str, contact: Contact) -> VerificationCode:
    verification = VerificationCode(
        user=user, purpose=purpose, channel=contact.channel, recipient=contact.value
    )
    return _send_code(verification, sent_count=1)


def _send_code(verification: VerificationCode, *, sent_count: int) -> VerificationCode:
    """Give ``verification`` a new code, save it, and hand the code to the receivers that queue the message."""
    now = timezone.now()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    verification.code_hash = _code_hash(verification.token, code)
    verification.sent_count = sent_count
    verification.sent_at = now
    verification.expires_at = now + timedelta(minutes=settings.MOTCUA_CODE_TTL_MINUTES)
    verification.failed_attempts = 0
    verification.save()
    responses = verification_code_issued.send(
        sender=VerificationCode,
        verification=verification,
        code=code,
        idempotency_key=f"account-code:{verification.token}:{sent_count}",
    )
    if not responses:
        logger.error("no receiver for accounts.signals.verification_code_issued: codes cannot be sent")
        raise DeliveryUnavailable(_("Hệ thống tạm thời không gửi được mã xác minh. Vui lòng thử lại sau."))
    _record(Scope.CODE_SEND_RECIPIENT, verification.recipient, now)
    return verification


def _code_hash(token, code: str) -> str:
    return salted_hmac("motcua.accounts.VerificationCode", f"{token}:{code}", algorithm="sha256").hexdigest()


def _void_codes(*, user: User, purpose: str) -> None:
    VerificationCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        expires_at=timezone.now()
    )


def _consume_code(
    *, token: str, code: str, purposes: tuple[str, ...], user: User | None = None
) -> tuple[VerificationCode | None, ApplicationError | None]:
    """Check ``code`` against the row of ``token`` (locked); mark it used when right, count it when wrong.

    Returns ``(verification, None)`` on success or ``(row or None, error)``; the caller raises the error
    after its transaction commits, so a wrong attempt stays counted. Call inside ``transaction.atomic``.
    """
    now = timezone.now()
    code = "".join((code or "").split())
    verification = (
        VerificationCode.objects.select_for_update().filter(token=token, purpose__in=purposes).first()
        if selectors.is_token(token)
        else None
    )
    if verification is None or verification.used_at is not None or (user and verification.user_id != user.pk):
        return verification, CodeRejected(
            _("Mã xác minh không đúng hoặc không còn hiệu lực. Vui lòng yêu cầu gửi mã mới."),
            code="code_invalid",
        )
    if verification.expires_at <= now:
        return verification, CodeRejected(
            _("Mã xác minh đã hết hạn. Vui lòng bấm “Gửi lại mã” để nhận mã mới."), code="code_expired"
        )
    limit = settings.MOTCUA_CODE_MAX_ATTEMPTS
    locked = CodeRejected(
        _("Ông/Bà đã nhập sai mã quá %(count)s lần. Vui lòng bấm “Gửi lại mã” để nhận mã mới.")
        % {"count": limit},
        code="code_locked",
    )
    if verification.failed_attempts >= limit:
        return verification, locked
    if not (
        code.isdigit() and constant_time_compare(_code_hash(verification.token, code), verification.code_hash)
    ):
        verification.failed_attempts += 1
        verification.save(update_fields=["failed_attempts"])
        left = limit - verification.failed_attempts
        if left <= 0:
            return verification, locked
        return verification, CodeRejected(
            _("Mã xác minh không đúng. Ông/Bà còn %(count)s lần thử.") % {"count": left},
            code="code_wrong",
            extra={"attempts_left": left},
        )
    verification.used_at = now
    verification.save(update_fields=["used_at"])
    return verification, None


def _mark_contact_verified(user: User, verification: VerificationCode) -> ApplicationError | None:
    """Record that ``user`` proved the recipient of ``verification``; an error if another account has it."""
    contact = Contact(verification.channel, verification.recipient)
    other = selectors.user_with_verified_contact(contact)
    taken = Conflict(
        _("%(contact)s vừa được xác minh cho một tài khoản khác.") % {"contact": contact.value},
        code="contact_taken",
    )
    if other is not None and other.pk != user.pk:
        return taken
    now = timezone.now()
    if contact.is_phone:
        user.phone, user.phone_verified_at = contact.value, now
    else:
        user.email, user.email_verified_at = contact.value, now
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # verified for another account by a concurrent request
        return taken
    return None


# --- Sign-in -----------------------------------------------------------------------------------------------


def account_authenticate(*, identifier: str, password: str, address: str = "") -> User:
    """The citizen or business account for a username / verified phone / verified e-mail and password.

    Failures are counted per account and per IP address; past ``MOTCUA_SIGN_IN_MAX_FAILURES_*`` within
    ``MOTCUA_SIGN_IN_WINDOW_MINUTES`` sign-in pauses (``Throttled``) until the oldest failure leaves the
    window. A success clears the account's count.
    """
    identifier = (identifier or "").strip()
    now = timezone.now()
    candidates = selectors.users_for_sign_in(identifier)
    account_keys = [_account_key(user) for user in candidates] or [_name_key(identifier)]
    wait = _sign_in_wait(account_keys=account_keys, address=address, now=now)
    if wait:
        raise Throttled(
            _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút hoặc đặt lại mật khẩu.")
            % {"minutes": math.ceil(wait / 60)},
            retry_after=wait,
        )
    if not candidates:
        User().set_password(password)  # the same hashing time as for a real account
    user = next((candidate for candidate in candidates if candidate.check_password(password)), None)
    if user is None:
        _record_sign_in_failure(account_keys=account_keys, address=address, now=now)
        raise SignInFailed(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    _clear_sign_in_failures(user)
    if user.kind not in APPLICANT_KINDS:
        raise PermissionDenied(
            _("Tài khoản cán bộ, công chức đăng nhập tại trang dành cho cán bộ."), code="staff_account"
        )
    if not user.is_active:
        if user.last_login is None and not (user.phone_verified_at or user.email_verified_at):
            raise PermissionDenied(
                _(
                    "Tài khoản chưa được kích hoạt. Vui lòng đăng ký lại với cùng số điện thoại hoặc thư điện "
                    "tử để nhận mã kích hoạt mới."
                ),
                code="not_activated",
            )
        raise PermissionDenied(_("Tài khoản đã bị khóa. Vui lòng liên hệ Bộ phận Một cửa."), code="disabled")
    return user


def staff_authenticate(*, username: str, password: str, address: str = "") -> User:
    """The account for a back-office sign-in (Django's authentication backends decide), with the same limits
    as ``account_authenticate``: failures are counted per account (or per name typed, when it matches none)
    and per IP address, in the same counters, so failures on either sign-in page add up for an account.

    Raises ``Throttled`` before checking the password once a limit is reached, and ``SignInFailed`` for a wrong
    name or password (or a locked account, which the backends refuse). Whether the account may use the back
    office is the caller's question. Logs failures and pauses with the account id and address, never the
    name typed (people type passwords into it) nor the password.
    """
    username = (username or "").strip()
    now = timezone.now()
    known = User.objects.filter(username=username).only("pk").first() if username else None
    account_keys = [_account_key(known) if known is not None else _name_key(username)]
    account_label = f"account {known.pk}" if known is not None else "an unknown name"
    wait = _sign_in_wait(account_keys=account_keys, address=address, now=now)
    if wait:
        logger.warning("staff sign-in paused for %s from %s (%s s left)", account_label, address or "-", wait)
        raise Throttled(
            _(
                "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút hoặc liên hệ quản trị hệ "
                "thống để đặt lại mật khẩu."
            )
            % {"minutes": math.ceil(wait / 60)},
            retry_after=wait,
        )
    user = authenticate(username=username, password=password) if username and password else None
    if user is None:
        _record_sign_in_failure(account_keys=account_keys, address=address, now=now)
        logger.warning("staff sign-in failed for %s from %s", account_label, address or "-")
        raise SignInFailed(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    _clear_sign_in_failures(user)
    logger.info("staff sign-in: account %s from %s", user.pk, address or "-")
    return user


def _account_key(user: User) -> str:
    return f"user:{user.pk}"


def _name_key(identifier: str) -> str:
    return f"name:{identifier.casefold()[:200]}"


def _sign_in_wait(*, account_keys: list[str], address: str, now: datetime) -> int:
    """Seconds until sign-in is allowed again for these accounts from this address (0: allowed now)."""
    window = timedelta(minutes=settings.MOTCUA_SIGN_IN_WINDOW_MINUTES)
    account_limit = settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT
    wait = max(_retry_after(Scope.SIGN_IN_ACCOUNT, key, account_limit, window, now) for key in account_keys)
    if address:
        address_limit = settings.MOTCUA_SIGN_IN_MAX_FAILURES_PER_ADDRESS
        wait = max(wait, _retry_after(Scope.SIGN_IN_ADDRESS, address, address_limit, window, now))
    return wait


def _record_sign_in_failure(*, account_keys: list[str], address: str, now: datetime) -> None:
    with transaction.atomic():
        for key in account_keys:
            _record(Scope.SIGN_IN_ACCOUNT, key, now)
        if address:
            _record(Scope.SIGN_IN_ADDRESS, address, now)


def _clear_sign_in_failures(user: User) -> None:
    ThrottleEvent.objects.filter(scope=Scope.SIGN_IN_ACCOUNT, key=_account_key(user)).delete()


def _retry_after(scope: str, key: str, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until one more ``scope`` event for ``key`` is allowed (0 when allowed now)."""
    times = list(
        ThrottleEvent.objects.filter(scope=scope, key=key[:255], created_at__gt=now - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + window - now).total_seconds()))


def _record(scope: str, key: str, now: datetime) -> None:
    ThrottleEvent.objects.create(scope=scope, key=key[:255], created_at=now)


def _check_code_sends(*, contact: Contact, address: str) -> None:
    """Refuse a code beyond the hourly limits per recipient and per address; counts the address's request."""
    now = timezone.now()
    hour = timedelta(hours=1)
    wait = _retry_after(
        Scope.CODE_SEND_RECIPIENT, contact.value, settings.MOTCUA_CODE_SENDS_PER_RECIPIENT_HOUR, hour, now
    )
    if address:
        wait = max(
            wait,
            _retry_after(
                Scope.CODE_SEND_ADDRESS, address, settings.MOTCUA_CODE_SENDS_PER_ADDRESS_HOUR, hour, now
            ),
        )
    if wait:
        raise Throttled(
            _("Đã gửi quá nhiều mã xác minh. Vui lòng thử lại sau %(minutes)s phút.")
            % {"minutes": math.ceil(wait / 60)},
            retry_after=wait,
        )
    if address:
        with transaction.atomic():  # counted even if the request fails afterwards
            _record(Scope.CODE_SEND_ADDRESS, address, now)


def account_records_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete counted events older than a day (past every window) and codes expired over 30 days ago."""
    now = now or timezone.now()
    events, _detail = ThrottleEvent.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    codes, _detail = VerificationCode.objects.filter(expires_at__lt=now - timedelta(days=30)).delete()
    return {"throttle_events": events, "verification_codes": codes}


# --- Password reset ----------------------------------------------------------------------------------------


def password_reset_start(*, identifier: str, address: str = "") -> VerificationCode | None:
    """Send a reset code to a verified phone or e-mail of a citizen or business account.

    Returns None when no such account exists: the page says the same thing in both cases.
    """
    contact = parse_contact(identifier)
    _check_code_sends(contact=contact, address=address)
    with transaction.atomic():
        user = selectors.user_with_verified_contact(contact)
        if user is None or user.kind not in APPLICANT_KINDS or not user.is_active:
            return None
        _void_codes(user=user, purpose=Purpose.PASSWORD_RESET)
        return _issue_code(user=user, purpose=Purpose.PASSWORD_RESET, contact=contact)


def password_reset_finish(*, token: str, code: str, new_password: str) -> User:
    """Set a new password with a reset code; the account's other sessions end (Django's session hash)."""
    pending = selectors.verification_get(token)
    if pending is not None and pending.purpose == Purpose.PASSWORD_RESET:
        _validate_password(new_password, pending.user)
    error: ApplicationError | None = None
    with transaction.atomic():
        verification, error = _consume_code(token=token, code=code, purposes=(Purpose.PASSWORD_RESET,))
        if error is None:
            user = User.objects.select_for_update().get(pk=verification.user_id)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            _clear_sign_in_failures(user)
    if error is not None:
        raise error
    logger.info("account %s: password reset with a code sent to %s", user.pk, mask(verification.recipient))
    return user


# --- Contact verification from the profile -----------------------------------------------------------------


def contact_verification_start(*, user: User, channel: str, address: str = "") -> VerificationCode:
    """Send a code to the profile's (not yet verified) phone (``sms``) or e-mail (``email``)."""
    if channel == VerificationCode.Channel.SMS:
        if user.phone_verified_at:
            raise Conflict(_("Số điện thoại đã được xác minh."), code="already_verified")
        contact = parse_contact(user.phone)
        if not contact.is_phone:
            raise ValidationFailed(_("Chỉ xác minh được số điện thoại di động."), code="invalid_contact")
    elif channel == VerificationCode.Channel.EMAIL:
        if user.email_verified_at:
            raise Conflict(_("Thư điện tử đã được xác minh."), code="already_verified")
        if not user.email:
            raise ValidationFailed(_("Hồ sơ chưa có địa chỉ thư điện tử."), code="invalid_contact")
        contact = parse_contact(user.email)
    else:
        raise ValidationFailed(_("Kênh xác minh không hợp lệ."), code="invalid_channel")
    _check_code_sends(contact=contact, address=address)
    with transaction.atomic():
        other = selectors.user_with_verified_contact(contact)
        if other is not None and other.pk != user.pk:
            raise Conflict(
                _("%(contact)s đã được xác minh cho một tài khoản khác.") % {"contact": contact.value},
                code="contact_taken",
            )
        _void_codes(user=user, purpose=Purpose.CONTACT)
        return _issue_code(user=user, purpose=Purpose.CONTACT, contact=contact)


def contact_verify(*, user: User, token: str, code: str) -> User:
    """Check a contact code of ``user``; the phone or e-mail it was sent to becomes verified."""
    error: ApplicationError | None = None
    with transaction.atomic():
        verification, error = _consume_code(token=token, code=code, purposes=(Purpose.CONTACT,), user=user)
        if error is None:
            user = User.objects.select_for_update().get(pk=user.pk)
            error = _mark_contact_verified(user, verification)
    if error is not None:
        raise error
    return user


# --- Profile -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileData:
    """What a person edits on the profile page. ``identity`` holds the identity fields given (``full_name``,
    ``identity_number``, ``birth_date``, ``sex``, ``organisation_name``); a VNeID-verified account has none."""

    address: str = ""
    phone: str = ""
    email: str = ""
    identity: dict = field(default_factory=dict)


VNEID_FIELDS = ("full_name", "identity_number", "birth_date", "sex", "organisation_name")


@transaction.atomic
def profile_update(*, user: User, data: ProfileData) -> User:
    """Save the profile. A changed phone or e-mail is no longer verified (until a code proves it again)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changes: dict = {
        "address": normalize_spaces(data.address)[:300],
        "phone": clean_phone(data.phone),
        "email": _clean_email(data.email),
    }
    unknown = set(data.identity) - set(VNEID_FIELDS)
    if unknown:
        raise ValueError(f"not profile identity fields: {sorted(unknown)}")
    given = {name: value if value is not None else "" for name, value in data.identity.items()}
    if "birth_date" in given:
        given["birth_date"] = given["birth_date"] or None
    if user.is_vneid_verified and any(value != getattr(user, name) for name, value in given.items()):
        raise PermissionDenied(
            _("Thông tin định danh đã được xác thực với VNeID nên không sửa được tại đây."),
            code="vneid_locked",
        )
    if not user.is_vneid_verified:
        changes.update(_identity_changes(user, given))
    if changes["phone"] != user.phone:
        user.phone_verified_at = None
    if changes["email"].lower() != user.email.lower():
        user.email_verified_at = None
    for name, value in changes.items():
        setattr(user, name, value)
    user.save()
    return user


def _clean_email(value: str) -> str:
    email = (value or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(_("Địa chỉ thư điện tử không hợp lệ."), code="invalid_email") from None
    return email


def _identity_changes(user: User, given: dict) -> dict:
    changes = dict(given)
    if "full_name" in changes:
        changes["full_name"] = normalize_spaces(changes["full_name"])[:200]
        if not changes["full_name"]:
            raise ValidationFailed(_("Vui lòng nhập họ và tên."), code="required")
    if "sex" in changes and changes["sex"] not in ("", *User.Sex.values):
        raise ValidationFailed(_("Giới tính không hợp lệ."), code="invalid_sex")
    number = changes.get("identity_number")
    if number:
        if user.kind == User.Kind.BUSINESS:
            changes["identity_number"] = validate_tax_code(number)
        else:
            personal = parse_personal_id(number)
            changes["identity_number"] = personal.number
            _check_identity_matches(
                personal,
                birth_date=changes.get("birth_date", user.birth_date),
                sex=changes.get("sex", user.sex),
            )
    birth_date = changes.get("birth_date")
    if birth_date and birth_date > timezone.localdate():
        raise ValidationFailed(_("Ngày sinh không được ở tương lai."), code="invalid_birth_date")
    return changes


def _check_identity_matches(personal, *, birth_date: date | None, sex: str) -> None:
    """A CCCD carries the birth year and sex (codes.md §6): they must agree with the profile."""
    if personal.birth_year is None:
        return
    if birth_date and birth_date.year != personal.birth_year:
        raise ValidationFailed(
            _("Năm sinh %(year)s không khớp với số định danh cá nhân (năm sinh %(id_year)s).")
            % {"year": birth_date.year, "id_year": personal.birth_year},
            code="identity_mismatch",
        )
    if sex and (sex == User.Sex.FEMALE) != personal.is_female:
        raise ValidationFailed(_("Giới tính không khớp với số định danh cá nhân."), code="identity_mismatch")


# --- National portal / VNeID -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedIdentity:
    """A person (or a business's representative) as the national portal / VNeID vouches for them."""

    subject: str  # "sub"
    kind: str  # User.Kind.CITIZEN (LoaiTaiKhoan 1) or BUSINESS (2)
    identity_number: str  # CCCD/CMND for a citizen, the tax code for a business
    full_name: str
    birth_date: date | None = None
    sex: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    organisation_name: str = ""
    tech_id: str = ""
    assurance_level: str = ""


def account_link_verified_identity(*, identity: VerifiedIdentity) -> User:
    """The local account of ``identity``, created or updated; username = identity number (or tax code).

    Linked, in this order, to: the account already verified with this identity number; else an unverified
    citizen/business account whose *username* is that number (made by staff or the demo; a self-registered
    account's username is its phone or e-mail, so a number merely typed into a profile never captures a
    VNeID identity); else a new account. Name, birth date, sex and identity number are overwritten from the
    provider on every sign-in; address, phone and e-mail only fill empty fields, as people edit them.
    """
    if identity.kind not in APPLICANT_KINDS or not identity.identity_number or not identity.subject:
        raise ValidationFailed(_("Thông tin định danh nhận được không đầy đủ."), code="incomplete_identity")
    number = identity.identity_number
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(identity_number=number, vneid_verified_at__isnull=False)
            .first()
        )
        if user is None:
            user = (
                User.objects.select_for_update()
                .filter(username=number, kind=identity.kind, vneid_verified_at__isnull=True)
                .exclude(Q(phone=number, phone_verified_at__isnull=False))
                .first()
            )
        if user is not None and user.kind != identity.kind:
            raise Conflict(
                _("Số định danh này đã gắn với một loại tài khoản khác. Vui lòng liên hệ Bộ phận Một cửa."),
                code="kind_mismatch",
            )
        created = user is None
        if created:
            user = User(username=_free_username(number), kind=identity.kind)
            user.set_unusable_password()
        elif not user.is_active:
            raise PermissionDenied(
                _("Tài khoản đã bị khóa. Vui lòng liên hệ Bộ phận Một cửa."), code="disabled"
            )
        now = timezone.now()
        user.identity_number = number
        user.full_name = identity.full_name[:200] or user.full_name
        user.birth_date = identity.birth_date or user.birth_date
        user.sex = identity.sex or user.sex
        if identity.kind == User.Kind.BUSINESS:
            user.organisation_name = identity.organisation_name[:300] or user.organisation_name
        user.address = user.address or identity.address[:300]
        user.phone = user.phone or identity.phone[:20]
        user.email = user.email or identity.email[:254]
        user.vneid_verified_at = user.vneid_verified_at or now
        user.vneid_subject = identity.subject[:255]
        user.vneid_tech_id = identity.tech_id[:64]
        user.vneid_assurance_level = identity.assurance_level[:16]
        user.save()
    logger.info("account %s %s from a VNeID sign-in", user.pk, "created" if created else "updated")
    return user
