"""docs/workflow.md lists every transition and embeds the current table and diagram."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from motcua.dossiers.workflow import GUARDS, TRANSITIONS_LIST, render_markdown_table, render_mermaid

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"
REFRESH = "refresh it with the command given in docs/workflow.md §3"


def _block(text: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->\n", f"\n<!-- {name}:end -->"
    return text[text.index(start) + len(start) : text.index(end)]


def test_every_transition_and_guard_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for transition in TRANSITIONS_LIST:
        assert f"`{transition.name}`" in text, transition.name
    for guard in GUARDS:
        assert f"`{guard}`" in text, guard


def test_the_embedded_table_and_diagram_are_current():
    text = DOC.read_text(encoding="utf-8")
    with translation.override("vi"):
        assert _block(text, "transitions") == render_markdown_table(), REFRESH
        assert _block(text, "diagram") == f"```mermaid\n{render_mermaid()}\n```", REFRESH
