"""Back-office payment pages: a dossier's collections at the counter, exemptions, refunds, its receipts and
proofs; the agency's collections, receipts and refunds over a period; the daily reconciliation.

Access follows ``backoffice/access.py``: signed-in staff only, and a dossier's payments only through the
dossier access gate (``dossier_or_404``): another agency's dossier answers 404 like an unknown code. Writing
(collect, exempt, refund) is for reception officers and leaders (``payments.selectors.COLLECTING_ROLES``) of
the dossier's receiving or competent agency; the lists are for every payment role
(``payments.selectors.PAYMENT_STAFF_ROLES``). Every write is one ``payments.services`` call; a form carries
the request's ``revision`` as shown, so a stale page or a form submitted twice is refused and changes
nothing. Domain refusals are shown on the form in Vietnamese (POST/redirect/GET on success).
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.core.templatetags.motcua import format_vnd
from motcua.dossiers.files import check_upload
from motcua.payments import selectors as payment_reads
from motcua.payments import services as payment_services
from motcua.payments.models import (
    MANUAL_METHODS,
    CollectionMethod,
    ManualCollection,
    PaymentRequest,
    PaymentTransaction,
    Provider,
    Refund,
)

from ..access import staff_required
from ..widgets import AmountField, DateTimeLocalField
from .common import dossier_or_404, error_status, page_of

STALE = gettext_lazy(
    "Thông tin thanh toán của hồ sơ vừa thay đổi (hoặc biểu mẫu này đã được gửi). Không có gì được ghi thêm; "
    "vui lòng xem lại rồi thực hiện lại nếu vẫn cần."
)
PROOF_ACCEPT = ".pdf,.jpg,.jpeg,.png"
REFUND_METHODS = (CollectionMethod.CASH, CollectionMethod.BANK_TRANSFER)


# --- Who may write -------------------------------------------------------------------------------------------


def may_handle_payments(request, dossier) -> bool:
    """Reception officers and leaders of the dossier's receiving or competent agency: exactly whom the
    services accept (``payments.selectors.may_record_payments``)."""
    return payment_reads.may_record_payments(request.user, dossier)


def _payment_of(request, dossier, request_id) -> PaymentRequest:
    try:
        payment = payment_reads.payment_request_get_for(request.user, request_id)
    except NotFound as error:
        raise Http404(error.message) from error
    if payment.dossier_id != dossier.pk:
        raise Http404(_("Không tìm thấy thông tin thanh toán."))
    return payment


def _writable(request, code: str, request_id=None):
    """The dossier (and its request) behind the access gate, for an officer who may write payments."""
    dossier = dossier_or_404(request, code)
    payment = _payment_of(request, dossier, request_id) if request_id is not None else None
    if not may_handle_payments(request, dossier):
        raise _Refused(
            _("Bạn không có vai trò thu phí, lệ phí tại cơ quan tiếp nhận hoặc giải quyết hồ sơ này.")
        )
    return dossier, payment


class _Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refused(request, error: _Refused):
    return render(request, "backoffice/payments/refused.html", {"message": error.message}, status=403)


# --- Form fields -----------------------------------------------------------------------------------------------


class RevisionForm(forms.Form):
    """Carries the payment request's revision as the page showed it."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, payment: PaymentRequest | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        if payment is not None:
            kwargs["initial"].setdefault("revision", payment.revision)
        super().__init__(*args, **kwargs)
        self.payment = payment

    def clean_proof(self):
        """The proof's checks of the service, run here too so every problem of the form shows at once."""
        proof = self.cleaned_data.get("proof")
        if proof:
            try:
                check_upload(
                    proof,
                    accepted_extensions=payment_services.PROOF_EXTENSIONS,
                    max_size_mb=payment_services.PROOF_MAX_SIZE_MB,
                )
            except ValidationFailed as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return proof

    def is_stale(self) -> bool:
        """The revision was sent and is not the request's current one."""
        seen = self.cleaned_data.get("revision")
        return self.payment is not None and seen is not None and seen != self.payment.revision


def _proof_field(label) -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=gettext_lazy(
            "Bản quét hoặc ảnh chụp phiếu thu, giấy báo có, biên lai của bưu điện: PDF, JPG hoặc PNG."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": PROOF_ACCEPT}),
        error_messages={"required": gettext_lazy("Vui lòng đính kèm chứng từ.")},
    )


class CollectionForm(RevisionForm):
    method = forms.ChoiceField(
        label=gettext_lazy("Hình thức thu"),
        choices=[(m.value, m.label) for m in MANUAL_METHODS],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Vui lòng chọn hình thức thu.")},
    )
    amount = AmountField(label=gettext_lazy("Số tiền đã thu (đồng)"))
    payer_name = forms.CharField(label=gettext_lazy("Người nộp tiền"), max_length=255)
    reference = forms.CharField(
        label=gettext_lazy("Số chứng từ"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Số phiếu thu, số giao dịch chuyển khoản hoặc số biên lai của bưu điện."),
    )
    collected_at = DateTimeLocalField(
        label=gettext_lazy("Thời điểm thu"),
        required=False,
        help_text=gettext_lazy("Để trống nếu là bây giờ."),
    )
    proof = _proof_field(gettext_lazy("Chứng từ thu"))
    note = forms.CharField(
        label=gettext_lazy("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is not None and self.payment is not None and amount != self.payment.amount:
            self.add_error(
                "amount",
                _("Số tiền đã thu phải đúng bằng số tiền phải nộp: %(due)s.")
                % {"due": format_vnd(self.payment.amount)},
            )
        method = data.get("method")
        if method in (CollectionMethod.BANK_TRANSFER, CollectionMethod.POSTAL) and not data.get("reference"):
            self.add_error(
                "reference", _("Vui lòng nhập số chứng từ của khoản chuyển khoản hoặc nộp qua bưu điện.")
            )
        when = data.get("collected_at")
        if when is not None and when > timezone.now() + timedelta(minutes=5):
            self.add_error("collected_at", _("Thời điểm thu không được ở tương lai."))
        return data


class ExemptForm(RevisionForm):
    lines = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Các khoản được miễn"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Không chọn khoản nào nghĩa là miễn toàn bộ."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Lý do miễn (đối tượng, căn cứ)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Vui lòng nêu lý do miễn.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lines = list(self.payment.lines.all()) if self.payment is not None else []
        self.fields["lines"].choices = [
            (line.pk, f"{line.name} · {line.get_kind_display()} · {format_vnd(line.amount)}")
            for line in lines
            if not line.exempt
        ]
        self.fields["lines"].error_messages["invalid_choice"] = _(
            "Khoản được chọn không thuộc yêu cầu thanh toán này."
        )


class RefundDueForm(RevisionForm):
    reason = forms.ChoiceField(label=gettext_lazy("Lý do hoàn"), choices=Refund.Reason.choices)
    amount = AmountField(label=gettext_lazy("Số tiền phải hoàn (đồng)"))
    note = forms.CharField(
        label=gettext_lazy("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        if amount is not None and self.payment is not None and not 0 < amount <= self.payment.amount:
            self.add_error(
                "amount",
                _("Số tiền hoàn phải lớn hơn 0 và không quá số đã nộp: %(paid)s.")
                % {"paid": format_vnd(self.payment.amount)},
            )
        return data


class RefundDoneForm(RevisionForm):
    method = forms.ChoiceField(
        label=gettext_lazy("Hình thức hoàn"),
        choices=[(m.value, m.label) for m in REFUND_METHODS],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Vui lòng chọn hình thức hoàn.")},
    )
    reference = forms.CharField(label=gettext_lazy("Số chứng từ hoàn"), required=False, max_length=100)
    done_at = DateTimeLocalField(
        label=gettext_lazy("Thời điểm hoàn"),
        required=False,
        help_text=gettext_lazy("Để trống nếu là bây giờ."),
    )
    proof = _proof_field(gettext_lazy("Chứng từ hoàn tiền"))
    note = forms.CharField(
        label=gettext_lazy("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("method") == CollectionMethod.BANK_TRANSFER and not data.get("reference"):
            self.add_error("reference", _("Vui lòng nhập số giao dịch chuyển khoản hoàn tiền."))
        when = data.get("done_at")
        if when is not None and when > timezone.now() + timedelta(minutes=5):
            self.add_error("done_at", _("Thời điểm hoàn không được ở tương lai."))
        return data


# --- Dossier payment forms -------------------------------------------------------------------------------------


def _form_page(request, template: str, context: dict, form, *, status: int = 200):
    return render(request, f"backoffice/payments/{template}", {**context, "form": form}, status=status)


# Domain refusals shown next to the field they are about (the proof's checks are ``dossiers.files``').
FILE_ERROR_CODES = {
    "proof_required",
    "empty_file",
    "executable_file",
    "file_extension_not_accepted",
    "file_too_large",
    "file_type_mismatch",
    "file_type_unknown",
}
FIELD_ERROR_CODES = {"collection_amount_mismatch": "amount"}


def _field_of(error: ApplicationError, form) -> str | None:
    name = "proof" if error.code in FILE_ERROR_CODES else FIELD_ERROR_CODES.get(error.code)
    return name if name in form.fields else None


def _run(request, form, call, *, context: dict, template: str, done: str, dossier):
    """Validate ``form``, refuse a stale one, call the service; on success go back to the dossier page."""
    valid = form.is_valid()
    if form.is_stale():  # a replay or a stale page says so, whatever else is wrong with it
        form.errors.clear()
        form.add_error(None, str(STALE))
        return _form_page(request, template, context, form, status=409)
    if not valid:
        if form["revision"].errors:
            form.add_error(None, _("Dữ liệu gửi lên không đầy đủ; vui lòng tải lại trang rồi thực hiện lại."))
        return _form_page(request, template, context, form, status=422)
    try:
        call(form.cleaned_data)
    except ApplicationError as error:
        form.add_error(_field_of(error, form), error.message)
        return _form_page(request, template, context, form, status=error_status(error))
    messages.success(request, done)
    return redirect(reverse("backoffice:dossier", args=[dossier.code]) + "#s-payments")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def collect(request, code: str, request_id):
    """Record a payment collected in cash, by bank transfer or by the post office, with its proof."""
    try:
        dossier, payment = _writable(request, code, request_id)
    except _Refused as error:
        return _refused(request, error)
    context = {"dossier": dossier, "payment": payment, "lines": list(payment.lines.all())}
    if request.method != "POST":
        form = CollectionForm(payment=payment, initial={"payer_name": dossier.applicant_name})
        return _form_page(request, "collect.html", context, form)
    form = CollectionForm(request.POST, request.FILES, payment=payment)

    def call(data):
        payment_services.payment_collection_record(
            request=payment,
            actor=request.user,
            method=data["method"],
            amount=data["amount"],
            proof=data["proof"],
            payer_name=data["payer_name"],
            reference=data["reference"],
            collected_at=data["collected_at"],
            note=data["note"],
        )

    return _run(
        request,
        form,
        call,
        context=context,
        template="collect.html",
        done=_("Đã ghi nhận khoản thu %(amount)s.") % {"amount": format_vnd(payment.amount)},
        dossier=dossier,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def exempt(request, code: str, request_id):
    """Record that the applicant is exempt from some or all lines, with the reason."""
    try:
        dossier, payment = _writable(request, code, request_id)
    except _Refused as error:
        return _refused(request, error)
    context = {"dossier": dossier, "payment": payment, "lines": list(payment.lines.all())}
    form = ExemptForm(request.POST or None, payment=payment)
    if request.method != "POST":
        return _form_page(request, "exempt.html", context, form)

    def call(data):
        payment_services.payment_request_exempt(
            request=payment, actor=request.user, reason=data["reason"], line_ids=data["lines"] or None
        )

    return _run(
        request,
        form,
        call,
        context=context,
        template="exempt.html",
        done=_("Đã ghi nhận miễn phí, lệ phí."),
        dossier=dossier,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def refund_due(request, code: str, request_id):
    """Record that a paid request must be refunded (why, how much)."""
    try:
        dossier, payment = _writable(request, code, request_id)
    except _Refused as error:
        return _refused(request, error)
    context = {"dossier": dossier, "payment": payment, "lines": list(payment.lines.all())}
    if request.method != "POST":
        form = RefundDueForm(payment=payment, initial={"amount": payment.amount})
        return _form_page(request, "refund_due.html", context, form)
    form = RefundDueForm(request.POST, payment=payment)

    def call(data):
        payment_services.refund_record_due(
            request=payment,
            actor=request.user,
            reason=data["reason"],
            note=data["note"],
            amount=data["amount"],
        )

    return _run(
        request,
        form,
        call,
        context=context,
        template="refund_due.html",
        done=_("Đã ghi nhận khoản phải hoàn cho người nộp."),
        dossier=dossier,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def refund_done(request, code: str, refund_id: int):
    """Record that a due refund was paid back, with its proof."""
    try:
        dossier, _payment = _writable(request, code)
    except _Refused as error:
        return _refused(request, error)
    refund = _refund_of(request, dossier, refund_id)
    payment = refund.request
    context = {"dossier": dossier, "payment": payment, "refund": refund, "lines": list(payment.lines.all())}
    if refund.state != Refund.State.DUE:
        messages.info(request, _("Khoản hoàn này đã được ghi nhận là đã hoàn."))
        return redirect(reverse("backoffice:dossier", args=[dossier.code]) + "#s-payments")
    form = RefundDoneForm(request.POST or None, request.FILES or None, payment=payment)
    if request.method != "POST":
        return _form_page(request, "refund_done.html", context, form)

    def call(data):
        payment_services.refund_record_done(
            refund=refund,
            actor=request.user,
            method=data["method"],
            proof=data["proof"],
            reference=data["reference"],
            note=data["note"],
            done_at=data["done_at"],
        )

    return _run(
        request,
        form,
        call,
        context=context,
        template="refund_done.html",
        done=_("Đã ghi nhận hoàn %(amount)s cho người nộp.") % {"amount": format_vnd(refund.amount)},
        dossier=dossier,
    )


def _refund_of(request, dossier, refund_id: int) -> Refund:
    try:
        refund = payment_reads.refund_get_for(request.user, refund_id)
    except NotFound as error:
        raise Http404(error.message) from error
    if refund.request.dossier_id != dossier.pk:
        raise Http404(_("Không tìm thấy thông tin thanh toán."))
    return refund


# --- Files of a dossier's payments ------------------------------------------------------------------------------


def _file(stored, *, name: str, content_type: str):
    try:
        with stored.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("Tệp không còn trong kho lưu trữ.")) from error
    inline = content_type in ("application/pdf", "image/jpeg", "image/png")
    response = HttpResponse(content, content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@staff_required
def collection_proof(request, code: str, collection_id: int):
    dossier = dossier_or_404(request, code)
    collection = (
        ManualCollection.objects.filter(pk=collection_id, request__dossier=dossier).only(
            "proof", "proof_name", "proof_content_type"
        )
    ).first()
    if collection is None or not collection.proof:
        raise Http404(_("Không tìm thấy chứng từ."))
    return _file(collection.proof, name=collection.proof_name, content_type=collection.proof_content_type)


@require_safe
@staff_required
def refund_proof(request, code: str, refund_id: int):
    dossier = dossier_or_404(request, code)
    refund = _refund_of(request, dossier, refund_id)
    if not refund.proof:
        raise Http404(_("Không tìm thấy chứng từ."))
    return _file(refund.proof, name=refund.proof_name, content_type=refund.proof_content_type)


@require_safe
@staff_required
def receipt(request, code: str, receipt_id: int):
    """A receipt of the dossier as PDF, shown in the browser to print."""
    dossier = dossier_or_404(request, code)
    try:
        row = payment_reads.receipt_get_for(request.user, receipt_id)
    except NotFound as error:
        raise Http404(error.message) from error
    if row.request.dossier_id != dossier.pk:
        raise Http404(_("Không tìm thấy biên lai."))
    try:
        if not row.file:  # issued moments ago: keep its PDF now rather than wait for the job
            row = payment_services.receipt_store_pdf(receipt=row)
        content = payment_reads.receipt_pdf(row)
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("Tệp không còn trong kho lưu trữ.")) from error
    response = HttpResponse(content, content_type="application/pdf")
    series = "".join(ch if ch.isalnum() else "-" for ch in row.series).strip("-")
    response["Content-Disposition"] = content_disposition_header(
        False, f"bien-lai-{series}-{row.number:07d}.pdf"
    )
    return response


# --- Lists of the agency ----------------------------------------------------------------------------------------


DATE_INPUT = "%d/%m/%Y"


def _date_field(label, *, required: bool = False) -> forms.DateField:
    """A day typed dd/mm/yyyy (ISO accepted too), like the other back-office date filters."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=[DATE_INPUT, "%Y-%m-%d"],
        help_text=gettext_lazy("Dạng ngày/tháng/năm, ví dụ 02/03/2026."),
        widget=forms.DateInput(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "size": 10},
            format=DATE_INPUT,
        ),
        error_messages={
            "required": gettext_lazy("Vui lòng nhập ngày."),
            "invalid": gettext_lazy("Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 02/03/2026."),
        },
    )


class PeriodForm(forms.Form):
    tu_ngay = _date_field(gettext_lazy("Từ ngày"))
    den_ngay = _date_field(gettext_lazy("Đến ngày"))
    hinh_thuc = forms.ChoiceField(label=gettext_lazy("Hình thức"), required=False)

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hinh_thuc"].choices = [("", _("Tất cả"))] + [(m.value, m.label) for m in methods]

    def clean(self):
        data = super().clean()
        since, until = data.get("tu_ngay"), data.get("den_ngay")
        if since and until and since > until:
            self.add_error("den_ngay", _("“Đến ngày” phải sau “Từ ngày”."))
        if since and until and (until - since).days > 366:
            self.add_error("den_ngay", _("Chọn khoảng thời gian không quá một năm."))
        return data


def _period(request, methods):
    """The period asked for (default: this month so far), the chosen method and the bound form."""
    today = timezone.localdate()
    since, until, method = today.replace(day=1), today, ""
    form = PeriodForm(request.GET or None, methods=methods, initial={"tu_ngay": since, "den_ngay": until})
    if form.is_bound and form.is_valid():
        since = form.cleaned_data["tu_ngay"] or since
        until = form.cleaned_data["den_ngay"] or until
        method = form.cleaned_data["hinh_thuc"] or ""
    return form, since, until, method


def _list_guard(request):
    if not payment_reads.payment_staff_may_see(request.user):
        raise _Refused(
            _("Trang này dành cho cán bộ thu phí, lệ phí, lãnh đạo, giám sát và quản trị của cơ quan.")
        )


@require_safe
@staff_required
def collections(request):
    """Khoản thu trực tiếp: cash, bank transfers and post-office collections of the agency over a period."""
    try:
        _list_guard(request)
    except _Refused as error:
        return _refused(request, error)
    form, since, until, method = _period(request, MANUAL_METHODS)
    rows = payment_reads.collections_for(request.user, since=since, until=until)
    if request.desk.agency_id:
        rows = rows.filter(agency_id=request.desk.agency_id)
    if method:
        rows = rows.filter(method=method)
    totals = payment_reads.collection_totals(rows)
    return render(
        request,
        "backoffice/payments/collections.html",
        {"form": form, "since": since, "until": until, "page": page_of(request, rows), "totals": totals},
        status=422 if form.errors else 200,
    )


@require_safe
@staff_required
def receipts(request):
    """Biên lai: every receipt the agency issued over a period (online and at the counter), with totals."""
    try:
        _list_guard(request)
    except _Refused as error:
        return _refused(request, error)
    form, since, until, method = _period(request, list(CollectionMethod))
    rows = payment_reads.receipts_for(
        request.user, agency_id=request.desk.agency_id, since=since, until=until, method=method or None
    )
    return render(
        request,
        "backoffice/payments/receipts.html",
        {
            "form": form,
            "since": since,
            "until": until,
            "page": page_of(request, rows),
            "totals": payment_reads.receipt_totals(rows),
        },
        status=422 if form.errors else 200,
    )


@require_safe
@staff_required
def refunds(request):
    """Hoàn phí: refunds still to pay back first, then those done."""
    try:
        _list_guard(request)
    except _Refused as error:
        return _refused(request, error)
    show = request.GET.get("tinh-trang", Refund.State.DUE)
    if show not in (Refund.State.DUE, Refund.State.DONE, "all"):
        show = Refund.State.DUE
    rows = payment_reads.refunds_for(request.user, state=None if show == "all" else show)
    if request.desk.agency_id:
        agency = request.desk.agency_id
        rows = rows.filter(
            Q(request__dossier__receiving_agency_id=agency) | Q(request__dossier__competent_agency_id=agency)
        )
    return render(
        request,
        "backoffice/payments/refunds.html",
        {
            "page": page_of(request, rows.order_by("state", "-due_since", "-id")),
            "show": show,
            "filters": [
                (Refund.State.DUE, _("Chờ hoàn")),
                (Refund.State.DONE, _("Đã hoàn")),
                ("all", _("Tất cả")),
            ],
        },
    )


# --- Reconciliation --------------------------------------------------------------------------------------------


class ReconciliationForm(forms.Form):
    ngay = _date_field(gettext_lazy("Ngày giao dịch"), required=True)
    cong = forms.ChoiceField(label=gettext_lazy("Cổng thanh toán"), choices=Provider.choices)

    def clean_ngay(self):
        day = self.cleaned_data["ngay"]
        if day >= timezone.localdate():
            raise forms.ValidationError(_("Chỉ đối soát được những ngày đã qua."))
        return day


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("Cách xử lý"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Vui lòng ghi cách đã xử lý chênh lệch.")},
    )


STATUS_LABELS = {**dict(PaymentTransaction.Status.choices), "00": gettext_lazy("Thành công")}


def _described(mismatches: list) -> list:
    """Mismatches with the words the page shows: the dossier's code and each side's status."""
    for mismatch in mismatches:
        transaction = mismatch.transaction
        mismatch.dossier_code = transaction.request.dossier.code if transaction is not None else ""
        mismatch.provider_status_label = str(
            STATUS_LABELS.get(mismatch.provider_status, mismatch.provider_status)
        )
        mismatch.our_status_label = str(STATUS_LABELS.get(mismatch.our_status, mismatch.our_status))
    return mismatches


def _reconciliation_context(request, day: date, provider: str) -> dict:
    runs = payment_reads.reconciliation_runs_of_day(day=day, provider=provider)
    latest = runs[0] if runs else None
    return {
        "day": day,
        "provider": provider,
        "provider_label": payment_reads.provider_label(provider),
        "runs": runs,
        "latest": latest,
        "mismatches": _described(payment_reads.mismatches_for(request.user, run=latest)) if latest else [],
        "open_mismatches": _described(payment_reads.mismatches_for(request.user, open_only=True)),
        "may_resolve": payment_reads.may_resolve_mismatches(request.user),
        "resolve_form": ResolveForm(),
    }


def _reconciliation_url(day: date, provider: str) -> str:
    return f"{reverse('backoffice:payments_reconciliation')}?{urlencode({'ngay': day.strftime(DATE_INPUT), 'cong': provider})}"


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def reconciliation(request):
    """Đối soát: one day at one provider, what differs, and a button to run it again."""
    try:
        _list_guard(request)
    except _Refused as error:
        return _refused(request, error)
    yesterday = timezone.localdate() - timedelta(days=1)
    providers = [choice.code for choice in payment_reads.enabled_providers()] or list(Provider.values)
    source = request.POST if request.method == "POST" else request.GET
    form = ReconciliationForm(source or None, initial={"ngay": yesterday, "cong": providers[0]})
    form.fields["cong"].choices = [(code, payment_reads.provider_label(code)) for code in providers]
    day, provider, status = yesterday, providers[0], 200
    if form.is_bound:
        if form.is_valid():
            day, provider = form.cleaned_data["ngay"], form.cleaned_data["cong"]
        else:
            status = 422
    if request.method == "POST" and status == 200:
        try:
            run = payment_services.reconciliation_run(day=day, provider=provider, actor=request.user)
        except ApplicationError as error:
            form.add_error(None, error.message)
            status = error_status(error)
        else:
            messages.success(
                request,
                _("Đã đối soát ngày %(day)s: %(outcome)s.")
                % {"day": day.strftime("%d/%m/%Y"), "outcome": run.get_outcome_display().lower()},
            )
            return redirect(_reconciliation_url(day, provider))
    context = _reconciliation_context(request, day, provider)
    return render(
        request, "backoffice/payments/reconciliation.html", {**context, "form": form}, status=status
    )


@require_POST
@staff_required
def mismatch_resolve(request, mismatch_id: int):
    try:
        _list_guard(request)
    except _Refused as error:
        return _refused(request, error)
    try:
        mismatch = payment_reads.mismatch_get_for(request.user, mismatch_id)
    except NotFound as error:
        raise Http404(error.message) from error
    back = _reconciliation_url(mismatch.run.day, mismatch.run.provider)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("resolution", [])))
        return redirect(back + f"#m-{mismatch.pk}")
    try:
        payment_services.reconciliation_mismatch_resolve(
            mismatch=mismatch, actor=request.user, resolution=form.cleaned_data["resolution"]
        )
    except (Conflict, PermissionDenied, ApplicationError) as error:
        messages.error(request, error.message)
        return redirect(back + f"#m-{mismatch.pk}")
    messages.success(request, _("Đã ghi nhận cách xử lý chênh lệch %(ref)s.") % {"ref": mismatch.reference})
    return redirect(back)
