"""Idle timeout of citizens' and businesses' sessions (MOTCUA_CITIZEN_SESSION_IDLE_MINUTES).

The time of the last request is kept in the session (written at most once a minute, so a busy page does not
write the session on every request). A request after a longer pause signs the person out and lands on a
page that says so; API calls simply continue unauthenticated. Staff sessions are not handled here.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

LAST_ACTIVITY = "motcua_last_activity"
WRITE_EVERY_SECONDS = 60


def mark_activity(request) -> None:
    request.session[LAST_ACTIVITY] = int(time.time())


class CitizenSessionTimeoutMiddleware:
    """Place after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_applicant", False):
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY)
            if isinstance(last, int) and now - last > settings.MOTCUA_CITIZEN_SESSION_IDLE_MINUTES * 60:
                logout(request)
                if not request.path_info.startswith("/api/"):
                    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                    return redirect(reverse("account:session_expired") + (f"?{query}" if query else ""))
            elif not isinstance(last, int) or now - last >= WRITE_EVERY_SECONDS:
                mark_activity(request)
        return self.get_response(request)
