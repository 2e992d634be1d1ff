"""Applicant identity numbers (codes.md §6): format checks only, there is no official check digit.

* citizens: a 12-digit personal identification number (CCCD) whose first three digits are the province of
  birth registration, the 4th the century and sex (even male, odd female; 0–1 → 1900s, 2–3 → 2000s, …) and
  the 5th–6th the birth year; or a legacy 9-digit identity card (CMND);
* businesses: a 10-digit tax code, a 13-digit one, or a 10-digit one with a "-NNN" branch suffix;
* organisations: the same tax-code format when a number is given.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ValidationFailed
from motcua.core.identity import (  # noqa: F401 - re-exported for the dossier app's callers
    PersonalId,
    clean_number,
    clean_phone,
    parse_personal_id,
    validate_tax_code,
)


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


def validate_phone(value: str) -> None:
    """Model-field validator form of :func:`clean_phone`."""
    try:
        clean_phone(value)
    except ValidationFailed as error:
        raise ValidationError(error.message, code=error.code) from error
