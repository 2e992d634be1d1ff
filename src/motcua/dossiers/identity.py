"""Applicant identity numbers (codes.md §6): format checks only, there is no official check digit.

* citizens: a 12-digit personal identification number (CCCD) whose first three digits are the province of
  birth registration, the 4th the century and sex (even male, odd female; 0–1 → 1900s, 2–3 → 2000s, …) and
  the 5th–6th the birth year; or a legacy 9-digit identity card (CMND);
* businesses: a 10-digit tax code, a 13-digit one, or a 10-digit one with a "-NNN" branch suffix;
* organisations: the same tax-code format when a number is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ValidationFailed


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp")
    ORGANISATION = "organisation", _("Tổ chức")


# LoaiDoiTuong in the DVCQG sync: 1 citizen, 2 enterprise, 4 organisation / other.
APPLICANT_KIND_NATIONAL_CODES = {
    ApplicantKind.CITIZEN: 1,
    ApplicantKind.BUSINESS: 2,
    ApplicantKind.ORGANISATION: 4,
}

_CCCD = re.compile(r"^\d{12}$")
_CMND = re.compile(r"^\d{9}$")
_TAX_CODE = re.compile(r"^\d{10}(?:\d{3}|-\d{3})?$")
_PHONE = re.compile(r"^(?:\+84|84|0)\d{9,10}$")


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
    return "".join((value or "").split())


def parse_personal_id(value: str) -> PersonalId:
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
    number = clean_number(value)
    if not _TAX_CODE.match(number):
        raise ValidationFailed(
            gettext(
                "Mã số thuế phải gồm 10 chữ số, 13 chữ số hoặc 10 chữ số kèm “-” và 3 chữ số đơn vị phụ thuộc."
            ),
            code="invalid_tax_code",
        )
    return number


def clean_identity_number(kind: str, value: str) -> str:
    """The normalised identity number for ``kind``; raises ValidationFailed with a Vietnamese message."""
    number = clean_number(value)
    if kind == ApplicantKind.CITIZEN:
        if not number:
            raise ValidationFailed(
                gettext("Vui lòng nhập số định danh cá nhân của chủ hồ sơ."), code="required"
            )
        return parse_personal_id(number).number
    if kind == ApplicantKind.BUSINESS:
        if not number:
            raise ValidationFailed(gettext("Vui lòng nhập mã số thuế của doanh nghiệp."), code="required")
        return validate_tax_code(number)
    if kind == ApplicantKind.ORGANISATION:
        return validate_tax_code(number) if number else ""
    raise ValidationFailed(gettext("Loại chủ hồ sơ không hợp lệ."), code="invalid_applicant_kind")


def clean_phone(value: str) -> str:
    phone = re.sub(r"[\s.\-()]", "", value or "")
    if phone and not _PHONE.match(phone):
        raise ValidationFailed(
            gettext("Số điện thoại “%(value)s” không hợp lệ.") % {"value": value}, code="invalid_phone"
        )
    return phone


def validate_phone(value: str) -> None:
    """Model-field validator form of :func:`clean_phone`."""
    try:
        clean_phone(value)
    except ValidationFailed as error:
        raise ValidationError(error.message, code=error.code) from error
