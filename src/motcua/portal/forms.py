"""Search and filter forms of the public catalog (GET only, readable without JavaScript)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.agencies.models import Level

ONLINE_CHOICES = [
    ("", _("Tất cả")),
    ("online", _("Trực tuyến (một phần hoặc toàn trình)")),
    ("full", _("Trực tuyến toàn trình")),
    ("partial", _("Trực tuyến một phần")),
]


class ProcedureFilterForm(forms.Form):
    """Filters of /thu-tuc/. Invalid values are reported and that filter is left out."""

    q = forms.CharField(
        label=_("Tìm thủ tục"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Ví dụ: đăng ký khai sinh"), "autocomplete": "off"}
        ),
    )
    agency = forms.ChoiceField(label=_("Cơ quan thực hiện"), required=False)
    level = forms.ChoiceField(label=_("Cấp thực hiện"), required=False)
    field = forms.ChoiceField(label=pgettext_lazy("one field", "Lĩnh vực"), required=False)
    online = forms.ChoiceField(label=_("Dịch vụ công trực tuyến"), required=False, choices=ONLINE_CHOICES)
    postal = forms.BooleanField(label=_("Nộp hồ sơ hoặc nhận kết quả qua bưu chính công ích"), required=False)

    def __init__(self, data=None, *, agencies=(), fields=(), levels=(), **kwargs):
        """``agencies`` and ``fields`` carry ``code`` and ``name``; ``levels`` are Level values present."""
        super().__init__(data, **kwargs)
        self.fields["agency"].choices = [("", _("Tất cả cơ quan")), *_agency_groups(agencies)]
        self.fields["field"].choices = [("", _("Tất cả lĩnh vực"))] + [(f.code, f.name) for f in fields]
        self.fields["level"].choices = [("", _("Tất cả các cấp"))] + [
            (value, label) for value, label in Level.choices if value in levels
        ]

    def filters(self) -> dict:
        """Keyword arguments for ``procedure_browse`` from the valid fields only."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q") or "",
            "agency_code": data.get("agency") or "",
            "level": data.get("level") or "",
            "field_code": data.get("field") or "",
            "online": data.get("online") or "",
            "postal": bool(data.get("postal")),
        }

    @property
    def is_filtered(self) -> bool:
        return any(value for key, value in self.filters().items() if key != "query")


def _agency_groups(agencies):
    """Choices grouped by level (<optgroup>), levels in the order the agencies come."""
    groups: dict[str, list] = {}
    labels = dict(Level.choices)
    for agency in agencies:
        groups.setdefault(agency.level, []).append((agency.code, agency.name))
    return [(labels.get(level, level), options) for level, options in groups.items()]


class ScopedSearchForm(forms.Form):
    """Search within one agency's or one field's procedures."""

    q = forms.CharField(
        label=_("Tìm trong danh sách này"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""
