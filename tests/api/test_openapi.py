"""The committed OpenAPI document (src/motcua/api/openapi.json) matches the code, and the command that keeps it."""

from __future__ import annotations

import difflib
import json

import pytest
from django.core.management import CommandError, call_command

from motcua.api import document


def test_committed_openapi_document_matches_the_code():
    generated = document.openapi_document()
    committed = document.committed_document()

    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "openapi.json (committed)",
                    "openapi.json (from the code)",
                )
            )[:60]
        )
        pytest.fail(
            f"src/motcua/api/openapi.json is out of date: run `{document.REGENERATE_COMMAND}` and commit it.\n{diff}"
        )


def test_document_is_stable_sorted_and_pretty_printed():
    text = document.openapi_document()

    assert text == document.openapi_document()
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "Tra cứu thủ tục hành chính" in text  # Vietnamese kept readable, not \u-escaped


def test_document_lists_the_public_endpoints():
    paths = json.loads(document.openapi_document())["paths"]

    assert {"/api/v1/procedures", "/api/v1/procedures/{code}", "/api/v1/agencies", "/api/v1/health"} <= set(
        paths
    )


def test_check_passes_then_fails_when_the_file_drifts(tmp_path, monkeypatch, capsys):
    path = tmp_path / "openapi.json"
    monkeypatch.setattr(document, "DOCUMENT_PATH", path)

    call_command("openapi", write=True)
    assert path.read_text(encoding="utf-8") == document.openapi_document()
    call_command("openapi", check=True)
    assert "khớp" in capsys.readouterr().out

    path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="motcua openapi --write"):
        call_command("openapi", check=True)


def test_without_options_the_document_goes_to_standard_output(capsys):
    call_command("openapi")

    assert capsys.readouterr().out == document.openapi_document()


def test_write_and_check_together_are_refused():
    with pytest.raises(CommandError):
        call_command("openapi", write=True, check=True)
