"""Applicant identity numbers (no checksum) and dossier / result codes."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from factories import AgencyFactory

from motcua.core.errors import ValidationFailed
from motcua.dossiers.codes import (
    format_dossier_code,
    format_result_code,
    next_dossier_code,
    split_dossier_code,
)
from motcua.dossiers.identity import (
    ApplicantKind,
    clean_identity_number,
    clean_phone,
    parse_personal_id,
    validate_tax_code,
)


@pytest.mark.parametrize(
    ("number", "year", "female"),
    [
        ("001090012345", 1990, False),
        ("038150000001", 1950, True),
        ("079203000123", 2003, False),
        ("042300001234", 2000, True),
    ],
)
def test_cccd_gives_birth_century_and_sex(number, year, female):
    parsed = parse_personal_id(number)
    assert (parsed.kind, parsed.birth_year, parsed.is_female) == ("cccd", year, female)
    assert parsed.national_type == 1
    assert parsed.province_code == number[:3]


def test_legacy_cmnd_and_no_checksum():
    assert parse_personal_id("123456789").national_type == 2
    # Any 12 digits with a plausible birth year pass: there is no official check digit.
    assert parse_personal_id("999099999999").birth_year == 1999


@pytest.mark.parametrize("number", ["12345678", "0420900012345", "04209000123A", "042499001234", ""])
def test_invalid_personal_ids(number):
    with pytest.raises(ValidationFailed):
        clean_identity_number(ApplicantKind.CITIZEN, number)


@pytest.mark.parametrize("number", ["0101234567", "0101234567001", "0101234567-001", " 0101 234 567 "])
def test_tax_codes(number):
    assert validate_tax_code(number) == "".join(number.split())


@pytest.mark.parametrize("number", ["010123456", "0101234567-01", "0101234567/001", "01012345670012"])
def test_invalid_tax_codes(number):
    with pytest.raises(ValidationFailed):
        clean_identity_number(ApplicantKind.BUSINESS, number)


def test_organisations_may_omit_the_number():
    assert clean_identity_number(ApplicantKind.ORGANISATION, "") == ""
    assert clean_identity_number(ApplicantKind.ORGANISATION, "0101234567") == "0101234567"
    with pytest.raises(ValidationFailed):
        clean_identity_number(ApplicantKind.BUSINESS, "")


def test_phone_numbers():
    assert clean_phone("0912 345 678") == "0912345678"
    assert clean_phone("+84 912.345.678") == "+84912345678"
    assert clean_phone("") == ""
    with pytest.raises(ValidationFailed):
        clean_phone("12345")


def test_code_format_and_split():
    code = format_dossier_code(agency_code="000.00.12.H42", day=date(2026, 3, 2), number=7)
    assert code == "000.00.12.H42-260302-0007"
    assert split_dossier_code(code) == ("000.00.12.H42", "260302", "0007")
    assert split_dossier_code("H42.14-260302-0001") == ("H42.14", "260302", "0001")
    assert format_result_code(dossier_code=code, number=2) == "000.00.12.H42-260302-0007-KQ2"


@pytest.mark.django_db
def test_counter_is_per_agency_and_per_day(settings):
    first, second = AgencyFactory(), AgencyFactory()
    day = date(2026, 3, 2)
    with transaction.atomic():
        codes = [next_dossier_code(agency=first, day=day) for _ in range(3)]
        other = next_dossier_code(agency=second, day=day)
        tomorrow = next_dossier_code(agency=first, day=date(2026, 3, 3))
    assert [split_dossier_code(c)[2] for c in codes] == ["0001", "0002", "0003"]
    assert other.endswith("-260302-0001") and other.startswith(second.code)
    assert tomorrow.endswith("-260303-0001")
    settings.MOTCUA_DOSSIER_CODE_START = 500
    with transaction.atomic():
        assert next_dossier_code(agency=second, day=date(2026, 3, 4)).endswith("-0500")


@pytest.mark.django_db(transaction=True)
def test_codes_are_taken_inside_a_transaction():
    with pytest.raises(RuntimeError):
        next_dossier_code(agency=AgencyFactory(), day=date(2026, 3, 2))
