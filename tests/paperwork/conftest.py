"""The dossier tests' small province (a service centre receiving for two departments, their staff, a citizen,
a published procedure, the clock frozen on Monday 02/03/2026 09:00) and helpers to read PDFs back."""

from __future__ import annotations

import io

import pytest
from dossiers.conftest import VN, World, at, clock, pdf, world  # noqa: F401  (fixtures re-used)
from pypdf import PdfReader

A5 = (419.53, 595.28)  # 148 × 210 mm in points
A4 = (595.28, 841.89)


def pdf_text(data: bytes) -> str:
    """All text of the PDF, whitespace collapsed (line breaks fall where the layout puts them)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    reader = PdfReader(io.BytesIO(data))
    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages]


def link_uris(data: bytes) -> list[set[str]]:
    """For each page, the URIs its link annotations open."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        uris = set()
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and action.get("/URI"):
                uris.add(str(action["/URI"]))
        pages.append(uris)
    return pages


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
