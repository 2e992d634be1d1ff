"""The demo data files: consistent with each other and accepted by the catalog importer as they stand."""

from __future__ import annotations

import re

import pytest

from motcua.agencies.models import Agency, StaffRole, validate_agency_code
from motcua.catalog.importer import parse_package
from motcua.demo.services import VARIANTS, catalog_packages, demo_data, variant_spec

PACKAGES = demo_data("procedures")["packages"]


def test_the_data_says_the_codes_are_illustrative():
    for name in ("agencies", "procedures"):
        assert "minh họa" in demo_data(name)["_ghi_chu"]


def test_there_are_about_forty_procedures_with_unique_national_codes():
    codes = [package["MaTTHC"] for package in PACKAGES]
    assert len(codes) >= 40
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[12]\.\d{6}", code) for code in codes)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_package_parses_without_errors_or_warnings(variant):
    for package in catalog_packages(variant):
        parsed, errors, warnings = parse_package(package)
        assert (errors, warnings) == ([], []), package["MaTTHC"]
        assert parsed.cases and all(case.components for case in parsed.cases), package["MaTTHC"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_agency_named_by_a_package_exists_in_the_variant(variant):
    codes = {item["code"] for item in variant_spec(variant)["agencies"]}
    for package in catalog_packages(variant):
        for key in ("COQUANTHUCHIEN", "COQUANCOTHAMQUYEN", "COQUANPHOIHOP"):
            assert {entry["MADONVI"] for entry in package[key]} <= codes, (package["MaTTHC"], key)


@pytest.mark.parametrize("variant", VARIANTS)
def test_agency_codes_are_valid_and_tree_references_resolve(variant):
    spec = variant_spec(variant)
    codes = [item["code"] for item in spec["agencies"]]
    units = {item["code"] for item in spec["administrative_units"]}
    assert len(set(codes)) == len(codes)
    for item in spec["agencies"]:
        validate_agency_code(item["code"])
        validate_agency_code(item["code_qd20"])
        assert item["code"].endswith(".H42") and item["code_qd20"].startswith("H42")
        assert item["kind"] in Agency.Kind.values
        assert item["unit"] in units
        # Parents come first, so one pass creates the tree.
        assert item["parent"] is None or item["parent"] in codes[: codes.index(item["code"])]
    for unit in spec["one_stop_units"]:
        assert unit["agency"] in codes and set(unit["serves"]) <= set(codes)
    assert set(spec["staff_places"].values()) <= set(codes)
    assert set(spec.get("procedure_levels", {})) <= {package["MaTTHC"] for package in PACKAGES}


def test_every_form_named_by_a_component_has_its_fields():
    forms = demo_data("forms")["forms"]
    named = {
        item["TENMAUDON"]
        for package in PACKAGES
        for group in package["THANHPHANHOSO"]
        for item in group["GIAYTO"]
        if item["TENMAUDON"]
    }
    assert named and named <= set(forms)
    assert all(forms[name]["fields"] for name in named)


def test_accounts_cover_every_role_at_every_place_and_applicants_are_from_ha_tinh():
    accounts = demo_data("accounts")
    places = {(item["place"].replace("_one_stop", ""), item["role"]) for item in accounts["staff"]}
    assert places == {
        (place, role)
        for place in ("centre", "department_1", "department_2", "commune")
        for role in StaffRole.values
    }
    applicants = accounts["applicants"]
    assert {item["kind"] for item in applicants} == {"citizen", "business"}
    for item in applicants:
        assert re.fullmatch(r"042\d{9}", item["identity_number"])
        assert item["full_name"] and item["phone"] and item["address"]
