"""Vietnamese text helpers: diacritic-free, case-free forms for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z.]+")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics: "Đăng ký KHAI SINH" -> "dang ky khai sinh"."""
    text = (text or "").replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", stripped.lower())).strip()


def search_terms(query: str) -> list[str]:
    """Split a search query into folded terms, dropping empties and duplicates (order kept)."""
    seen: dict[str, None] = {}
    for term in fold(query).split(" "):
        if term:
            seen.setdefault(term, None)
    return list(seen)


def normalize_spaces(text: str) -> str:
    return " ".join((text or "").split())
