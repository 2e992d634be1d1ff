"""Every error of API v1 answers application/problem+json, including ninja's and Django's own."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.core.errors import Conflict

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"].endswith(f"/problems/{code}")
    return body


def test_wrong_method_is_a_405_problem_keeping_the_allow_header(client):
    response = client.post("/api/v1/procedures")

    body = assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert body["title"] == "Phương thức không được hỗ trợ"
    assert body["detail"] == "Địa chỉ này không nhận phương thức POST; chỉ nhận GET."


@pytest.mark.parametrize("path", ["/api/v1/khong-co", "/api/v1/", "/api/v1/procedures/1.000001/cases"])
def test_unknown_path_is_a_404_problem(client, path):
    body = assert_problem(client.get(path), 404, "not_found")

    assert body["instance"] == path
    assert "/api/v1/docs" in body["detail"]


def test_domain_error_keeps_its_status_code_and_message(client, monkeypatch):
    def refuse(**kwargs):
        raise Conflict("Danh mục đang được cập nhật.")

    monkeypatch.setattr("motcua.api.routers.catalog.procedure_list", refuse)

    body = assert_problem(client.get("/api/v1/procedures"), 409, "conflict")
    assert body["title"] == "Xung đột dữ liệu"
    assert body["detail"] == "Danh mục đang được cập nhật."


def test_unexpected_error_is_a_500_problem_without_internals(monkeypatch, caplog):
    def crash(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("motcua.api.routers.agencies.agency_list", crash)

    response = Client(raise_request_exception=False).get("/api/v1/agencies")

    body = assert_problem(response, 500, "server_error")
    assert "secret internals" not in response.content.decode()
    assert body["detail"] == "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau."
    assert "secret internals" in caplog.text


def test_unexpected_error_reaches_the_test_client_like_any_django_error(client, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("motcua.api.routers.agencies.agency_list", crash)

    with pytest.raises(RuntimeError, match="boom"):
        client.get("/api/v1/agencies")
