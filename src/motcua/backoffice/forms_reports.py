"""The period picker and scope choice of the report screens (month, quarter, year or a date range)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Level
from motcua.reports.periods import Period

from .widgets import DateField

KINDS = [
    ("month", gettext_lazy("Theo tháng")),
    ("quarter", gettext_lazy("Theo quý")),
    ("year", gettext_lazy("Theo năm")),
    ("range", gettext_lazy("Theo khoảng ngày")),
]
QUARTERS = [
    (1, gettext_lazy("Quý I")),
    (2, gettext_lazy("Quý II")),
    (3, gettext_lazy("Quý III")),
    (4, gettext_lazy("Quý IV")),
]
YEARS_SHOWN = 8


def period_initial(period: Period) -> dict:
    """The picker's fields showing ``period``."""
    initial = {"kind": period.kind, "year": period.start.year, "month": period.start.month}
    initial["quarter"] = (period.start.month - 1) // 3 + 1
    initial["start"], initial["end"] = period.start, period.last_day
    return initial


class ReportFilterForm(forms.Form):
    """Which period and which agencies a report screen shows. ``agencies``: (code, name) pairs the person may
    choose; ``allow_all``: whether "every agency" is one of the choices (province-wide monitoring)."""

    kind = forms.ChoiceField(label=gettext_lazy("Kỳ báo cáo"), choices=KINDS, widget=forms.RadioSelect)
    year = forms.TypedChoiceField(label=gettext_lazy("Năm"), coerce=int)
    month = forms.TypedChoiceField(
        label=gettext_lazy("Tháng"),
        coerce=int,
        required=False,
        choices=[(number, gettext_lazy("Tháng %(n)s") % {"n": number}) for number in range(1, 13)],
    )
    quarter = forms.TypedChoiceField(label=gettext_lazy("Quý"), coerce=int, required=False, choices=QUARTERS)
    start = DateField(label=gettext_lazy("Từ ngày"), required=False)
    end = DateField(label=gettext_lazy("Đến ngày"), required=False)
    agency = forms.ChoiceField(label=gettext_lazy("Cơ quan (gồm cả đơn vị trực thuộc)"), required=False)
    level = forms.ChoiceField(
        label=gettext_lazy("Cấp"),
        required=False,
        choices=[("", gettext_lazy("Mọi cấp")), *Level.choices],
    )

    def __init__(self, *args, agencies: list[tuple[str, str]], allow_all: bool, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        first = today.year - YEARS_SHOWN + 1
        years = list(range(today.year, first - 1, -1))
        chosen = self.initial.get("year")
        if isinstance(chosen, int) and chosen not in years:
            years.append(chosen)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        choices = [("", _("Toàn tỉnh (mọi cơ quan)"))] if allow_all else []
        self.fields["agency"].choices = choices + agencies

    def period_code(self) -> str:
        """The period written as the report parser reads it; a ValidationError for a range without both days."""
        data = self.cleaned_data
        kind, year = data["kind"], data["year"]
        if kind == "year":
            return str(year)
        if kind == "quarter":
            if not data.get("quarter"):
                raise forms.ValidationError(_("Vui lòng chọn quý."))
            return f"{year}-Q{data['quarter']}"
        if kind == "month":
            if not data.get("month"):
                raise forms.ValidationError(_("Vui lòng chọn tháng."))
            return f"{year}-{data['month']:02d}"
        if not data.get("start") or not data.get("end"):
            raise forms.ValidationError(_("Vui lòng chọn cả ngày bắt đầu và ngày kết thúc của khoảng ngày."))
        return f"{data['start'].isoformat()}..{data['end'].isoformat()}"
