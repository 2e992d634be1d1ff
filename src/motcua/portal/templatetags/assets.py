"""``{% asset "motcua/site.css" %}``: a static URL with a content hash, so browsers may cache it for long.

Static files are served with a max-age (WHITENOISE_MAX_AGE); the ``?v=`` hash changes as soon as the file
does, so a new release never shows a stale style sheet.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static

register = template.Library()


@lru_cache(maxsize=64)
def _content_hash(path: str) -> str:
    found = finders.find(path)
    if not found:
        return ""
    with open(found, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def asset_url(path: str) -> str:
    url = static(path)
    digest = _content_hash(path) if not settings.DEBUG else ""
    return f"{url}?v={digest}" if digest else url


@register.simple_tag
def asset(path: str) -> str:
    return asset_url(path)
