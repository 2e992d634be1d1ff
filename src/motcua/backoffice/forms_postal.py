"""Forms of the back-office postal pages: hand-over records (Biên bản giao nhận), their items and signature,
sending a result by post, cancelling an order. Plain forms; the postal domain checks everything again."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ValidationFailed
from motcua.core.identity import clean_phone
from motcua.postal.models import FeeAccount, HandoverItem, HandoverRecord

from .widgets import AmountField, DateTimeLocalField

INVALID_CHOICE = _("Lựa chọn không hợp lệ; vui lòng chọn lại trong danh sách.")


def _phone(value: str) -> str:
    try:
        return clean_phone(value)
    except ValidationFailed as error:
        raise forms.ValidationError(error.message) from error


class DomainErrorsMixin:
    def add_field_errors(self, errors: dict) -> None:
        """Errors the domain reported per field (``ValidationFailed.extra["fields"]``)."""
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class HandoverForm(DomainErrorsMixin, forms.Form):
    """Start a hand-over record with the postal staff member in front of the officer."""

    kind = forms.ChoiceField(
        label=_("Loại biên bản"),
        choices=HandoverRecord.Kind.choices,
        initial=HandoverRecord.Kind.RECEPTION,
        widget=forms.RadioSelect,
        error_messages={"required": _("Vui lòng chọn loại biên bản."), "invalid_choice": INVALID_CHOICE},
    )
    postal_staff_name = forms.CharField(
        label=_("Họ tên nhân viên bưu chính"),
        max_length=255,
        error_messages={"required": _("Vui lòng nhập họ tên nhân viên bưu chính.")},
    )
    postal_staff_phone = forms.CharField(
        label=_("Điện thoại nhân viên bưu chính"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    postal_unit = forms.CharField(label=_("Đơn vị bưu chính"), max_length=255, required=False)
    note = forms.CharField(
        label=_("Ghi chú"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_postal_staff_phone(self) -> str:
        return _phone(self.cleaned_data.get("postal_staff_phone", ""))


class HandoverItemForm(DomainErrorsMixin, forms.Form):
    """One package on a draft record: its Phiếu gửi number, the dossier, completeness and fees collected."""

    kind = forms.ChoiceField(
        label=_("Loại"),
        error_messages={"required": _("Vui lòng chọn loại hồ sơ."), "invalid_choice": INVALID_CHOICE},
    )
    slip_number = forms.CharField(
        label=_("Số phiếu gửi"),
        max_length=60,
        help_text=_("Số trên Phiếu gửi hồ sơ của bưu chính, ví dụ EB123456785VN."),
        error_messages={"required": _("Vui lòng nhập số phiếu gửi.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    arrangement = forms.TypedChoiceField(
        label=_("Đăng ký gửi hồ sơ"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Hồ sơ mới: chọn đăng ký của người nộp, hoặc để trống để tìm theo số phiếu gửi."),
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    dossier_code = forms.CharField(
        label=_("Mã hồ sơ"),
        max_length=40,
        required=False,
        help_text=_("Hồ sơ bổ sung hoặc kết quả gửi qua bưu chính."),
    )
    documents = forms.CharField(
        label=_("Danh mục giấy tờ"),
        max_length=4000,
        required=False,
        help_text=_("Mỗi dòng một giấy tờ, như trên Phiếu gửi."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    complete = forms.BooleanField(label=_("Hồ sơ đầy đủ theo danh mục"), required=False, initial=True)
    missing_items = forms.CharField(
        label=_("Giấy tờ còn thiếu"),
        max_length=2000,
        required=False,
        help_text=_("Khi hồ sơ chưa đầy đủ: mỗi dòng một giấy tờ."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    fee_amount = AmountField(label=_("Phí, lệ phí bưu chính đã thu (đồng)"), required=False)
    fee_account = forms.ChoiceField(
        label=_("Nộp vào"),
        choices=[("", _("— Không thu —")), *FeeAccount.choices],
        required=False,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    fee_receipt_number = forms.CharField(
        label=_("Số biên lai thu phí"),
        max_length=60,
        required=False,
        help_text=_("Chứng từ nộp phí bưu chính giao kèm hồ sơ."),
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, data=None, *, record, arrangements=(), **kwargs):
        super().__init__(data, **kwargs)
        if record.kind == HandoverRecord.Kind.RECEPTION:
            kinds = [HandoverItem.Kind.NEW, HandoverItem.Kind.SUPPLEMENT]
        else:
            kinds = [HandoverItem.Kind.RESULT]
            for name in ("arrangement", "complete", "missing_items"):
                del self.fields[name]
        labels = dict(HandoverItem.Kind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        self.fields["kind"].initial = kinds[0]
        if len(kinds) == 1:
            self.fields["kind"].widget = forms.HiddenInput()
        if "arrangement" in self.fields:
            self.fields["arrangement"].choices = [
                ("", _("— Tìm theo số phiếu gửi —")),
                *[(a.pk, _arrangement_label(a)) for a in arrangements],
            ]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (HandoverItem.Kind.SUPPLEMENT, HandoverItem.Kind.RESULT) and not data.get("dossier_code"):
            self.add_error("dossier_code", _("Vui lòng nhập mã hồ sơ."))
        if data.get("fee_amount") and not data.get("fee_account"):
            self.add_error("fee_account", _("Vui lòng chọn nơi nộp phí, lệ phí bưu chính đã thu."))
        incomplete = kind == HandoverItem.Kind.NEW and "complete" in self.fields and not data.get("complete")
        if incomplete and not (data.get("missing_items") or "").strip():
            self.add_error("missing_items", _("Hồ sơ chưa đầy đủ: vui lòng liệt kê giấy tờ còn thiếu."))
        return data

    @property
    def missing_list(self) -> list[str]:
        text = self.cleaned_data.get("missing_items") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


def _arrangement_label(arrangement) -> str:
    slips = [order.slip_number for order in arrangement.orders.all() if order.slip_number]
    name = (arrangement.applicant or {}).get("name", "")
    version = arrangement.procedure_case.version.name if arrangement.procedure_case_id else ""
    head = " · ".join(part for part in (", ".join(slips), name, version) if part)
    return head[:160]


class SignForm(forms.Form):
    """Both sides signed the paper record: the moment they signed is the legal submission time."""

    signed_at = DateTimeLocalField(
        label=_("Thời điểm ký biên bản"),
        required=False,
        help_text=_(
            "Để trống: ngay bây giờ. Đây là thời điểm nộp hồ sơ hợp lệ của các hồ sơ trong biên bản."
        ),
        error_messages={"invalid": _("Thời điểm không hợp lệ.")},
    )
    confirm = forms.BooleanField(
        label=_("Hai bên đã kiểm đếm hồ sơ, phí, lệ phí và ký biên bản"),
        error_messages={"required": _("Vui lòng xác nhận hai bên đã kiểm đếm và ký biên bản.")},
    )

    def clean_signed_at(self):
        value = self.cleaned_data.get("signed_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class SendResultForm(DomainErrorsMixin, forms.Form):
    """Send a resolved dossier's result by post (QĐ 45/2016 Art. 9)."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    recipient_name = forms.CharField(
        label=_("Người nhận"), max_length=255, error_messages={"required": _("Vui lòng nhập tên người nhận.")}
    )
    recipient_phone = forms.CharField(
        label=_("Điện thoại người nhận"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    recipient_address = forms.CharField(
        label=_("Địa chỉ nhận"),
        max_length=500,
        error_messages={"required": _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính.")},
    )
    contents = forms.CharField(
        label=_("Nội dung bưu gửi (ghi trên Phiếu gửi)"),
        max_length=4000,
        help_text=_("Kết quả giải quyết và bản gốc trả lại (nếu có), ghi rõ từng giấy tờ."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Vui lòng ghi nội dung bưu gửi.")},
    )
    cod_amount = AmountField(
        label=_("Phí, lệ phí bưu chính thu hộ khi phát (đồng)"),
        required=False,
        help_text=_("Để trống nếu không thu. Cước phí bưu chính do người nhận trả cho bưu điện."),
    )

    def clean_recipient_phone(self) -> str:
        return _phone(self.cleaned_data.get("recipient_phone", ""))


class CancelOrderForm(forms.Form):
    reason = forms.CharField(label=_("Lý do hủy"), max_length=500, required=False)
