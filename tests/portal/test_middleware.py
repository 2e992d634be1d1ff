"""Pages follow the language switch only; the API keeps Accept-Language negotiation."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from motcua.portal.middleware import LanguageChoiceMiddleware


def _language(request) -> str:
    middleware = LanguageChoiceMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    try:
        return request.LANGUAGE_CODE
    finally:
        translation.deactivate()


def test_pages_ignore_accept_language():
    assert _language(RequestFactory().get("/thu-tuc/", HTTP_ACCEPT_LANGUAGE="en")) == "vi"


def test_pages_follow_the_language_cookie():
    request = RequestFactory().get("/thu-tuc/")
    request.COOKIES["django_language"] = "en"
    assert _language(request) == "en"


def test_api_negotiates_from_accept_language():
    assert _language(RequestFactory().get("/api/v1/procedures", HTTP_ACCEPT_LANGUAGE="en")) == "en"
