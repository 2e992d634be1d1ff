"""Identity numbers, tax codes and phone numbers (codes.md §6)."""

from __future__ import annotations

import pytest
import time_machine

from motcua.core.errors import ValidationFailed
from motcua.core.identity import clean_phone, normalise_mobile, parse_personal_id, validate_tax_code


def test_cccd_carries_province_century_sex_and_year():
    person = parse_personal_id(" 042 192 034567 ")
    assert (person.number, person.kind, person.province_code) == ("042192034567", "cccd", "042")
    assert (person.birth_year, person.is_female, person.national_type) == (1992, True, 1)
    assert parse_personal_id("001305001234").birth_year == 2005


def test_cmnd_has_nine_digits():
    assert parse_personal_id("186123456").national_type == 2


@time_machine.travel("2026-06-01")
@pytest.mark.parametrize("value", ["", "12345", "0420850123456", "04208501234a", "042230012345"])
def test_bad_personal_ids(value):
    with pytest.raises(ValidationFailed):
        parse_personal_id(value)


@pytest.mark.parametrize("value", ["0100109106", "0100109106-001", "0100109106001"])
def test_tax_codes(value):
    assert validate_tax_code(value) == value


def test_bad_tax_code():
    with pytest.raises(ValidationFailed):
        validate_tax_code("01001091")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("02393000999", None),
        ("0212345678", None),
        ("", None),
    ],
)
def test_mobile_numbers(value, expected):
    assert normalise_mobile(value) == expected


def test_phone_numbers_accept_landlines():
    assert clean_phone("0239 3000 999") == "02393000999"
    assert clean_phone("") == ""
    with pytest.raises(ValidationFailed):
        clean_phone("12ab")
