"""Every account page: Vietnamese, labelled controls, no script, light enough for a slow phone."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/dang-ky/",
    "/dang-nhap/",
    "/quen-mat-khau/",
    "/da-dang-xuat/",
    "/het-phien/",
]


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.label_for, self.controls, self.h1, self.scripts = set(), set(), [], 0, 0
        self.describedby: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"])
        if tag in {"input", "select", "textarea"} and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id"))
        if attrs.get("aria-describedby"):
            self.describedby += attrs["aria-describedby"].split()
        self.h1 += tag == "h1"
        self.scripts += tag == "script"


def check_page(client, response):
    assert response.status_code == 200
    html = response.content.decode()
    parser = Collector()
    parser.feed(html)
    assert '<html lang="vi">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert parser.h1 == 1 and parser.scripts == 0
    for control in parser.controls:
        assert control and control in parser.label_for, f"{control} has no label"
    missing = [ref for ref in parser.describedby if ref not in parser.ids]
    assert not missing, f"aria-describedby points at nothing: {missing}"
    weight = len(response.content)
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        weight += len(b"".join(client.get(href).streaming_content))
    assert weight < 100 * 1024
    return html


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_account_pages(client, url):
    check_page(client, client.get(url))


def test_pages_with_errors_and_signed_in_pages(client, citizen):
    html = check_page(client, client.post("/dang-ky/", {"contact": "x"}))
    # Both radios of the missing account kind, the name, the contact and both passwords.
    assert len(re.findall(r'<input[^>]*aria-invalid="true"', html)) == 6
    check_page(client, client.post("/dang-nhap/", {"identifier": "x", "password": "y"}))
    client.force_login(citizen)
    check_page(client, client.get("/tai-khoan/"))
    check_page(client, client.post("/tai-khoan/", {"identity_number": "1"}))
    check_page(client, client.get("/dang-xuat/"))


def test_code_pages(client, db):
    client.post(
        "/dang-ky/",
        {
            "kind": "citizen",
            "full_name": "Mai",
            "contact": "0912345678",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    html = check_page(client, client.get("/xac-minh/"))
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    client.post("/quen-mat-khau/", {"identifier": "0999999999"})
    check_page(client, client.get("/quen-mat-khau/dat-lai/"))


def test_forms_autocomplete_for_password_managers(client):
    sign_in = client.get("/dang-nhap/").content.decode()
    assert 'autocomplete="username"' in sign_in and 'autocomplete="current-password"' in sign_in
    register = client.get("/dang-ky/").content.decode()
    assert register.count('autocomplete="new-password"') == 2 and 'autocomplete="name"' in register
