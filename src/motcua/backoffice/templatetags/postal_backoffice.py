"""Postal pieces of the back-office pages (``backoffice/postal/``):

* ``{% dossier_postal_panel dossier %}``: the postal arrangement and shipments of a dossier on its page, and
  that the result waits to go by post when the dossier is resolved and returns by post (the button to send it
  is among the page's actions, for the officers who return results: ``views.dossier.postal_return_offer``);
* ``{{ order|queue_words }}``: where the request to the postal operator stands, in Vietnamese (the queue
  keeps it when the operator is down);
* ``{{ order|stage }}``: the list stage of an order (``postal.selectors.SHIPMENT_STAGES``).

The dossier has passed the access gate of the page. Dossiers with nothing postal cost no query.
"""

from __future__ import annotations

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers.workflow import DossierStatus
from motcua.postal.models import OrderStatus, SyncAction, SyncState
from motcua.postal.selectors import postal_journey_for_dossier, shipment_stage_of

register = template.Library()

STAGE_LABELS = {
    "queued": gettext_lazy("Đang chờ gửi sang bưu điện"),
    "sent": gettext_lazy("Bưu điện đã nhận yêu cầu"),
    "in_transit": gettext_lazy("Đang vận chuyển"),
    "delivered": gettext_lazy("Đã phát"),
    "failed": gettext_lazy("Phát không thành công"),
    "cancelled": gettext_lazy("Đã hủy"),
}


# The audit actions of ``postal.models.PostalEvent`` in words.
EVENT_LABELS = {
    "arrangement_created": gettext_lazy("Ghi nhận đăng ký bưu chính"),
    "arrangement_recorded": gettext_lazy("Ghi nhận hồ sơ nộp tại bưu cục"),
    "arrangement_cancelled": gettext_lazy("Hủy đăng ký bưu chính"),
    "return_address_set": gettext_lazy("Cập nhật địa chỉ nhận kết quả"),
    "order_created": gettext_lazy("Tạo đơn bưu gửi"),
    "order_sent": gettext_lazy("Đã gửi yêu cầu sang bưu điện"),
    "order_send_delayed": gettext_lazy("Bưu điện chưa phản hồi: yêu cầu được giữ để gửi lại"),
    "order_send_failed": gettext_lazy("Bưu điện từ chối yêu cầu"),
    "order_requeued": gettext_lazy("Đưa yêu cầu vào hàng đợi gửi lại"),
    "order_cancelled": gettext_lazy("Hủy đơn bưu gửi"),
    "order_cancel_queued": gettext_lazy("Yêu cầu hủy chờ gửi sang bưu điện"),
    "order_cancel_sent": gettext_lazy("Đã gửi yêu cầu hủy sang bưu điện"),
    "order_handed_over": gettext_lazy("Giao nhận theo biên bản"),
    "tracking": gettext_lazy("Cập nhật hành trình"),
    "delivery_failed": gettext_lazy("Phát không thành công"),
    "result_returned": gettext_lazy("Đã trả kết quả, hồ sơ kết thúc"),
    "return_not_recorded": gettext_lazy("Phát thành công nhưng hồ sơ chưa được ghi trả kết quả"),
    "handover_created": gettext_lazy("Lập biên bản giao nhận"),
    "handover_item_added": gettext_lazy("Thêm hồ sơ vào biên bản"),
    "handover_item_removed": gettext_lazy("Bỏ hồ sơ khỏi biên bản"),
    "handover_incomplete": gettext_lazy("Hồ sơ chưa đầy đủ, chưa tiếp nhận"),
    "handover_signed": gettext_lazy("Ký biên bản giao nhận"),
}


@register.filter
def event_label(event) -> str:
    return str(EVENT_LABELS.get(event.action, event.action))


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y") if value else ""


@register.filter
def queue_words(order) -> str:
    """The request to the operator (create, or cancel) and how its sending goes."""
    cancel = order.sync_action == SyncAction.CANCEL
    if order.sync_state == SyncState.QUEUED:
        words = _("Yêu cầu hủy đang chờ gửi sang bưu điện.") if cancel else _("Đang chờ gửi sang bưu điện.")
        if order.attempts:
            words += " " + _(
                "Hệ thống bưu điện chưa phản hồi (đã thử %(count)s lần; thử lại lúc %(when)s). Yêu cầu được giữ "
                "và tự gửi khi bưu điện hoạt động trở lại."
            ) % {"count": order.attempts, "when": _moment(order.next_attempt_at)}
        return words
    if order.sync_state == SyncState.SENDING:
        return _("Đang gửi sang bưu điện.")
    if order.sync_state == SyncState.FAILED:
        return _("Bưu điện từ chối yêu cầu: %(error)s") % {"error": order.last_error or "—"}
    if cancel:
        return _("Bưu điện đã nhận yêu cầu hủy lúc %(when)s.") % {"when": _moment(order.sent_at)}
    return _("Bưu điện đã nhận yêu cầu lúc %(when)s.") % {"when": _moment(order.sent_at)}


@register.filter
def stage(order) -> str:
    return shipment_stage_of(order)


@register.filter
def stage_label(order) -> str:
    return str(STAGE_LABELS[shipment_stage_of(order)])


@register.inclusion_tag("backoffice/postal/_dossier_panel.html")
def dossier_postal_panel(dossier):
    journey = postal_journey_for_dossier(dossier)
    if journey is None:
        return {"journey": None}
    live = [o for o in journey.outbound if o.status not in (OrderStatus.CANCELLED, OrderStatus.RETURNED)]
    return {
        "dossier": dossier,
        "journey": journey,
        "arrangement": journey.arrangement,
        "orders": journey.orders,
        "may_send": dossier.status == DossierStatus.RESOLVED
        and dossier.result_channel == "postal"
        and not live,
    }
