"""``{% payments_panel dossier %}``: the payments panel of the back-office dossier page.

The dossier has passed the access gate of the page; the tag reads its payment summary (a fixed number of
queries) and offers the forms the officer may use (``backoffice.views.payments``).
"""

from __future__ import annotations

from django import template

from motcua.payments.models import PaymentRequest, Refund
from motcua.payments.selectors import payment_summary_for

from ..views.payments import may_handle_payments

register = template.Library()


def panel_rows(summary, *, may_write: bool) -> list[dict]:
    rows = []
    for payment in summary.requests:
        refunds = list(payment.refunds.all())
        rows.append(
            {
                "payment": payment,
                "lines": list(payment.lines.all()),
                "transactions": list(payment.transactions.all()),
                "collections": list(payment.collections.all()),
                "receipts": list(payment.receipts.all()),
                "refunds": refunds,
                "can_collect": may_write and payment.is_open and payment.amount > 0,
                "can_exempt": may_write and payment.is_open,
                "can_refund": may_write
                and payment.state == PaymentRequest.State.PAID
                and not any(refund.transaction_id is None for refund in refunds),
                "due_refunds": [r for r in refunds if r.state == Refund.State.DUE] if may_write else [],
            }
        )
    return rows


@register.inclusion_tag("backoffice/payments/_panel.html", takes_context=True)
def payments_panel(context, dossier):
    request = context["request"]
    summary = payment_summary_for(dossier)
    may_write = may_handle_payments(request, dossier)
    return {
        "request": request,
        "dossier": dossier,
        "summary": summary,
        "rows": panel_rows(summary, may_write=may_write),
        "may_write": may_write,
    }


@register.simple_tag(takes_context=True)
def may_see_payments(context) -> bool:
    """Whether the navigation offers the payment lists: a payment role at the agency worked at (no query)."""
    from motcua.payments.selectors import PAYMENT_STAFF_ROLES

    request = context.get("request")
    desk = getattr(request, "desk", None)
    if request is None or desk is None:
        return False
    return request.user.is_superuser or any(role in PAYMENT_STAFF_ROLES for role in desk.roles)
