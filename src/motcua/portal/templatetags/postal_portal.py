"""``{% dossier_postal dossier %}``: the postal journey of a citizen's dossier on "Hồ sơ của tôi"; also the plain
Vietnamese words of shipment statuses used by the portal's postal pages (``portal/postal/``).

The dossier has already passed the access gate of the page that includes it. Dossiers neither sent nor
returned by post cost no query; the others read ``postal.selectors.postal_journey_for_dossier`` (four queries).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext_lazy as _

from motcua.postal.models import Direction, OrderStatus, SyncState
from motcua.postal.selectors import postal_journey_for_dossier

register = template.Library()

S = OrderStatus

# What a status means for the applicant, per direction: (words, tone of the portal's .timing badge).
INBOUND_WORDS = {
    S.CREATED: (_("Đã ghi nhận yêu cầu; đang chờ gửi sang bưu điện."), "wait"),
    S.ACCEPTED: (_("Bưu điện đã nhận yêu cầu và sẽ liên hệ để đến nhận hồ sơ của bạn."), "wait"),
    S.PICKED_UP: (_("Nhân viên bưu điện đã nhận hồ sơ của bạn."), "ok"),
    S.IN_TRANSIT: (_("Hồ sơ đang được chuyển đến cơ quan."), "wait"),
    S.DELIVERED: (_("Bưu điện đã giao hồ sơ cho cơ quan."), "ok"),
    S.DELIVERY_FAILED: (_("Bưu điện chưa giao được hồ sơ cho cơ quan."), "late"),
    S.RETURNED: (_("Hồ sơ được bưu điện chuyển trả lại bạn."), "late"),
    S.CANCELLED: (_("Yêu cầu đã hủy."), "late"),
}
OUTBOUND_WORDS = {
    S.CREATED: (_("Cơ quan đã chuẩn bị gửi kết quả; đang chờ gửi sang bưu điện."), "wait"),
    S.ACCEPTED: (_("Bưu điện đã nhận yêu cầu chuyển kết quả cho bạn."), "wait"),
    S.PICKED_UP: (_("Bưu điện đã nhận kết quả từ cơ quan."), "wait"),
    S.IN_TRANSIT: (_("Kết quả đang được chuyển đến bạn."), "wait"),
    S.DELIVERED: (_("Bưu điện đã phát kết quả cho bạn."), "ok"),
    S.DELIVERY_FAILED: (
        _("Bưu điện chưa phát được kết quả cho bạn; bưu điện sẽ liên hệ để phát lại."),
        "late",
    ),
    S.RETURNED: (_("Bưu điện không phát được và đã chuyển kết quả về cơ quan."), "late"),
    S.CANCELLED: (_("Việc gửi kết quả qua bưu điện đã hủy."), "late"),
}


# The first step of a journey, told afterwards.
CREATED_WORDS = {
    Direction.INBOUND: _("Bạn gửi yêu cầu bưu điện đến nhận hồ sơ."),
    Direction.OUTBOUND: _("Cơ quan tạo yêu cầu gửi kết quả cho bạn qua bưu điện."),
}


def status_words(direction: str, status: str) -> tuple[str, str]:
    words = OUTBOUND_WORDS if direction == Direction.OUTBOUND else INBOUND_WORDS
    text, tone = words.get(status, ("", "wait"))
    return str(text), tone


@dataclass
class Step:
    at: object
    title: str
    tone: str
    details: list[str]


@dataclass
class Shipment:
    """One shipment as the applicant reads it: the slip number, where it is, and its journey."""

    order: object
    heading: str
    words: str
    tone: str
    steps: list[Step]

    @property
    def waiting_for_operator(self) -> bool:
        return self.order.status == S.CREATED and self.order.sync_state != SyncState.FAILED


def shipment_of(order) -> Shipment:
    """``order`` with its tracking events as ``order.journey`` (``postal.selectors``) in plain words."""
    heading = (
        _("Chuyển kết quả đến bạn")
        if order.direction == Direction.OUTBOUND
        else _("Chuyển hồ sơ đến cơ quan")
    )
    words, tone = status_words(order.direction, order.status)
    created = CREATED_WORDS[order.direction]
    steps = [Step(at=order.created_at, title=str(created), tone="", details=[])]
    events = list(getattr(order, "journey", []))
    if order.sent_at and not any(event.status == S.ACCEPTED for event in events):
        # the operator accepted the request (its answer, not a tracking event)
        steps.append(
            Step(at=order.sent_at, title=status_words(order.direction, S.ACCEPTED)[0], tone="", details=[])
        )
    for event in events:
        title, event_tone = status_words(order.direction, event.status)
        details = [detail for detail in (event.location, event.note) if detail]
        steps.append(Step(at=event.occurred_at, title=title, tone=event_tone, details=details))
    if order.status == S.DELIVERY_FAILED and order.failure_reason:
        words = f"{words} {_('Lý do')}: {order.failure_reason}"
    return Shipment(order=order, heading=str(heading), words=words, tone=tone, steps=steps)


@register.inclusion_tag("portal/postal/_dossier_postal.html")
def dossier_postal(dossier):
    journey = postal_journey_for_dossier(dossier)
    if journey is None:
        return {"journey": None}
    sent = any(order.status not in (S.CANCELLED, S.RETURNED) for order in journey.outbound)
    return {
        "dossier": dossier,
        "journey": journey,
        "arrangement": journey.arrangement,
        "shipments": [shipment_of(order) for order in journey.orders],
        # The applicant may still change where the result goes: not handed to the post, not returned.
        "may_change_address": dossier.result_channel == "postal" and dossier.status != 10 and not sent,
    }
