"""Fixtures of the portal tests: the public catalog of catalog_data, and many procedures for paging."""

from __future__ import annotations

import pytest

from .catalog_data import build_public_catalog, make_agency, make_field, make_procedure


@pytest.fixture
def catalog(db):
    return build_public_catalog()


@pytest.fixture
def many_procedures(db):
    """45 published procedures of one field and agency, for paging and query counts."""
    field = make_field("G01-TEST", "Lĩnh vực thử")
    agency = make_agency("000.00.99.H42", "Sở Thử nghiệm")
    for number in range(45):
        make_procedure(
            f"3.{number:06d}", f"Thủ tục thử số {number:02d}", field=field, agency=agency, at_province=True
        )
    return {"field": field, "agency": agency}
