"""Receipts (biên lai thu phí / lệ phí): numbering, amount in words and the PDF.

One receipt per kind (phí, lệ phí) of a paid request (payments.md §1: issued separately). Numbers run per
issuing agency, series and year from a ``ReceiptCounter`` row locked in the caller's transaction, never
MAX()+1. The PDF is rendered from the receipt's own stored data, so rendering it again gives the same
document; receipts are rendered outside the payment's transaction (by the worker job, or on first download).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from motcua.core.pdf import html_to_pdf

from .models import FeeKind, Receipt, ReceiptCounter

OFFICIAL_LANGUAGE = "vi"
SERIES_PREFIX = {FeeKind.FEE: "PHI", FeeKind.CHARGE: "LPHI"}


def series_for(kind: str, year: int) -> str:
    """Ký hiệu biên lai: "PHI/26E" (phí) or "LPHI/26E" (lệ phí) for an electronic receipt of 2026."""
    return f"{SERIES_PREFIX[kind]}/{year % 100:02d}E"


def next_receipt_number(*, agency_id: int, series: str, year: int) -> int:
    """Take the next number of ``series`` at ``agency_id`` in ``year``. Must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_receipt_number() must run inside transaction.atomic()")
    counters = ReceiptCounter.objects.select_for_update()
    try:
        counter = counters.get(agency_id=agency_id, series=series, year=year)
    except ReceiptCounter.DoesNotExist:
        try:
            with transaction.atomic():  # savepoint: a lost race must not break the caller's transaction
                counter = ReceiptCounter.objects.create(agency_id=agency_id, series=series, year=year)
        except IntegrityError:
            counter = counters.get(agency_id=agency_id, series=series, year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_GROUPS = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ"]


def _three(number: int, full: bool) -> list[str]:
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens > 1:
        words += [_DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append("tư")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(_DIGITS[units])
    elif units:
        if words:
            words.append("lẻ")
        words.append(_DIGITS[units])
    return words


def amount_in_words(amount: int) -> str:
    """150000 -> "Một trăm năm mươi nghìn đồng" (the "bằng chữ" line of a receipt)."""
    amount = int(amount)
    if amount == 0:
        return "Không đồng"
    groups = []
    while amount:
        amount, group = divmod(amount, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _three(group, full=index < len(groups) - 1)
        if _GROUPS[index]:
            words.append(_GROUPS[index])
    text = " ".join(words)
    return f"{text[0].upper()}{text[1:]} đồng"


def _vnd(amount: int) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đ"


def receipt_context(receipt: Receipt) -> dict:
    request = receipt.request
    dossier = request.dossier
    issued = timezone.localtime(receipt.issued_at)
    return {
        "receipt": receipt,
        "title": "BIÊN LAI THU PHÍ" if receipt.kind == FeeKind.FEE else "BIÊN LAI THU LỆ PHÍ",
        "agency_name": receipt.agency.name,
        "series": receipt.series,
        "number": f"{receipt.number:07d}",
        "payer_name": receipt.payer_name,
        "payer_address": receipt.payer_address,
        "dossier_code": dossier.code,
        "procedure_name": dossier.procedure_version.name,
        "lines": [{**line, "amount_text": _vnd(line["amount"])} for line in receipt.lines],
        "total": _vnd(receipt.amount),
        "total_words": amount_in_words(receipt.amount),
        "method": receipt.get_method_display(),
        "reference": receipt.transaction.reference if receipt.transaction_id else "",
        "provider_transaction_id": receipt.transaction.provider_transaction_id
        if receipt.transaction_id
        else "",
        "collection_reference": receipt.collection.reference if receipt.collection_id else "",
        "issued_date": f"ngày {issued:%d} tháng {issued.month} năm {issued.year}",
        "issued_at": f"{issued:%d/%m/%Y %H:%M}",
    }


def render_receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a PDF (A5), in Vietnamese whatever the reader's language."""
    with translation.override(OFFICIAL_LANGUAGE):
        html = render_to_string("payments/receipt.html", receipt_context(receipt))
    return html_to_pdf(html)
