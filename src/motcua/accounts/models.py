"""Accounts: the people who sign in, the one-time codes that prove a phone or e-mail, sign-in throttling."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Any person who signs in: citizen, business representative or staff member.

    ``phone_verified_at`` / ``email_verified_at`` are set when the person typed the code we sent there; only a
    verified phone or e-mail signs in and receives password-reset codes, and each belongs to one account.
    ``vneid_verified_at`` is set when the identity came from the national portal / VNeID (TaiKhoanDuocXac-
    ThucVoiVNeID); the identity number, name, birth date and sex are then the provider's and read-only here.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Công dân")
        BUSINESS = "business", _("Doanh nghiệp, tổ chức")
        STAFF = "staff", _("Cán bộ, công chức")

    class Sex(models.TextChoices):
        MALE = "male", _("Nam")
        FEMALE = "female", _("Nữ")

    kind = models.CharField(_("loại tài khoản"), max_length=16, choices=Kind.choices, default=Kind.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True, db_index=True)
    identity_number = models.CharField(_("số định danh"), max_length=20, blank=True, db_index=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    sex = models.CharField(_("giới tính"), max_length=8, choices=Sex.choices, blank=True)
    organisation_name = models.CharField(
        _("tên doanh nghiệp, tổ chức"), max_length=300, blank=True, help_text=_("Tài khoản doanh nghiệp.")
    )
    phone_verified_at = models.DateTimeField(_("xác minh số điện thoại lúc"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("xác minh thư điện tử lúc"), null=True, blank=True)
    vneid_verified_at = models.DateTimeField(_("xác thực với VNeID lúc"), null=True, blank=True)
    vneid_subject = models.CharField(_("mã tài khoản (sub) ở Cổng quốc gia"), max_length=255, blank=True)
    vneid_tech_id = models.CharField(
        _("TechID"), max_length=64, blank=True, db_index=True, help_text=_("Gửi kèm hồ sơ làm MaDoiTuong.")
    )
    vneid_assurance_level = models.CharField(_("mức độ bảo đảm (loAs)"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(phone_verified_at__isnull=False),
                name="user_verified_phone_unique",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(email_verified_at__isnull=False),
                name="user_verified_email_unique",
            ),
            models.UniqueConstraint(
                fields=["identity_number"],
                condition=Q(vneid_verified_at__isnull=False),
                name="user_vneid_identity_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_vneid_verified(self) -> bool:
        return self.vneid_verified_at is not None

    @property
    def is_applicant(self) -> bool:
        """Citizens and businesses (not staff): the portal's own accounts."""
        return self.kind in (self.Kind.CITIZEN, self.Kind.BUSINESS)


class VerificationCode(models.Model):
    """A 6-digit code sent by SMS or e-mail to prove a phone number or an e-mail address.

    Only an HMAC of the code is kept. A code has a short life, a few attempts, and can be sent again after a
    cooldown (a new code replaces the old one). ``token`` is the handle the pages keep in the session.
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Kích hoạt tài khoản")
        PASSWORD_RESET = "password_reset", _("Đặt lại mật khẩu")
        CONTACT = "contact", _("Xác minh số điện thoại, thư điện tử")

    class Channel(models.TextChoices):
        SMS = "sms", _("Tin nhắn SMS")
        EMAIL = "email", _("Thư điện tử")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, verbose_name=_("tài khoản"), on_delete=models.CASCADE, related_name="verification_codes"
    )
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("gửi tới"), max_length=254)
    code_hash = models.CharField(max_length=64, editable=False)
    sent_count = models.PositiveSmallIntegerField(_("số lần gửi"), default=1)
    sent_at = models.DateTimeField(_("gửi lần cuối lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    failed_attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("mã xác minh")
        verbose_name_plural = _("mã xác minh")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.recipient}"


class ThrottleEvent(models.Model):
    """One counted event (a failed sign-in, a code sent) for rate limits over a sliding window."""

    class Scope(models.TextChoices):
        SIGN_IN_ACCOUNT = "sign_in_account", _("Đăng nhập sai theo tài khoản")
        SIGN_IN_ADDRESS = "sign_in_address", _("Đăng nhập sai theo địa chỉ IP")
        CODE_SEND_ADDRESS = "code_send_address", _("Gửi mã theo địa chỉ IP")
        CODE_SEND_RECIPIENT = "code_send_recipient", _("Gửi mã theo người nhận")

    scope = models.CharField(max_length=24, choices=Scope.choices)
    key = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sự kiện giới hạn tần suất")
        verbose_name_plural = _("sự kiện giới hạn tần suất")
        indexes = [models.Index(fields=["scope", "key", "created_at"], name="throttle_window_idx")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} · {self.key}"
