"""Back-office forms: sign-in, worklist filters and the counter entry of a paper dossier.

The forms of the dossier actions are in ``actions.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from motcua.accounts import services as account_services
from motcua.accounts.errors import SignInFailed, Throttled
from motcua.catalog.models import Channel, ProcedureAgency
from motcua.core.errors import ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.files import check_component_upload
from motcua.dossiers.identity import ApplicantKind
from motcua.dossiers.models import CopyType, ResultChannel
from motcua.dossiers.selectors import DossierFilters

from .access import client_address, is_staff_member
from .widgets import DateField, DateTimeLocalField, MultipleFileField


class StaffAuthenticationForm(AuthenticationForm):
    """Django's sign-in form that lets in only people with an active staff membership (or superusers)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý chữ hoa, chữ thường."),
        "inactive": _("Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống."),
        "not_staff": _(
            "Tài khoản này không phải tài khoản cán bộ đang được phân công tại cơ quan nào, nên không vào được "
            "hệ thống một cửa. Người dân, doanh nghiệp vui lòng dùng Cổng dịch vụ công; cán bộ mới được phân "
            "công vui lòng liên hệ quản trị hệ thống."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Tên đăng nhập")
        self.fields["password"].label = _("Mật khẩu")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})

    retry_after: int | None = None  # seconds, when sign-in is paused after too many failures

    def clean(self):
        """Authenticate through ``accounts.services.staff_authenticate``: failures are counted per account and
        per address and sign-in pauses past the limits (the same limits as the citizens' sign-in)."""
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = account_services.staff_authenticate(
                    username=username, password=password, address=client_address(self.request)
                )
            except Throttled as error:
                self.retry_after = error.retry_after
                raise forms.ValidationError(error.message, code="throttled") from None
            except SignInFailed:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_staff_member(user):
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


class WorklistFilterForm(forms.Form):
    """Filters of the worklists (GET). Invalid values are reported and left out."""

    q = forms.CharField(
        label=_("Mã hồ sơ, tên hoặc số định danh người nộp"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "accesskey": "s"}),
    )
    procedure = forms.ChoiceField(label=_("Thủ tục"), required=False)
    agency = forms.ChoiceField(label=_("Cơ quan"), required=False)
    channel = forms.ChoiceField(
        label=_("Kênh nộp"), required=False, choices=[("", _("Tất cả các kênh")), *Channel.choices]
    )
    received_from = DateField(label=_("Tiếp nhận từ ngày"), required=False)
    received_to = DateField(label=_("đến ngày"), required=False)

    def __init__(self, data=None, *, procedures=(), agencies=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["procedure"].choices = [("", _("Tất cả thủ tục"))] + [
            (str(p.pk), _procedure_label(p)) for p in procedures
        ]
        self.fields["agency"].choices = [("", _("Tất cả cơ quan"))] + [(str(a.pk), a.name) for a in agencies]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data

    def filters(self) -> DossierFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return DossierFilters(
            procedure=int(data["procedure"]) if data.get("procedure") else None,
            agency=int(data["agency"]) if data.get("agency") else None,
            channel=data.get("channel") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            query=data.get("q") or "",
        )

    @property
    def is_filtered(self) -> bool:
        filters = self.filters()
        return any(
            (filters.procedure, filters.agency, filters.channel, filters.received_from, filters.received_to)
        )


def _procedure_label(procedure) -> str:
    name = procedure.current_version.name if procedure.current_version_id else ""
    text = f"{procedure.national_code} {name}".strip()
    return text if len(text) <= 110 else text[:107] + "…"


# --- Counter entry ------------------------------------------------------------------------------------------


class CounterForm(forms.Form):
    """A paper dossier handed in at the counter or received by post, for one procedure case.

    One group of fields per component of the case: handed in or not, original or copy, how many, and the
    scanned files. ``documents()`` turns them into the service's ``DocumentData``.
    """

    receiving_agency = forms.ChoiceField(label=_("Bộ phận một cửa tiếp nhận"))
    competent_agency = forms.ChoiceField(label=_("Cơ quan giải quyết"))
    applicant_kind = forms.ChoiceField(
        label=_("Chủ hồ sơ là"),
        choices=ApplicantKind.choices,
        initial=ApplicantKind.CITIZEN,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(label=_("Họ tên / tên tổ chức"), max_length=255)
    applicant_identity_number = forms.CharField(
        label=_("Số định danh cá nhân / mã số thuế"),
        max_length=20,
        required=False,
        help_text=_("Căn cước 12 số, CMND 9 số; doanh nghiệp: mã số thuế."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    applicant_email = forms.CharField(label=_("Thư điện tử"), max_length=254, required=False)
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    submitter_name = forms.CharField(label=_("Người được ủy quyền nộp thay"), max_length=255, required=False)
    submitter_identity_number = forms.CharField(
        label=_("Số định danh người nộp thay"), max_length=20, required=False
    )
    submitter_phone = forms.CharField(label=_("Điện thoại người nộp thay"), max_length=20, required=False)
    authorisation_document = forms.CharField(label=_("Giấy ủy quyền"), max_length=255, required=False)
    summary = forms.CharField(
        label=_("Trích yếu nội dung"),
        max_length=1000,
        required=False,
        help_text=_("Để trống sẽ dùng tên thủ tục."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    channel = forms.ChoiceField(label=_("Kênh nộp"), widget=forms.RadioSelect)
    submitted_at = DateTimeLocalField(
        label=_("Thời điểm ký biên bản giao nhận"),
        required=False,
        help_text=_("Chỉ với hồ sơ qua bưu chính: thời điểm tiếp nhận theo quy định."),
    )
    result_channel = forms.ChoiceField(label=_("Nhận kết quả"), widget=forms.RadioSelect)
    extra_name = forms.CharField(label=_("Giấy tờ khác (tên)"), max_length=500, required=False)
    extra_files = MultipleFileField(label=_("Tệp giấy tờ khác"))
    refusal_reason = forms.CharField(
        label=_("Lý do từ chối tiếp nhận"),
        max_length=4000,
        required=False,
        help_text=_("Mỗi lý do một dòng; in trên phiếu từ chối (Mẫu 03)."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data=None, files=None, *, version, case, desks, desk=None, **kwargs):
        super().__init__(data, files, **kwargs)
        self.version, self.case = version, case
        self.desks = {str(agency.pk): agency for agency in desks}
        chosen = desk if desk is not None and str(desk.pk) in self.desks else desks[0]
        self.fields["receiving_agency"].choices = [(key, agency.name) for key, agency in self.desks.items()]
        self.fields["receiving_agency"].initial = str(chosen.pk)
        if len(self.desks) == 1:
            self.fields["receiving_agency"].widget = forms.HiddenInput()
            self.fields["receiving_agency"].required = False
        # The agencies the desks receive for; the service checks the chosen desk really serves the one chosen.
        self.competent = {}
        for desk_agency in desks:
            for agency in [desk_agency, *desk_agency.one_stop_unit.served_agencies.all()]:
                self.competent.setdefault(str(agency.pk), agency)
        listed = [
            role.agency_id
            for role in version.agency_roles.all()
            if role.agency_id and role.role == ProcedureAgency.Role.COMPETENT
        ]
        self.fields["competent_agency"].choices = sorted(
            ((key, agency.name) for key, agency in self.competent.items()), key=lambda c: c[1]
        )
        self.fields["competent_agency"].initial = next(
            (str(pk) for pk in listed if str(pk) in self.competent), str(chosen.pk)
        )
        channels = [Channel.DIRECT] + ([Channel.POSTAL] if version.postal_submission_allowed else [])
        self.fields["channel"].choices = [(c.value, c.label) for c in channels]
        self.fields["channel"].initial = Channel.DIRECT
        returns = [ResultChannel.COUNTER] + ([ResultChannel.POSTAL] if version.postal_return_allowed else [])
        self.fields["result_channel"].choices = [(c.value, c.label) for c in returns]
        self.fields["result_channel"].initial = ResultChannel.COUNTER
        self.components = list(case.components.all())
        for component in self.components:
            prefix = f"c{component.pk}"
            self.fields[f"{prefix}_received"] = forms.BooleanField(
                label=_("Đã nhận"), required=False, initial=component.is_required
            )
            self.fields[f"{prefix}_copy_type"] = forms.ChoiceField(
                label=_("Hình thức"),
                choices=CopyType.choices,
                initial=CopyType.ORIGINAL if component.originals else CopyType.COPY,
            )
            self.fields[f"{prefix}_quantity"] = forms.IntegerField(
                label=_("Số lượng"),
                min_value=1,
                max_value=99,
                initial=max(component.originals + component.copies, 1),
                widget=forms.NumberInput(attrs={"class": "narrow"}),
            )
            self.fields[f"{prefix}_files"] = MultipleFileField(label=_("Tệp bản quét"))

    def component_rows(self):
        """(component, received, copy type, quantity, files) bound fields, in the case's order."""
        for component in self.components:
            prefix = f"c{component.pk}"
            yield (
                component,
                self[f"{prefix}_received"],
                self[f"{prefix}_copy_type"],
                self[f"{prefix}_quantity"],
                self[f"{prefix}_files"],
            )

    def clean(self):
        data = super().clean()
        for component in self.components:
            name = f"c{component.pk}_files"
            for uploaded in data.get(name) or []:
                try:
                    check_component_upload(component, uploaded)
                except ValidationFailed as error:
                    self.add_error(name, error.message)
            if data.get(name) and not data.get(f"c{component.pk}_received"):
                data[f"c{component.pk}_received"] = True  # a scanned document was handed in
        for uploaded in data.get("extra_files") or []:
            try:
                check_component_upload(None, uploaded)
            except ValidationFailed as error:
                self.add_error("extra_files", error.message)
        if data.get("extra_files") and not (data.get("extra_name") or "").strip():
            self.add_error("extra_name", _("Vui lòng ghi tên giấy tờ nộp kèm."))
        if data.get("channel") != Channel.POSTAL:
            data["submitted_at"] = None
        return data

    def missing_required(self) -> list[str]:
        return [
            c.name
            for c in self.components
            if c.is_required and not self.cleaned_data.get(f"c{c.pk}_received")
        ]

    def agencies(self):
        return (
            self.desks[self.cleaned_data.get("receiving_agency") or next(iter(self.desks))],
            self.competent[self.cleaned_data["competent_agency"]],
        )

    def applicant(self) -> services.ApplicantData:
        data = self.cleaned_data
        return services.ApplicantData(
            kind=data["applicant_kind"],
            name=data["applicant_name"],
            identity_number=data["applicant_identity_number"],
            phone=data["applicant_phone"],
            email=data["applicant_email"],
            address=data["applicant_address"],
        )

    def submitter(self) -> services.SubmitterData | None:
        data = self.cleaned_data
        if not (data.get("submitter_name") or "").strip():
            return None
        return services.SubmitterData(
            name=data["submitter_name"],
            identity_number=data["submitter_identity_number"],
            phone=data["submitter_phone"],
            authorisation_document=data["authorisation_document"],
        )

    def documents(self) -> list[services.DocumentData]:
        data = self.cleaned_data
        documents = [
            services.DocumentData(
                case_component=component,
                copy_type=data[f"c{component.pk}_copy_type"],
                quantity=data[f"c{component.pk}_quantity"],
                files=data[f"c{component.pk}_files"],
            )
            for component in self.components
            if data.get(f"c{component.pk}_received")
        ]
        if (data.get("extra_name") or "").strip():
            documents.append(
                services.DocumentData(
                    name=data["extra_name"], copy_type=CopyType.COPY, files=data["extra_files"]
                )
            )
        return documents
