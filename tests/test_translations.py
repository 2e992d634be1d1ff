"""The English catalog translates every message of the product, and the committed .mo matches it."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import motcua

PO = Path(motcua.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$')


def _entries():
    """Yield (fields, fuzzy) for each message of the .po, header and obsolete entries left out."""
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = FIELD.match(line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            yield fields, "#, fuzzy" in block


def test_catalog_has_messages():
    assert sum(1 for _ in _entries()) > 2000


def test_every_message_has_a_checked_english_translation():
    missing = [
        fields["msgid"]
        for fields, fuzzy in _entries()
        if fuzzy or not all(value for key, value in fields.items() if key.startswith("msgstr"))
    ]
    assert not missing, f"translate these in {PO.name} (no fuzzy flags), then compilemessages: {missing[:20]}"


def test_compiled_catalog_matches_every_message():
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for fields, _fuzzy in _entries():
        if "msgid_plural" in fields:
            pairs = [
                (compiled.ngettext(fields["msgid"], fields["msgid_plural"], 1), fields["msgstr[0]"]),
                (compiled.ngettext(fields["msgid"], fields["msgid_plural"], 2), fields["msgstr[1]"]),
            ]
        elif "msgctxt" in fields:
            pairs = [(compiled.pgettext(fields["msgctxt"], fields["msgid"]), fields["msgstr"])]
        else:
            pairs = [(compiled.gettext(fields["msgid"]), fields["msgstr"])]
        if any(got != want for got, want in pairs):
            stale.append(fields["msgid"])
    assert not stale, f"run compilemessages: the .mo is older than the .po for {stale[:20]}"
