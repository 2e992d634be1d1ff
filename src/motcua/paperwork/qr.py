"""The QR code on Mẫu 01: it opens the public lookup page of the dossier (forms.md §1, "Practice")."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings

LOOKUP_PATH = "/tra-cuu/"


def lookup_url(code: str) -> str:
    """``{SITE_URL}/tra-cuu/?ma=<code>``: the portal's lookup page with the dossier code filled in."""
    return f"{settings.SITE_URL.rstrip('/')}{LOOKUP_PATH}?{urlencode({'ma': code})}"


def qr_svg(data: str) -> str:
    """An inline SVG QR code (error correction M, 2-module quiet zone) that scales to its CSS box."""
    return segno.make(data, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None
    )
