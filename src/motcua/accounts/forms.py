"""Forms of the account pages: they check the shape of the input; the services decide.

Django renders ``aria-invalid`` and ``aria-describedby="<id>_helptext <id>_error"`` on each widget; the
templates give the help and error elements those ids.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ApplicationError

from .contacts import parse_contact
from .models import User
from .services import VNEID_FIELDS, ProfileData, Registration

CODE_WIDGET = forms.TextInput(
    attrs={
        "autocomplete": "one-time-code",
        "inputmode": "numeric",
        "pattern": "[0-9]{6}",
        "maxlength": "6",
        "size": "8",
        "spellcheck": "false",
    }
)


def new_password_widget() -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": "new-password"})


class ContactField(forms.CharField):
    """A mobile number or an e-mail address, normalised ("0912 345 678" -> "0912345678")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_contact(value).value
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class PasswordPairMixin:
    """Two password fields that must match (``password`` and ``password_again``)."""

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("Hai lần nhập mật khẩu không giống nhau."))
        return data


class RegistrationForm(PasswordPairMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Đăng ký cho"),
        choices=[
            (User.Kind.CITIZEN, _("Cá nhân (công dân)")),
            (User.Kind.BUSINESS, _("Doanh nghiệp, tổ chức")),
        ],
        initial=User.Kind.CITIZEN,
        widget=forms.RadioSelect,
    )
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        help_text=_("Doanh nghiệp: họ và tên người đại diện."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact = ContactField(
        label=_("Số điện thoại di động hoặc thư điện tử"),
        help_text=_("Mã kích hoạt gồm 6 chữ số sẽ được gửi tới đây; sau này dùng để đăng nhập."),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        help_text=_("Ít nhất 8 ký tự, không chỉ gồm chữ số, không quá dễ đoán."),
        widget=new_password_widget(),
    )
    password_again = forms.CharField(label=_("Nhập lại mật khẩu"), strip=False, widget=new_password_widget())

    def registration(self) -> Registration:
        data = self.cleaned_data
        return Registration(
            contact=data["contact"], full_name=data["full_name"], password=data["password"], kind=data["kind"]
        )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Mã xác minh"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Mã xác minh gồm 6 chữ số.")},
        help_text=_("6 chữ số trong tin nhắn hoặc thư vừa gửi."),
        widget=CODE_WIDGET,
    )


class SignInForm(forms.Form):
    identifier = forms.CharField(
        label=_("Số điện thoại, thư điện tử hoặc tên đăng nhập"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetStartForm(forms.Form):
    identifier = ContactField(
        label=_("Số điện thoại di động hoặc thư điện tử của tài khoản"),
        help_text=_("Số điện thoại hoặc thư điện tử đã xác minh khi đăng ký."),
    )


class PasswordResetFinishForm(PasswordPairMixin, forms.Form):
    code = CodeForm.base_fields["code"]
    password = forms.CharField(
        label=_("Mật khẩu mới"),
        strip=False,
        help_text=_("Ít nhất 8 ký tự, không chỉ gồm chữ số, không quá dễ đoán."),
        widget=new_password_widget(),
    )
    password_again = forms.CharField(
        label=_("Nhập lại mật khẩu mới"), strip=False, widget=new_password_widget()
    )


class ProfileForm(forms.Form):
    """The profile; for a VNeID-verified account the identity fields are not part of the form."""

    full_name = forms.CharField(
        label=_("Họ và tên"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    organisation_name = forms.CharField(
        label=_("Tên doanh nghiệp, tổ chức"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    identity_number = forms.CharField(
        label=_("Số định danh cá nhân (CCCD)"),
        max_length=20,
        required=False,
        help_text=_("12 chữ số trên căn cước công dân, hoặc 9 chữ số chứng minh nhân dân cũ."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.DateField(
        label=_("Ngày sinh"),
        required=False,
        input_formats=["%d/%m/%Y"],
        help_text=_("Theo dạng ngày/tháng/năm, ví dụ 05/09/1990."),
        error_messages={"invalid": _("Nhập ngày sinh theo dạng ngày/tháng/năm, ví dụ 05/09/1990.")},
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "bday", "inputmode": "numeric"}),
    )
    sex = forms.ChoiceField(
        label=_("Giới tính"),
        required=False,
        choices=[("", _("Không nêu")), *User.Sex.choices],
        widget=forms.RadioSelect,
    )
    address = forms.CharField(
        label=_("Địa chỉ"),
        max_length=300,
        required=False,
        help_text=_("Số nhà, đường hoặc thôn, xã/phường, tỉnh."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        initial = {name: getattr(user, name) for name in (*VNEID_FIELDS, "address", "phone", "email")}
        super().__init__(*args, initial=initial, **kwargs)
        self.user = user
        business = user.kind == User.Kind.BUSINESS
        if business:
            self.fields["full_name"].label = _("Họ và tên người đại diện")
            self.fields["organisation_name"].required = True
            self.fields["identity_number"].label = _("Mã số thuế (mã số doanh nghiệp)")
            self.fields["identity_number"].help_text = _("10 hoặc 13 chữ số.")
            del self.fields["birth_date"], self.fields["sex"]
        else:
            del self.fields["organisation_name"]
        if user.is_vneid_verified:
            for name in VNEID_FIELDS:
                self.fields.pop(name, None)

    def profile_data(self) -> ProfileData:
        data = self.cleaned_data
        return ProfileData(
            address=data["address"],
            phone=data["phone"],
            email=data["email"],
            identity={name: data[name] for name in VNEID_FIELDS if name in self.fields},
        )


# Which form field shows a service error, by the error's code.
FIELD_FOR_ERROR = {
    "invalid_password": "password",
    "contact_taken": "contact",
    "invalid_contact": "contact",
    "invalid_email": "email",
    "invalid_phone": "phone",
    "invalid_identity_number": "identity_number",
    "invalid_tax_code": "identity_number",
    "identity_mismatch": "identity_number",
    "invalid_birth_date": "birth_date",
    "invalid_sex": "sex",
    "required": "full_name",
}


def add_service_error(form: forms.Form, error: ApplicationError, *, default: str | None = None) -> None:
    """Show ``error`` on the field it concerns when the form has it, else on ``default`` (None: the form)."""
    name = FIELD_FOR_ERROR.get(error.code)
    if name not in form.fields:
        name = default
    if error.code.startswith("code_") and "code" in form.fields:
        name = "code"
    form.add_error(name, error.message)
