"""A phone number or e-mail address typed as a sign-in name: which channel reaches it, and masked forms."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed
from motcua.core.identity import normalise_mobile

from .models import VerificationCode

Channel = VerificationCode.Channel


@dataclass(frozen=True)
class Contact:
    channel: str  # VerificationCode.Channel: "sms" for a phone, "email" for an address
    value: str  # national mobile form "0912345678", or the address in lower case

    @property
    def is_phone(self) -> bool:
        return self.channel == Channel.SMS

    @property
    def masked(self) -> str:
        return mask(self.value)


def parse_contact(value: str) -> Contact:
    """Read a mobile number or an e-mail address; raises ``ValidationFailed`` for anything else."""
    value = (value or "").strip()
    if "@" in value:
        email = value.lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(_("Địa chỉ thư điện tử không hợp lệ."), code="invalid_email") from None
        return Contact(Channel.EMAIL, email)
    phone = normalise_mobile(value)
    if phone is None:
        raise ValidationFailed(
            _("Nhập số điện thoại di động (ví dụ 0912345678) hoặc địa chỉ thư điện tử."),
            code="invalid_contact",
        )
    return Contact(Channel.SMS, phone)


def mask(value: str) -> str:
    """Hide most of a phone number or address for pages and logs: 091*****78, a***@example.vn."""
    if "@" in value:
        local, _at, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(value) <= 5:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 5)}{value[-2:]}"
