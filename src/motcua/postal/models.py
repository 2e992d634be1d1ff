"""The public postal service (bưu chính công ích, QĐ 45/2016/QĐ-TTg): see docs/postal.md.

* ``PostalArrangement``: what one applicant asked of the post for one dossier: send the dossier (pickup at an
  address or a post office), receive the result at an address, or both. For the send leg it also holds the
  application data the one-stop unit registers the dossier from when the post hands it over.
* ``PostalOrder``: one shipment booked with the postal operator: inbound (pickup of the dossier from the
  applicant) or outbound (return of the result). ``reference`` is ours (unique, sent to the operator, who is
  idempotent on it); ``slip_number`` is the operator's Phiếu gửi number. Orders leave through a queue
  (``sync_state``) written in the same transaction as the order; a periodic job sends them with backoff.
* ``TrackingEvent``: the operator's tracking updates, append-only, one row per operator event id.
* ``HandoverRecord`` + ``HandoverItem``: the Biên bản giao nhận hồ sơ between postal staff and the agency.
  Its signing moment is the legal submission time of every complete dossier it lists.
* ``PostalEvent``: the audit trail of every change to arrangements, orders and hand-over records
  (append-only).

Rows here are written by ``postal.services`` only; money is whole đồng (VND).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.catalog.models import ProcedureCase
from motcua.core.models import AppendOnlyModel, TimeStampedModel
from motcua.dossiers.models import Dossier

__all__ = [
    "Direction",
    "FeeAccount",
    "HandoverItem",
    "HandoverRecord",
    "OrderStatus",
    "PickupMethod",
    "PostalArrangement",
    "PostalEvent",
    "PostalOption",
    "PostalOrder",
    "SyncAction",
    "SyncState",
    "TrackingEvent",
]


class PostalOption(models.TextChoices):
    """QĐ 45/2016 Art. 5: what the applicant uses the public postal service for."""

    SEND = "send", _("Gửi hồ sơ qua bưu chính")
    RETURN = "return", _("Nhận kết quả qua bưu chính")
    BOTH = "both", _("Gửi hồ sơ và nhận kết quả qua bưu chính")


class PickupMethod(models.TextChoices):
    """QĐ 45/2016 Art. 6: where postal staff take the dossier from the applicant."""

    ADDRESS = "address", _("Nhân viên bưu chính đến nhận tại địa chỉ")
    POST_OFFICE = "post_office", _("Nộp tại bưu cục")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Chuyển hồ sơ đến cơ quan")
    OUTBOUND = "outbound", _("Chuyển trả kết quả")


class OrderStatus(models.TextChoices):
    """Where the shipment is. Moves forward only (see ``postal.tracking.STATUS_RANK``)."""

    CREATED = "created", _("Chờ gửi yêu cầu cho bưu chính")
    ACCEPTED = "accepted", _("Bưu chính đã nhận yêu cầu")
    PICKED_UP = "picked_up", _("Đã nhận bưu gửi")
    IN_TRANSIT = "in_transit", _("Đang vận chuyển")
    DELIVERED = "delivered", _("Đã phát thành công")
    DELIVERY_FAILED = "delivery_failed", _("Phát không thành công")
    RETURNED = "returned", _("Đã chuyển hoàn")
    CANCELLED = "cancelled", _("Đã hủy")


class SyncState(models.TextChoices):
    """The outbound request to the operator (create, or cancel) and how its sending went."""

    QUEUED = "queued", _("Đang chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")


class SyncAction(models.TextChoices):
    CREATE = "create", _("Tạo đơn")
    CANCEL = "cancel", _("Hủy đơn")


class FeeAccount(models.TextChoices):
    """QĐ 45/2016 Art. 11: where the fees collected by postal staff were paid."""

    AGENCY = "agency", _("Tài khoản thu phí của cơ quan")
    OPERATOR = "operator", _("Tài khoản của doanh nghiệp bưu chính (chuyển nộp)")
    CASH = "cash", _("Tiền mặt giao cùng hồ sơ")


class PostalArrangement(TimeStampedModel):
    """Đăng ký dịch vụ bưu chính công ích: one applicant's postal choice for one dossier.

    For the send leg the dossier does not exist yet: ``dossier`` stays empty until the hand-over record that
    lists this arrangement is signed, and the application data below is what the dossier is registered from.
    """

    public_id = models.UUIDField(_("mã đăng ký"), default=uuid.uuid4, unique=True, editable=False)
    option = models.CharField(_("hình thức"), max_length=10, choices=PostalOption.choices)
    dossier = models.OneToOneField(
        Dossier,
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postal_arrangement",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postal_arrangements",
    )

    # Send leg: the application and where postal staff pick it up.
    procedure_case = models.ForeignKey(
        ProcedureCase,
        verbose_name=_("trường hợp thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiving_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan tiếp nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    competent_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan có thẩm quyền giải quyết"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.JSONField(
        _("chủ hồ sơ"),
        default=dict,
        blank=True,
        help_text=_("kind, name, identity_number, phone, email, address: như khi nộp tại quầy."),
    )
    summary = models.TextField(_("trích yếu"), blank=True)
    pickup_method = models.CharField(
        _("nơi giao hồ sơ cho bưu chính"), max_length=12, choices=PickupMethod.choices, blank=True
    )
    pickup_address = models.CharField(_("địa chỉ nhận hồ sơ"), max_length=500, blank=True)
    post_office = models.CharField(_("bưu cục"), max_length=255, blank=True)

    # Return leg: where the result goes.
    recipient_name = models.CharField(_("người nhận kết quả"), max_length=255, blank=True)
    recipient_phone = models.CharField(_("điện thoại người nhận"), max_length=20, blank=True)
    return_address = models.CharField(_("địa chỉ nhận kết quả"), max_length=500, blank=True)

    note = models.TextField(_("ghi chú"), blank=True)
    cancelled_at = models.DateTimeField(_("thời điểm hủy"), null=True, blank=True)

    class Meta:
        verbose_name = _("đăng ký bưu chính công ích")
        verbose_name_plural = _("đăng ký bưu chính công ích")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_option_display()} · {self.dossier_id or self.public_id}"

    @property
    def sends(self) -> bool:
        return self.option in (PostalOption.SEND, PostalOption.BOTH)

    @property
    def returns(self) -> bool:
        return self.option in (PostalOption.RETURN, PostalOption.BOTH)


class PostalOrder(TimeStampedModel):
    """Đơn bưu gửi: one shipment booked with the postal operator (pickup of a dossier, or return of a result)."""

    reference = models.CharField(_("mã tham chiếu"), max_length=40, unique=True)
    direction = models.CharField(_("chiều"), max_length=10, choices=Direction.choices)
    arrangement = models.ForeignKey(
        PostalArrangement,
        verbose_name=_("đăng ký"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postal_orders",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="postal_orders",
        help_text=_("Cơ quan nhận hồ sơ (chiều đến) hoặc gửi kết quả (chiều đi)."),
    )
    provider = models.CharField(_("nhà cung cấp"), max_length=40)
    slip_number = models.CharField(_("số phiếu gửi"), max_length=60, blank=True, db_index=True)

    sender_name = models.CharField(_("người gửi"), max_length=255)
    sender_phone = models.CharField(_("điện thoại người gửi"), max_length=20, blank=True)
    sender_address = models.CharField(_("địa chỉ người gửi"), max_length=500)
    recipient_name = models.CharField(_("người nhận"), max_length=255)
    recipient_phone = models.CharField(_("điện thoại người nhận"), max_length=20, blank=True)
    recipient_address = models.CharField(_("địa chỉ người nhận"), max_length=500)
    contents = models.TextField(_("nội dung bưu gửi"), help_text=_("Danh mục giấy tờ, kết quả gửi kèm."))
    postage = models.PositiveBigIntegerField(
        _("cước phí (đồng)"), null=True, blank=True, help_text=_("Do người dân trả (QĐ 45/2016 Điều 12).")
    )
    cod_amount = models.PositiveBigIntegerField(_("phí, lệ phí bưu chính thu hộ (đồng)"), default=0)

    status = models.CharField(
        _("trạng thái bưu gửi"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.CREATED
    )
    status_changed_at = models.DateTimeField(_("thời điểm đổi trạng thái"), null=True, blank=True)
    last_tracking_at = models.DateTimeField(
        _("thời điểm cập nhật hành trình gần nhất"), null=True, blank=True
    )
    last_tracking_sequence = models.PositiveIntegerField(_("số thứ tự cập nhật gần nhất"), default=0)
    delivered_at = models.DateTimeField(_("thời điểm phát thành công"), null=True, blank=True)
    failed_at = models.DateTimeField(_("thời điểm phát không thành công"), null=True, blank=True)
    failure_reason = models.CharField(_("lý do phát không thành công"), max_length=500, blank=True)

    # The queue of requests to the operator.
    sync_action = models.CharField(
        _("yêu cầu"), max_length=10, choices=SyncAction.choices, default=SyncAction.CREATE
    )
    sync_state = models.CharField(
        _("tình trạng gửi yêu cầu"), max_length=10, choices=SyncState.choices, default=SyncState.QUEUED
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("lần gửi tiếp theo"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("thời điểm gửi yêu cầu thành công"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("đơn bưu gửi")
        verbose_name_plural = _("đơn bưu gửi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(sync_state="queued"),
                name="postal_order_queue",
            ),
            models.Index(fields=["dossier", "direction"], name="postal_order_dossier"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "slip_number"],
                condition=~models.Q(slip_number=""),
                name="postal_order_unique_slip",
            ),
        ]

    def __str__(self) -> str:
        return self.slip_number or self.reference

    @property
    def is_final(self) -> bool:
        return self.status in (OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.CANCELLED)


class TrackingEvent(AppendOnlyModel):
    """One tracking update from the operator (a webhook, or a tracking query), kept as received."""

    order = models.ForeignKey(PostalOrder, on_delete=models.PROTECT, related_name="tracking_events")
    event_id = models.CharField(_("mã sự kiện"), max_length=80)
    sequence = models.PositiveIntegerField(_("số thứ tự"), default=0)
    status = models.CharField(_("trạng thái"), max_length=16, choices=OrderStatus.choices)
    occurred_at = models.DateTimeField(_("thời điểm"))
    recorded_at = models.DateTimeField(_("thời điểm ghi nhận"), auto_now_add=True)
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    source = models.CharField(_("nguồn"), max_length=20, default="webhook")

    class Meta:
        verbose_name = _("hành trình bưu gửi")
        verbose_name_plural = _("hành trình bưu gửi")
        ordering = ["order", "sequence", "occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "event_id"], name="postal_tracking_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status} {self.occurred_at:%d/%m/%Y %H:%M}"


class HandoverRecord(TimeStampedModel):
    """Biên bản giao nhận hồ sơ (QĐ 45/2016 Art. 7; Art. 9 for results handed to the post).

    Drafted with its items, then signed once; ``signed_at`` is the legal submission time of every complete
    dossier it lists (or the time a listed supplement is complete). A signed record does not change.
    """

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("Bưu chính giao hồ sơ cho cơ quan")
        DISPATCH = "dispatch", _("Cơ quan giao kết quả cho bưu chính")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang lập")
        SIGNED = "signed", _("Đã ký")

    number = models.CharField(_("số biên bản"), max_length=40, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.RECEPTION)
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="postal_handovers"
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True, db_index=True)
    receiving_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ tiếp nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    postal_staff_name = models.CharField(_("nhân viên bưu chính"), max_length=255)
    postal_staff_phone = models.CharField(_("điện thoại nhân viên bưu chính"), max_length=20, blank=True)
    postal_unit = models.CharField(_("đơn vị bưu chính"), max_length=255, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("biên bản giao nhận hồ sơ")
        verbose_name_plural = _("biên bản giao nhận hồ sơ")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "signed_at"], name="postal_handover_agency")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class HandoverItem(models.Model):
    """One dossier (and its Phiếu gửi) on a hand-over record, with completeness and the fees the post collected."""

    class Kind(models.TextChoices):
        NEW = "new", _("Hồ sơ mới")
        SUPPLEMENT = "supplement", _("Hồ sơ bổ sung")
        RESULT = "result", _("Kết quả trả qua bưu chính")

    record = models.ForeignKey(HandoverRecord, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices, default=Kind.NEW)
    order = models.ForeignKey(
        PostalOrder,
        verbose_name=_("đơn bưu gửi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    arrangement = models.ForeignKey(
        PostalArrangement,
        verbose_name=_("đăng ký"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handover_items",
    )
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postal_handover_items",
        help_text=_("Hồ sơ mới: được điền khi ký biên bản."),
    )
    slip_number = models.CharField(_("số phiếu gửi"), max_length=60)
    documents = models.TextField(_("danh mục giấy tờ"), blank=True)
    complete = models.BooleanField(_("đầy đủ"), default=True)
    missing_items = models.JSONField(_("giấy tờ còn thiếu"), default=list, blank=True)
    fee_amount = models.PositiveBigIntegerField(_("phí, lệ phí bưu chính đã thu (đồng)"), default=0)
    fee_account = models.CharField(_("nộp vào"), max_length=10, choices=FeeAccount.choices, blank=True)
    fee_receipt_number = models.CharField(_("số biên lai thu phí"), max_length=60, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("hồ sơ trong biên bản giao nhận")
        verbose_name_plural = _("hồ sơ trong biên bản giao nhận")
        ordering = ["record", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "slip_number"], name="postal_handover_slip_once"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.slip_number}"


class PostalEvent(AppendOnlyModel):
    """Audit trail of the postal app: who changed which arrangement, order or hand-over record, and how."""

    occurred_at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("tên người thực hiện"), max_length=200, blank=True)
    action = models.CharField(_("thao tác"), max_length=40)
    arrangement = models.ForeignKey(
        PostalArrangement, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    order = models.ForeignKey(
        PostalOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    handover = models.ForeignKey(
        HandoverRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(_("dữ liệu"), default=dict, blank=True)

    class Meta:
        verbose_name = _("nhật ký bưu chính")
        verbose_name_plural = _("nhật ký bưu chính")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%d/%m/%Y %H:%M} {self.action}"
