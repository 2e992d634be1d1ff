"""HTML templates to PDF with WeasyPrint.

The forms are rendered in Vietnamese whatever the page language (they are official documents), with the
project's fonts (Liberation Serif, metric-compatible with Times New Roman; DejaVu Serif as fallback). The
renderer fetches nothing: a template that points at an outside resource fails instead of calling out.
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils import translation

from .formats import OFFICIAL_LANGUAGE

# WeasyPrint logs every layout step at INFO; keep its warnings (missing glyphs, bad CSS) only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class RenderingError(Exception):
    """A form template tried to load an outside resource."""


def _refuse(url: str, *args, **kwargs):
    raise RenderingError(f"paperwork templates load no outside resources: {url[:80]}")


def _url_fetcher():
    try:  # recent WeasyPrint versions take a fetcher object, older ones a function
        from weasyprint.urls import URLFetcher
    except ImportError:  # pragma: no cover - depends on the installed WeasyPrint
        return _refuse

    class _NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            _refuse(url)

    return _NoFetching(fail_on_errors=True)


def render_html(template: str, context: dict) -> str:
    with translation.override(OFFICIAL_LANGUAGE):
        return render_to_string(template, context)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported on first use: loading it costs a noticeable time at start-up

    try:
        from weasyprint.urls import FatalURLFetchingError  # a BaseException in recent versions
    except ImportError:  # pragma: no cover - older WeasyPrint raises our error directly
        FatalURLFetchingError = RenderingError
    try:
        return HTML(string=html, url_fetcher=_url_fetcher()).write_pdf()
    except FatalURLFetchingError as error:
        raise RenderingError(str(error)) from error


def render_pdf(template: str, context: dict) -> bytes:
    return html_to_pdf(render_html(template, context))
