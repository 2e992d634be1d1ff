"""The committed OpenAPI document of API v1 (``openapi.json`` next to this file) and how it is generated."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder

DOCUMENT_PATH = Path(__file__).resolve().with_name("openapi.json")
REGENERATE_COMMAND = "motcua openapi --write"


def openapi_document() -> str:
    """The OpenAPI document the code describes now: pretty-printed, keys sorted, so diffs stay readable."""
    from motcua.api.v1 import api

    schema = api.get_openapi_schema()
    return json.dumps(schema, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def committed_document() -> str:
    return DOCUMENT_PATH.read_text(encoding="utf-8") if DOCUMENT_PATH.exists() else ""
