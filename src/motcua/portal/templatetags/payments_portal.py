"""``{% dossier_payments dossier %}``: the fees of a citizen's dossier on "Hồ sơ của tôi" (portal/payments/).

The dossier has already passed the access gate of the page that includes it; the tag reads the payment
summary (a fixed number of queries) and says each state in plain Vietnamese.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from motcua.payments.models import PaymentRequest, PaymentTransaction
from motcua.payments.selectors import payment_summary_for, public_payment_state

register = template.Library()

State = PaymentRequest.State

# (words, tone of the portal's .timing badge)
STATE_WORDS = {
    State.UNPAID: (_("Chưa thanh toán"), "wait"),
    State.PENDING: (_("Đang chờ xác nhận thanh toán"), "wait"),
    State.PAID: (_("Đã thanh toán"), "ok"),
    State.REFUNDED: (_("Đã hoàn phí"), "done"),
    State.CANCELLED: (_("Đã hủy"), ""),
}


def state_words(payment: PaymentRequest) -> tuple[str, str]:
    if payment.state == State.CANCELLED and payment.exempt:
        return str(_("Được miễn")), "ok"
    words, tone = STATE_WORDS.get(payment.state, (payment.get_state_display(), ""))
    return str(words), tone


def payment_rows(summary) -> list[dict]:
    rows = []
    for payment in summary.requests:
        words, tone = state_words(payment)
        pending = next(
            (t for t in payment.transactions.all() if t.status == PaymentTransaction.Status.INITIATED), None
        )
        rows.append(
            {
                "payment": payment,
                "lines": list(payment.lines.all()),
                "state": words,
                "tone": tone,
                "pending": pending if payment.state == State.PENDING else None,
                "receipts": list(payment.receipts.all()),
            }
        )
    return rows


@register.inclusion_tag("portal/payments/_dossier_panel.html")
def dossier_payments(dossier, summary=None):
    """``summary``: the dossier's ``payment_summary_for`` when the page has already read it."""
    summary = summary if summary is not None else payment_summary_for(dossier)
    return {
        "dossier": dossier,
        "summary": summary,
        "rows": payment_rows(summary),
        "refunds": [refund for payment in summary.requests for refund in payment.refunds.all()],
    }


PUBLIC_WORDS = {
    State.UNPAID: _("Chưa thanh toán"),
    State.PENDING: _("Đang chờ xác nhận thanh toán"),
    State.PAID: _("Đã thanh toán"),
    State.REFUNDED: _("Đã hoàn phí"),
}


@register.simple_tag
def public_payment_words(code: str) -> str:
    """For the public lookup page: whether the dossier's fees are paid, in plain words ("" if none are owed)."""
    return str(PUBLIC_WORDS.get(public_payment_state(code), ""))
