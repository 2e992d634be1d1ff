"""Mapping the DVCQG / VNeID claims (integration.md §4) to a verified identity."""

from __future__ import annotations

from datetime import date

import pytest

from motcua.accounts.oidc import OidcError, identity_from_claims, parse_claim_date, parse_claim_sex


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12/05/1985", date(1985, 5, 12)),
        ("1985-05-12", date(1985, 5, 12)),
        ("19850512", date(1985, 5, 12)),
        ("19850512000000", date(1985, 5, 12)),
        ("", None),
        ("31/02/1985", None),
        (None, None),
    ],
)
def test_birth_dates(value, expected):
    assert parse_claim_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", "male"), (1, "male"), ("Nam", "male"), ("2", "female"), ("Nữ", "female"), ("0", "")],
)
def test_sex(value, expected):
    assert parse_claim_sex(value) == expected


def test_citizen_with_a_legacy_card_and_an_address_object():
    identity = identity_from_claims(
        {
            "sub": "abc",
            "LoaiTaiKhoan": "1",
            "SoCMND": "186 123 456",
            "HoVaTen": "  Lê   Văn  Tám ",
            "ThuongTru": {"ChiTiet": "Xóm 2", "Xa": "Xã Thạch Hà", "Tinh": "Hà Tĩnh", "MaTinh": 42},
            "SoDienThoai": "+84 912 345 678",
            "ThuDienTu": "not-an-address",
            "TechID": "t-1",
            "loAs": 2,
        }
    )
    assert identity.kind == "citizen" and identity.identity_number == "186123456"
    assert identity.full_name == "Lê Văn Tám"
    assert identity.address == "Xóm 2, Xã Thạch Hà, Hà Tĩnh"
    assert (identity.phone, identity.email, identity.tech_id, identity.assurance_level) == (
        "0912345678",
        "",
        "t-1",
        "2",
    )


def test_business_uses_the_tax_code():
    identity = identity_from_claims(
        {
            "sub": "b",
            "LoaiTaiKhoan": 2,
            "MaSoThue": "0100109106",
            "TenDoanhNghiep": "Công ty A",
            "DiaChi": "Hà Nội",
        }
    )
    assert (identity.kind, identity.identity_number, identity.organisation_name, identity.address) == (
        "business",
        "0100109106",
        "Công ty A",
        "Hà Nội",
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "x", "LoaiTaiKhoan": 1},
        {"sub": "x", "LoaiTaiKhoan": 1, "SoDinhDanh": "0420850123"},
        {"sub": "x", "LoaiTaiKhoan": 2, "SoDinhDanh": "042085012345"},
    ],
)
def test_an_account_without_a_usable_number_is_refused(claims):
    with pytest.raises(OidcError) as error:
        identity_from_claims(claims)
    assert error.value.code == "identity_missing"
