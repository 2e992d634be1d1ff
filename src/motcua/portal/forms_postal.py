"""Forms of the citizen's postal pages: ask the post to pick a paper dossier up, and where the result goes.

Plain forms, readable without JavaScript; every field labelled, every error linked to its field
(``AccessibleForm``). The postal domain (``postal.services``) checks everything again.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ValidationFailed
from motcua.core.identity import clean_phone
from motcua.dossiers.identity import ApplicantKind, clean_identity_number
from motcua.dossiers.services import ApplicantData
from motcua.postal.models import PickupMethod

from .forms_dossiers import INVALID_CHOICE, AccessibleForm, CaseChoiceForm


def _phone(form: forms.Form, name: str) -> str:
    value = form.cleaned_data.get(name, "")
    try:
        return clean_phone(value)
    except ValidationFailed as error:
        raise forms.ValidationError(error.message) from error


class ReturnAddressFields(forms.Form):
    """Who receives the result by post, and where (QĐ 45/2016: the citizen pays the postage)."""

    recipient_name = forms.CharField(
        label=_("Người nhận kết quả"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    recipient_phone = forms.CharField(
        label=_("Số điện thoại người nhận"),
        max_length=20,
        required=False,
        help_text=_("Bưu điện gọi số này khi phát kết quả."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    return_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả"),
        max_length=500,
        required=False,
        help_text=_("Số nhà, đường, xã/phường, tỉnh."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def clean_recipient_phone(self) -> str:
        return _phone(self, "recipient_phone")

    def require_return_fields(self) -> None:
        messages = {
            "recipient_name": _("Vui lòng nhập tên người nhận kết quả."),
            "recipient_phone": _("Vui lòng nhập số điện thoại người nhận kết quả."),
            "return_address": _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."),
        }
        for name, message in messages.items():
            if name not in self.errors and not (self.cleaned_data.get(name) or "").strip():
                self.add_error(name, message)


class ReturnAddressForm(ReturnAddressFields, AccessibleForm):
    """Change where the result of a dossier goes by post."""

    def clean(self):
        data = super().clean()
        self.require_return_fields()
        return data


class PickupForm(ReturnAddressFields, CaseChoiceForm):
    """Ask the post to take a paper dossier to the agency (QĐ 45/2016 Art. 5–6)."""

    kind = forms.ChoiceField(
        label=_("Chủ hồ sơ là"),
        choices=ApplicantKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn loại chủ hồ sơ."), "invalid_choice": INVALID_CHOICE},
    )
    name = forms.CharField(
        label=_("Họ và tên, hoặc tên doanh nghiệp, tổ chức"),
        max_length=255,
        error_messages={"required": _("Vui lòng nhập tên chủ hồ sơ.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    identity_number = forms.CharField(
        label=_("Số định danh cá nhân hoặc mã số thuế"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        help_text=_("Nhân viên bưu điện gọi số này để hẹn đến nhận hồ sơ."),
        error_messages={"required": _("Vui lòng nhập số điện thoại để nhân viên bưu chính liên hệ.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ của chủ hồ sơ"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    summary = forms.CharField(
        label=_("Nội dung đề nghị (trích yếu)"),
        max_length=1000,
        required=False,
        help_text=_("Không bắt buộc. Để trống thì dùng tên thủ tục."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    pickup_method = forms.ChoiceField(
        label=_("Giao hồ sơ cho bưu điện"),
        choices=PickupMethod.choices,
        widget=forms.RadioSelect,
        initial=PickupMethod.ADDRESS,
        error_messages={"required": _("Vui lòng chọn nơi giao hồ sơ."), "invalid_choice": INVALID_CHOICE},
    )
    pickup_address = forms.CharField(
        label=_("Địa chỉ nhân viên bưu điện đến nhận hồ sơ"),
        max_length=500,
        required=False,
        help_text=_("Số nhà, đường, xã/phường, tỉnh."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    post_office = forms.CharField(
        label=_("Bưu cục bạn sẽ đến nộp"),
        max_length=255,
        required=False,
        help_text=_("Chỉ khi bạn tự mang hồ sơ đến bưu cục."),
    )
    return_by_post = forms.BooleanField(
        label=_("Nhận kết quả qua bưu chính tại địa chỉ dưới đây"), required=False
    )

    field_order = [
        "case",
        "place",
        "kind",
        "name",
        "identity_number",
        "phone",
        "email",
        "address",
        "summary",
        "pickup_method",
        "pickup_address",
        "post_office",
        "return_by_post",
        "recipient_name",
        "recipient_phone",
        "return_address",
    ]

    def __init__(self, data=None, *, cases, places, postal_return: bool, **kwargs):
        super().__init__(data, cases=cases, places=places, **kwargs)
        self.fields["case"].label = _("Trường hợp của bạn")
        self.postal_return = postal_return
        if not postal_return:
            for name in ("return_by_post", "recipient_name", "recipient_phone", "return_address"):
                del self.fields[name]

    def clean_phone(self) -> str:
        return _phone(self, "phone")

    def clean(self):
        data = super().clean()
        if (
            data.get("pickup_method") == PickupMethod.ADDRESS
            and not (data.get("pickup_address") or "").strip()
        ):
            self.add_error(
                "pickup_address", _("Vui lòng nhập địa chỉ để nhân viên bưu chính đến nhận hồ sơ.")
            )
        if data.get("return_by_post"):
            self.require_return_fields()
        if data.get("kind") and "identity_number" not in self.errors:
            try:
                data["identity_number"] = clean_identity_number(data["kind"], data.get("identity_number", ""))
            except ValidationFailed as error:
                self.add_error("identity_number", error.message)
        return data

    def applicant(self) -> ApplicantData:
        data = self.cleaned_data
        return ApplicantData(
            kind=data["kind"],
            name=data["name"],
            identity_number=data["identity_number"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"],
        )
