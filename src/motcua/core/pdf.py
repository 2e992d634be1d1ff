"""HTML to PDF with WeasyPrint, fetching nothing: a document that points at an outside resource fails instead
of calling out. Shared by the apps that print documents (paperwork's forms, payments' receipts); fonts are
the system's Liberation Serif (metric-compatible with Times New Roman) with DejaVu Serif as fallback, named in
each template's CSS.
"""

from __future__ import annotations

import logging

# WeasyPrint logs every layout step at INFO; keep its warnings (missing glyphs, bad CSS) only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class RenderingError(Exception):
    """A document tried to load an outside resource."""


def _refuse(url: str, *args, **kwargs):
    raise RenderingError(f"documents load no outside resources: {url[:80]}")


def _url_fetcher():
    try:  # recent WeasyPrint versions take a fetcher object, older ones a function
        from weasyprint.urls import URLFetcher
    except ImportError:  # pragma: no cover - depends on the installed WeasyPrint
        return _refuse

    class _NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            _refuse(url)

    return _NoFetching(fail_on_errors=True)


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
