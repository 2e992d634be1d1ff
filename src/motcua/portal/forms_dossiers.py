"""Forms of the citizen's dossier pages: one plain form per step of the online submission, readable and usable
without JavaScript, every field labelled and every error linked to its field (``aria-describedby``).

File uploads (components, supplements) are read straight from ``request.FILES`` by the views: a component may
take several files and the domain (``dossiers.files``) is the one place that checks them.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ValidationFailed
from motcua.core.identity import clean_phone
from motcua.dossiers import services
from motcua.dossiers.identity import ApplicantKind
from motcua.dossiers.models import ResultChannel
from motcua.portal.templatetags.portal import processing_time

INVALID_CHOICE = _("Lựa chọn không hợp lệ; vui lòng chọn lại trong danh sách.")


class AccessibleForm(forms.Form):
    """Points each input at its hint and its error message, and marks invalid inputs for screen readers.

    Templates render hints as ``<id>_help`` and errors as ``<id>_error`` (``portal/dossiers/_field.html``).
    """

    required_css_class = "control--required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}_help"

    def add_field_errors(self, errors: dict[str, str]) -> None:
        """Errors the domain reported per field (``ValidationFailed.extra["fields"]``)."""
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)

    def add_error(self, field, error):
        """Every error (field validation included) passes here: mark the input and link the message."""
        super().add_error(field, error)
        names = error.keys() if field is None and isinstance(error, dict) else [field]
        for name in names:
            if name in self.fields:
                widget = self.fields[name].widget
                described = widget.attrs.get("aria-describedby", "").split()
                error_id = f"{self[name].auto_id}_error"
                if error_id not in described:
                    described.append(error_id)
                widget.attrs["aria-describedby"] = " ".join(described)
                widget.attrs["aria-invalid"] = "true"


class CaseChoiceForm(AccessibleForm):
    """Step 1: the case (trường hợp) and where to submit (cơ quan giải quyết, via which one-stop unit)."""

    case = forms.TypedChoiceField(
        label=_("Trường hợp của bạn"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn trường hợp."), "invalid_choice": INVALID_CHOICE},
    )
    place = forms.ChoiceField(
        label=_("Nơi giải quyết hồ sơ"),
        help_text=_("Cơ quan có thẩm quyền giải quyết và bộ phận một cửa tiếp nhận hồ sơ của bạn."),
        error_messages={"required": _("Vui lòng chọn nơi giải quyết."), "invalid_choice": INVALID_CHOICE},
    )

    def __init__(self, data=None, *, cases, places, initial_case=None, initial_place=None, **kwargs):
        super().__init__(data, **kwargs)
        self.cases = {case.pk: case for case in cases}
        self.places = {place.key: place for place in places}
        self.fields["case"].choices = [(case.pk, _case_label(case)) for case in cases]
        self.fields["place"].choices = [(key, place.label) for key, place in self.places.items()]
        if len(places) > 6:
            self.fields["place"].choices = [("", _("— Chọn cơ quan —")), *self.fields["place"].choices]
        else:
            self.fields["place"].widget = forms.RadioSelect(attrs=self.fields["place"].widget.attrs)
            self.fields["place"].widget.choices = self.fields["place"].choices
        self.initial["case"] = initial_case or (cases[0].pk if len(cases) == 1 else None)
        self.initial["place"] = initial_place or (places[0].key if len(places) == 1 else None)

    @property
    def chosen_case(self):
        return self.cases[self.cleaned_data["case"]]

    @property
    def chosen_place(self):
        return self.places[self.cleaned_data["place"]]


def _case_label(case) -> str:
    limit = processing_time(case, online=True) or processing_time(case)
    return f"{case.name} ({limit})" if limit else case.name


class ApplicantForm(AccessibleForm):
    """Step 2: the applicant (chủ hồ sơ), prefilled from the account, and an optional authorised submitter."""

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
        help_text=_("Công dân: 12 chữ số trên thẻ Căn cước. Doanh nghiệp, tổ chức: mã số thuế."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        help_text=_("Để nhận tin nhắn khi hồ sơ có tiến triển."),
        error_messages={"required": _("Vui lòng nhập số điện thoại để nhận thông báo về hồ sơ.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    summary = forms.CharField(
        label=_("Nội dung đề nghị (trích yếu)"),
        required=False,
        max_length=1000,
        help_text=_("Không bắt buộc. Để trống thì dùng tên thủ tục."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    has_submitter = forms.BooleanField(
        label=_("Tôi nộp hồ sơ thay cho chủ hồ sơ (được ủy quyền)"), required=False
    )
    submitter_name = forms.CharField(label=_("Họ và tên người được ủy quyền"), max_length=255, required=False)
    submitter_identity_number = forms.CharField(
        label=_("Số định danh cá nhân của người được ủy quyền"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    submitter_phone = forms.CharField(
        label=_("Số điện thoại của người được ủy quyền"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    authorisation_document = forms.CharField(
        label=_("Giấy ủy quyền"),
        max_length=255,
        required=False,
        help_text=_("Số, ngày của giấy ủy quyền; đính kèm bản chụp ở bước giấy tờ nếu thủ tục yêu cầu."),
    )

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        """Initial values from a draft's saved data."""
        applicant = data.get("applicant") or {}
        submitter = data.get("submitter") or {}
        initial = {
            key: applicant.get(key, "") for key in ("kind", "name", "identity_number", "phone", "email")
        }
        initial["address"] = applicant.get("address", "")
        initial["kind"] = initial["kind"] or ApplicantKind.CITIZEN
        initial["summary"] = data.get("summary", "")
        initial["has_submitter"] = bool(submitter)
        for key in ("name", "identity_number", "phone"):
            initial[f"submitter_{key}"] = submitter.get(key, "")
        initial["authorisation_document"] = submitter.get("authorisation_document", "")
        return initial

    def clean(self):
        data = super().clean()
        if data.get("has_submitter") and not (data.get("submitter_name") or "").strip():
            self.add_error("submitter_name", _("Vui lòng nhập tên người được ủy quyền."))
        return data

    def applicant(self) -> services.ApplicantData:
        data = self.cleaned_data
        return services.ApplicantData(
            kind=data["kind"],
            name=data["name"],
            identity_number=data["identity_number"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"],
        )

    def submitter(self) -> services.SubmitterData | None:
        data = self.cleaned_data
        if not data.get("has_submitter"):
            return None
        return services.SubmitterData(
            name=data["submitter_name"],
            identity_number=data["submitter_identity_number"],
            phone=data["submitter_phone"],
            authorisation_document=data["authorisation_document"],
        )


RESULT_CHANNEL_HINTS = {
    ResultChannel.ONLINE: _("Tải kết quả điện tử ngay trên trang hồ sơ của bạn, không phải đi lại."),
    ResultChannel.COUNTER: _("Nhận tại bộ phận một cửa nơi tiếp nhận hồ sơ, theo ngày hẹn trả."),
    ResultChannel.POSTAL: _(
        "Bưu điện chuyển kết quả đến địa chỉ bạn nhập dưới đây. Bạn trả cước phí bưu chính cho bưu điện khi "
        "nhận, theo bảng giá bưu điện công bố."
    ),
}


class ResultChannelForm(AccessibleForm):
    """Step 4: how to receive the result, among the ways the procedure allows."""

    channel = forms.ChoiceField(
        label=_("Bạn muốn nhận kết quả"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Vui lòng chọn hình thức nhận kết quả."),
            "invalid_choice": INVALID_CHOICE,
        },
    )
    delivery_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính"),
        max_length=500,
        required=False,
        help_text=_("Chỉ cần khi nhận kết quả qua bưu chính: số nhà, đường, xã/phường, tỉnh."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    delivery_recipient = forms.CharField(
        label=_("Người nhận kết quả qua bưu chính"),
        max_length=255,
        required=False,
        help_text=_("Để trống nếu chủ hồ sơ nhận."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    delivery_phone = forms.CharField(
        label=_("Số điện thoại người nhận"),
        max_length=20,
        required=False,
        help_text=_("Bưu điện gọi số này khi phát kết quả. Để trống: số điện thoại của chủ hồ sơ."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, data=None, *, channels, **kwargs):
        super().__init__(data, **kwargs)
        labels = dict(ResultChannel.choices)
        self.fields["channel"].choices = [(value, labels[value]) for value in channels]
        self.hints = {value: RESULT_CHANNEL_HINTS[value] for value in channels}

    def clean(self):
        data = super().clean()
        if data.get("channel") == ResultChannel.POSTAL and not (data.get("delivery_address") or "").strip():
            self.add_error("delivery_address", _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."))
        if data.get("channel") == ResultChannel.POSTAL and data.get("delivery_phone"):
            try:
                data["delivery_phone"] = clean_phone(data["delivery_phone"])
            except ValidationFailed as error:
                self.add_error("delivery_phone", error.message)
        return data


class SupplementNoteForm(AccessibleForm):
    """The name of an extra document handed in with a supplement (files come from ``request.FILES``)."""

    other_name = forms.CharField(
        label=_("Tên giấy tờ khác"),
        max_length=255,
        required=False,
        help_text=_("Nếu giấy tờ cần bổ sung không có trong danh sách trên, ghi tên và đính kèm tệp ở đây."),
    )
