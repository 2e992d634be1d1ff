"""HTML templates to PDF with WeasyPrint.

The forms are rendered in Vietnamese whatever the page language (they are official documents), with the
project's fonts (Liberation Serif, metric-compatible with Times New Roman; DejaVu Serif as fallback). The
renderer fetches nothing: a template that points at an outside resource fails instead of calling out
(``core.pdf``, shared with the payments app's receipts).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from motcua.core.pdf import RenderingError, html_to_pdf

from .formats import OFFICIAL_LANGUAGE

__all__ = ["RenderingError", "html_to_pdf", "render_html", "render_pdf"]


def render_html(template: str, context: dict) -> str:
    with translation.override(OFFICIAL_LANGUAGE):
        return render_to_string(template, context)


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_html(template, context))
