"""The citizen's payment pages: pay the fees of a dossier online, come back from the payment page, receipts.

Every page needs a signed-in account and shows only that account's own dossiers: anything else answers 404,
like an unknown code. The pages only read and display; the one write is ``payments.services.payment_start``
(the pay form), after which the browser goes to the provider's payment page. What the provider says when it
sends the browser back is never trusted: the payment is recorded when the provider's signed callback or IPN
arrives (``api/routers/payments.py``), and the return page shows "đang xác nhận" until then, with a link to
look again. Plain forms and links: everything works without JavaScript.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from motcua.core.errors import ApplicationError, NotFound
from motcua.dossiers import selectors as dossier_reads
from motcua.payments import selectors as payment_reads
from motcua.payments import services as payment_services
from motcua.payments.models import PaymentRequest, PaymentTransaction

from .forms_dossiers import AccessibleForm

# What each provider is called on the citizen's page, and what it takes.
PROVIDER_LABELS = {
    "paygov": gettext_lazy("Nền tảng thanh toán quốc gia (Cổng Dịch vụ công quốc gia)"),
    "vnpay": gettext_lazy("Cổng thanh toán ngân hàng (VNPay)"),
}
PROVIDER_HINTS = {
    "paygov": gettext_lazy(
        "Tài khoản ngân hàng, ví điện tử hoặc thẻ, qua nền tảng thanh toán của Cổng quốc gia."
    ),
    "vnpay": gettext_lazy("Thẻ ATM nội địa, thẻ quốc tế hoặc mã QR của ứng dụng ngân hàng."),
}
# Query parameters that carry our reference when a provider sends the browser back.
REFERENCE_PARAMETERS = ("ref", "vnp_TxnRef", "MaThamChieu", "maThamChieu")


def _my_dossier(user, code: str):
    """The account's own dossier ``code``; 404 for unknown codes and for dossiers of anyone else."""
    try:
        dossier = dossier_reads.dossier_get_for(user, code)
    except NotFound as error:
        raise Http404(error.message) from error
    if dossier.owner_id != user.pk:
        raise Http404(_("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code})
    return dossier


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


def provider_label(code: str) -> str:
    return str(PROVIDER_LABELS.get(code) or payment_reads.provider_label(code))


class PayForm(AccessibleForm):
    """The provider to pay with, and what the citizen saw (request and amount), so nothing changes unseen."""

    provider = forms.ChoiceField(
        label=gettext_lazy("Chọn cách thanh toán"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Vui lòng chọn cách thanh toán.")},
    )
    request_id = forms.UUIDField(widget=forms.HiddenInput)
    amount = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(choice.code, provider_label(choice.code)) for choice in providers]
        if providers:
            self.fields["provider"].initial = providers[0].code
        self.fields["provider"].error_messages["invalid_choice"] = _(
            "Cách thanh toán này không được hỗ trợ; vui lòng chọn trong danh sách."
        )


def _payable(summary):
    """The request the citizen can pay online now (None when there is nothing to pay online)."""
    return summary.payable_online


def _pay_context(dossier, summary, form, **extra) -> dict:
    request_ = _payable(summary)
    pending = None
    if request_ is not None:
        pending = next(
            (t for t in request_.transactions.all() if t.status == PaymentTransaction.Status.INITIATED), None
        )
    return {
        "dossier": dossier,
        "summary": summary,
        "payable": request_,
        "lines": list(request_.lines.all()) if request_ is not None else [],
        "pending": pending,
        "form": form,
        "hints": {code: str(hint) for code, hint in PROVIDER_HINTS.items()},
        **extra,
    }


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pay(request, code: str):
    """/ho-so-cua-toi/<mã>/thanh-toan/: the fees due, the choice of provider, then off to its payment page."""
    dossier = _my_dossier(request.user, code)
    summary = payment_reads.payment_summary_for(dossier)
    providers = payment_reads.enabled_providers()
    payable = _payable(summary)
    initial = {"request_id": payable.public_id, "amount": payable.amount} if payable is not None else {}
    form = PayForm(request.POST or None, providers=providers, initial=initial)
    if request.method != "POST":
        return render(request, "portal/payments/pay.html", _pay_context(dossier, summary, form))
    if payable is None:
        nothing = _("Hồ sơ không còn khoản nào cần thanh toán trực tuyến; không có gì được thực hiện.")
        context = _pay_context(dossier, summary, form, page_errors=[nothing])
        return render(request, "portal/payments/pay.html", context, status=409)
    if not form.is_valid():
        if form["request_id"].errors or form["amount"].errors:
            form.add_error(None, _("Dữ liệu gửi lên không đầy đủ; vui lòng tải lại trang rồi thực hiện lại."))
        return render(request, "portal/payments/pay.html", _pay_context(dossier, summary, form), status=422)
    if form.cleaned_data["request_id"] != payable.public_id or form.cleaned_data["amount"] != payable.amount:
        # The page was stale: the amount or the request changed since it was shown.
        fresh = PayForm(
            providers=providers, initial={"request_id": payable.public_id, "amount": payable.amount}
        )
        stale = _("Số tiền phải nộp vừa thay đổi. Vui lòng xem lại số tiền dưới đây rồi chọn thanh toán lại.")
        context = _pay_context(dossier, summary, fresh, page_errors=[stale])
        return render(request, "portal/payments/pay.html", context, status=409)
    try:
        transaction = payment_services.payment_start(
            request=payable,
            actor=request.user,
            provider=form.cleaned_data["provider"],
            client_ip=_client_ip(request),
            return_url=request.build_absolute_uri(reverse("payments:return")),
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        status = error.status if error.status >= 400 else 422
        return render(
            request, "portal/payments/pay.html", _pay_context(dossier, summary, form), status=status
        )
    return redirect(transaction.payment_url)


def _reference_from(request) -> str:
    for name in REFERENCE_PARAMETERS:
        value = (request.GET.get(name) or "").strip()
        if value:
            return value[:64]
    return ""


@never_cache
@login_required
@require_safe
def payment_return(request):
    """/thanh-toan/ket-qua/?vnp_TxnRef=…: where the provider sends the browser back. Display only: the state
    shown is the one recorded from the provider's signed callback, never what the address bar says."""
    reference = _reference_from(request)
    transaction = payment_reads.payment_transaction_by_reference(reference) if reference else None
    if transaction is None or transaction.request.dossier.owner_id != request.user.pk:
        raise Http404(_("Không tìm thấy giao dịch thanh toán."))
    dossier = _my_dossier(request.user, transaction.request.dossier.code)
    payment = transaction.request
    if transaction.status == PaymentTransaction.Status.SUCCEEDED:
        outcome = "paid"
    elif transaction.status == PaymentTransaction.Status.FAILED:
        outcome = "paid" if payment.state == PaymentRequest.State.PAID else "failed"
    else:
        outcome = "paid" if payment.state == PaymentRequest.State.PAID else "confirming"
    summary = payment_reads.payment_summary_for(dossier)
    receipts = [receipt for receipt in summary.receipts if receipt.request_id == payment.pk]
    return render(
        request,
        "portal/payments/return.html",
        {
            "dossier": dossier,
            "transaction": transaction,
            "payment": payment,
            "outcome": outcome,
            "provider": provider_label(transaction.provider),
            "receipts": receipts,
            "can_retry": summary.payable_online is not None,
            "refresh_url": f"{reverse('payments:return')}?ref={transaction.reference}",
        },
    )


@login_required
@require_safe
def receipts(request, code: str):
    """/ho-so-cua-toi/<mã>/bien-lai/: receipts to download, payments made and refunds."""
    dossier = _my_dossier(request.user, code)
    summary = payment_reads.payment_summary_for(dossier)
    return render(
        request,
        "portal/payments/receipts.html",
        {
            "dossier": dossier,
            "summary": summary,
            "history": payment_history(summary.requests),
            "refunds": refunds_of(summary.requests),
        },
    )


def refunds_of(requests) -> list:
    return [refund for payment in requests for refund in payment.refunds.all()]


def payment_history(requests) -> list[dict]:
    """Online attempts, counter collections and refunds of the requests, newest first, in plain words."""
    rows = []
    for payment in requests:
        for transaction in payment.transactions.all():
            rows.append(
                {
                    "at": transaction.settled_at or transaction.initiated_at,
                    "what": _("Thanh toán trực tuyến qua %(provider)s")
                    % {"provider": provider_label(transaction.provider)},
                    "amount": transaction.amount,
                    "state": TRANSACTION_WORDS.get(transaction.status, transaction.get_status_display()),
                    "tone": TRANSACTION_TONES.get(transaction.status, ""),
                    "reference": transaction.reference,
                }
            )
        for collection in payment.collections.all():
            rows.append(
                {
                    "at": collection.collected_at,
                    "what": collection.get_method_display(),
                    "amount": collection.amount,
                    "state": _("Đã nộp"),
                    "tone": "ok",
                    "reference": collection.reference,
                }
            )
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows


TRANSACTION_WORDS = {
    PaymentTransaction.Status.INITIATED: gettext_lazy("Đang chờ xác nhận"),
    PaymentTransaction.Status.SUCCEEDED: gettext_lazy("Thành công"),
    PaymentTransaction.Status.FAILED: gettext_lazy("Không thành công"),
}
TRANSACTION_TONES = {
    PaymentTransaction.Status.INITIATED: "wait",
    PaymentTransaction.Status.SUCCEEDED: "ok",
    PaymentTransaction.Status.FAILED: "late",
}


@login_required
@require_safe
def receipt_download(request, code: str, receipt_id: int):
    """One receipt of the account's own dossier, as PDF."""
    dossier = _my_dossier(request.user, code)
    try:
        receipt = payment_reads.receipt_get_for(request.user, receipt_id)
    except NotFound as error:
        raise Http404(error.message) from error
    if receipt.request.dossier_id != dossier.pk:
        raise Http404(_("Không tìm thấy biên lai."))
    try:
        if not receipt.file:  # issued moments ago: keep its PDF now rather than wait for the job
            receipt = payment_services.receipt_store_pdf(receipt=receipt)
        content = payment_reads.receipt_pdf(receipt)
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("Không tìm thấy tệp biên lai.")) from error
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, receipt_filename(receipt))
    return response


def receipt_filename(receipt) -> str:
    series = "".join(ch if ch.isalnum() else "-" for ch in receipt.series).strip("-")
    return f"bien-lai-{series}-{receipt.number:07d}.pdf"
