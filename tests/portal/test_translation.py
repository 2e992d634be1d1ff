"""The English catalog covers every string of the public pages (portal/ and the shared templates/)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import motcua

PO = Path(motcua.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
PUBLIC = ("portal/", "templates/")


def _entries(text: str):
    for block in text.split("\n\n"):
        refs = " ".join(line[3:] for line in block.splitlines() if line.startswith("#: "))
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            yield refs, fields, "#, fuzzy" in block


def test_every_public_page_string_has_an_english_translation():
    missing = []
    for refs, fields, fuzzy in _entries(PO.read_text(encoding="utf-8")):
        if not any(ref.startswith(PUBLIC) for ref in refs.split()):
            continue
        translations = [value for key, value in fields.items() if key.startswith("msgstr")]
        if fuzzy or not all(translations):
            missing.append(fields["msgid"])
    assert not missing, f"translate these in {PO.name} and run compilemessages: {missing}"


def test_compiled_catalog_matches_the_po():
    """The committed .mo was compiled from the current .po (run compilemessages after editing it)."""
    import gettext

    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for refs, fields, fuzzy in _entries(PO.read_text(encoding="utf-8")):
        if fuzzy or not any(ref.startswith(PUBLIC) for ref in refs.split()) or "msgid_plural" in fields:
            continue
        if "msgctxt" in fields:
            found = compiled.pgettext(fields["msgctxt"], fields["msgid"])
        else:
            found = compiled.gettext(fields["msgid"])
        if found != fields["msgstr"]:
            stale.append(fields["msgid"])
    assert not stale, f"django.mo is out of date for: {stale}"
