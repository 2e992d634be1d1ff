"""Form fields shared by the back-office forms: several files in one input, local date-time pickers, amounts
of money in đồng."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one ``<input type="file" multiple>``; cleans to a list."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in items if item]
        if self.required and not cleaned:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return cleaned


class DateTimeLocalField(forms.DateTimeField):
    """A moment picked with the browser's date-time control (local time of the site)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
        )
        super().__init__(*args, **kwargs)


class DateField(forms.DateField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(*args, **kwargs)


_AMOUNT_JUNK = re.compile(r"[\s.,_]|đ$|đồng$|vnd$|d$", re.IGNORECASE)


class AmountField(forms.CharField):
    """An amount in đồng typed as staff write it: "200000", "200.000", "200 000 đ" -> 200000."""

    default_error_messages = {
        "invalid": gettext_lazy("Số tiền không hợp lệ: nhập số đồng, ví dụ 200000 hoặc 200.000."),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "maxlength": "20"})

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        digits = _AMOUNT_JUNK.sub("", text.strip())
        if not digits.isdigit() or len(digits) > 15:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(digits)
