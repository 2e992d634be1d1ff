"""Sign-in, sign-out and the agency switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import SESSION_AGENCY, staff_required
from ..forms import StaffAuthenticationForm
from .common import safe_next


class StaffLoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    authentication_form = StaffAuthenticationForm
    next_page = reverse_lazy("backoffice:worklist")

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(SESSION_AGENCY, None)  # start at the first agency of the new session
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after:  # paused after too many failures (accounts.services.staff_authenticate)
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


class StaffLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("backoffice:login")


@require_POST
@staff_required
def choose_agency(request):
    """Work at another of the officer's agencies (kept in the session)."""
    chosen = request.POST.get("agency", "")
    agency = next((a for a in request.desk.agencies if str(a.pk) == chosen), None)
    if agency is None:
        messages.error(request, _("Bạn không được phân công tại cơ quan đã chọn."))
    else:
        request.session[SESSION_AGENCY] = agency.pk
        messages.success(request, _("Đang làm việc tại: %(agency)s.") % {"agency": agency.name})
    return redirect(safe_next(request, reverse("backoffice:worklist")))
