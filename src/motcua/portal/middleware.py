"""Language of the pages: Vietnamese unless the person chose another one with the language switch."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LanguageChoiceMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware without following the browser's Accept-Language on pages.

    Many phones in Việt Nam run with an English interface; a Vietnamese public service must not switch
    language behind the citizen's back. Pages follow the language cookie set by the switch (set_language)
    and otherwise use LANGUAGE_CODE ("vi"). The REST API keeps the usual negotiation.
    """

    api_prefix = "/api/"

    def process_request(self, request):
        if request.path_info.startswith(self.api_prefix):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = settings.LANGUAGE_CODE
        if chosen:
            with contextlib.suppress(LookupError):
                language = translation.get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
