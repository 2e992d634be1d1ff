"""The interactive docs work offline: Swagger UI comes from ninja's bundled files, never from a CDN."""

from __future__ import annotations

import json
import re

import pytest

from motcua.api.document import openapi_document

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)[\"']", re.IGNORECASE)


def test_docs_page_loads_every_script_and_style_from_this_server(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets), html
    assert any(url.endswith("swagger-ui.css") for url in assets), html
    outside = [url for url in assets if re.match(r"(?:https?:)?//", url)]
    assert outside == [], f"the docs page loads from outside hosts: {outside}"
    for url in assets:
        served = client.get(url)
        assert served.status_code == 200, url
        served.close()


def test_docs_page_turns_off_the_online_validator(client):
    html = client.get("/api/v1/docs").content.decode()
    settings_json = re.search(r'id="swagger-settings">(.*?)</script>', html, re.DOTALL).group(1)

    swagger = json.loads(settings_json)
    assert swagger["validatorUrl"] is None
    assert swagger["url"] == "/api/v1/openapi.json"


def test_served_openapi_document_is_the_generated_one(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json() == json.loads(openapi_document())


def test_error_responses_are_documented_as_problem_json(client):
    document = client.get("/api/v1/openapi.json").json()
    detail = document["paths"]["/api/v1/procedures/{code}"]["get"]["responses"]

    assert list(detail["404"]["content"]) == ["application/problem+json"]
    assert list(detail["200"]["content"]) == ["application/json"]
