"""Identity numbers and mobile numbers (codes.md §6): format checks only, there is no official check digit.

* a personal identification number (CCCD, số định danh cá nhân) has 12 digits: the first three are the
  province of birth registration, the 4th the century and sex (even male, odd female; 0–1 → 1900s,
  2–3 → 2000s, …), the 5th–6th the last digits of the birth year; a legacy identity card (CMND) has 9;
* a business's tax code (mã số thuế / mã số doanh nghiệp) has 10 digits, 13, or 10 with a "-NNN" branch
  suffix.

Shared by accounts (profiles, VNeID sign-in) and anything above it; no domain knowledge here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext

from .errors import ValidationFailed

_CCCD = re.compile(r"^\d{12}$")
_CMND = re.compile(r"^\d{9}$")
_TAX_CODE = re.compile(r"^\d{10}(?:\d{3}|-\d{3})?$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VN_MOBILE = re.compile(r"^0[35789]\d{8}$")  # mobile prefixes since the 2018 renumbering


@dataclass(frozen=True)
class PersonalId:
    number: str
    kind: str  # "cccd" | "cmnd"
    birth_year: int | None = None
    is_female: bool | None = None
    province_code: str = ""

    @property
    def national_type(self) -> int:
        """LoaiDinhDanh: 1 for a 12-digit CCCD, 2 for a 9-digit CMND."""
        return 1 if self.kind == "cccd" else 2


def clean_number(value: str) -> str:
    """``value`` without any white space."""
    return "".join((value or "").split())


def parse_personal_id(value: str) -> PersonalId:
    """Read a CCCD or CMND number; raises ``ValidationFailed`` with a Vietnamese message."""
    number = clean_number(value)
    if _CMND.match(number):
        return PersonalId(number=number, kind="cmnd")
    if not _CCCD.match(number):
        raise ValidationFailed(
            gettext("Số định danh cá nhân phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)."),
            code="invalid_identity_number",
        )
    century_digit = int(number[3])
    birth_year = 1900 + (century_digit // 2) * 100 + int(number[4:6])
    if birth_year > timezone.localdate().year:
        raise ValidationFailed(
            gettext(
                "Số định danh cá nhân không hợp lệ: chữ số thứ 4 và 5–6 cho năm sinh %(year)s ở tương lai."
            )
            % {"year": birth_year},
            code="invalid_identity_number",
        )
    return PersonalId(
        number=number,
        kind="cccd",
        birth_year=birth_year,
        is_female=bool(century_digit % 2),
        province_code=number[:3],
    )


def validate_tax_code(value: str) -> str:
    """The tax code without spaces; raises ``ValidationFailed`` with a Vietnamese message."""
    number = clean_number(value)
    if not _TAX_CODE.match(number):
        raise ValidationFailed(
            gettext(
                "Mã số thuế phải gồm 10 chữ số, 13 chữ số hoặc 10 chữ số kèm “-” và 3 chữ số đơn vị phụ thuộc."
            ),
            code="invalid_tax_code",
        )
    return number


def normalise_mobile(value: str) -> str | None:
    """A Vietnamese mobile number in national form ("+84 912.345.678" -> "0912345678"); None if not one."""
    digits = _PHONE_SEPARATORS.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _VN_MOBILE.match(digits) else None


_PHONE = re.compile(r"^(?:\+84|84|0)\d{9,10}$")


def clean_phone(value: str) -> str:
    """A Vietnamese phone number (mobile or landline) without separators; "" stays ""."""
    phone = _PHONE_SEPARATORS.sub("", value or "")
    if phone and not _PHONE.match(phone):
        raise ValidationFailed(
            gettext("Số điện thoại “%(value)s” không hợp lệ.") % {"value": value}, code="invalid_phone"
        )
    return phone
