"""Mẫu 06 (Sổ theo dõi hồ sơ) of the officer's agency over a date range, as PDF or Excel.

The register lists the dossiers the agency *received* in the range (``paperwork.services.paperwork_register``).
It is produced for the agency the officer is working at (the agency switcher); superusers without a
membership choose a one-stop unit. Staff of an agency already see every dossier it receives
(``dossiers.selectors.dossier_queryset_for``), so the register shows them nothing more.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from motcua.agencies.models import Agency
from motcua.core.errors import ApplicationError
from motcua.paperwork.services import paperwork_register, paperwork_register_xlsx

from ..access import staff_required
from .common import error_status

DATE_INPUT = "%d/%m/%Y"
# The longest range of one request; the services also bound the number of lines.
MAX_DAYS = 366
FORMATS = {
    "pdf": ("application/pdf", paperwork_register),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", paperwork_register_xlsx),
}


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=[DATE_INPUT, "%Y-%m-%d"],
        help_text=_("Nhập theo dạng ngày/tháng/năm, ví dụ 02/03/2026."),
        widget=forms.TextInput(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "size": 10}
        ),
        error_messages={
            "required": _("Vui lòng nhập ngày."),
            "invalid": _("Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 02/03/2026."),
        },
    )


class RegisterForm(forms.Form):
    """The range (and, for a superuser without a membership, the agency) of the register (GET)."""

    agency = forms.ModelChoiceField(
        label=_("Cơ quan tiếp nhận"), queryset=Agency.objects.none(), empty_label=None, required=True
    )
    start = _date_field(_("Từ ngày"))
    end = _date_field(_("Đến ngày"))
    format = forms.ChoiceField(
        label=_("Định dạng"),
        choices=[("pdf", _("PDF (để in, ký sổ)")), ("xlsx", _("Excel (.xlsx)"))],
        initial="pdf",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_agency = agency
        if agency is not None:
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = Agency.objects.filter(
                one_stop_unit__isnull=False, is_active=True
            ).order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
            elif end - start > timedelta(days=MAX_DAYS - 1):
                self.add_error(
                    "end",
                    _("Mỗi lần in tối đa %(days)s ngày; hãy chọn khoảng ngắn hơn.") % {"days": MAX_DAYS},
                )
        return cleaned

    @property
    def register_agency(self):
        return self.fixed_agency or self.cleaned_data.get("agency")


@require_safe
@staff_required
def register(request):
    """GET without a range: the form (this month so far). GET with a valid range: the file."""
    agency = request.desk.agency  # None only for a superuser without a membership: the form asks
    submitted = "start" in request.GET or "end" in request.GET
    today = timezone.localdate()
    initial = {
        "start": today.replace(day=1).strftime(DATE_INPUT),
        "end": today.strftime(DATE_INPUT),
        "format": "pdf",
    }
    form = RegisterForm(request.GET if submitted else None, initial=initial, agency=agency)
    status = 200
    if submitted and form.is_valid():
        content_type, produce = FORMATS[form.cleaned_data["format"]]
        try:
            filename, content = produce(
                agency=form.register_agency, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        except ApplicationError as refusal:
            form.add_error(None, refusal.message)
            status = error_status(refusal)
        else:
            response = HttpResponse(content, content_type=content_type)
            inline = content_type == "application/pdf"
            response["Content-Disposition"] = content_disposition_header(not inline, filename)
            return response
    elif submitted:
        status = 422
    return render(request, "backoffice/register.html", {"form": form, "agency": agency}, status=status)
