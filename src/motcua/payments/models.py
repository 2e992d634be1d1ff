"""Fees and charges of a dossier (docs/payments.md, ../shared/domain/payments.md).

* ``PaymentRequest``: what a dossier owes (yêu cầu thanh toán), with its ``PaymentLine`` rows, one per phí or
  lệ phí (from the catalog fees of the dossier's case and channel, or given by staff for a financial
  obligation, status 6). States per payments.md §4: chưa thanh toán, chờ thanh toán, đã thanh toán,
  đã hoàn phí, hủy.
* ``PaymentTransaction``: one online payment attempt at a provider (PayGov-style, VNPay-style), with our
  reference (``MaThamChieu`` / ``vnp_TxnRef``) and the provider's transaction id (``MaGiaoDich``).
* ``PaymentNotification``: append-only log of every callback / IPN / query answer received, with its verdict.
* ``ManualCollection``: cash, bank transfer or collection by the post office, with its proof file.
* ``Receipt`` (biên lai): one per kind (phí, lệ phí) of a paid request, numbered per agency, series and year,
  kept as a PDF. ``ReceiptCounter`` hands out the numbers.
* ``Refund``: a refund due (a paid dossier refused, not received, or paid twice), then recorded as done.
* ``ReconciliationRun`` and ``ReconciliationMismatch``: the daily comparison with the provider's listing.
* ``PaymentEvent``: append-only audit of every state change of the objects above.

Rows here are written by ``payments.services`` only.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.catalog.models import Fee
from motcua.core.models import AppendOnlyModel, TimeStampedModel
from motcua.dossiers.models import Dossier

__all__ = [
    "CollectionMethod",
    "FeeKind",
    "ManualCollection",
    "NotificationVerdict",
    "PaymentEvent",
    "PaymentLine",
    "PaymentNotification",
    "PaymentRequest",
    "PaymentTransaction",
    "Provider",
    "Receipt",
    "ReceiptCounter",
    "ReconciliationMismatch",
    "ReconciliationRun",
    "Refund",
]

FeeKind = Fee.Kind  # "phi" (phí) / "le_phi" (lệ phí)


class Provider(models.TextChoices):
    """Online payment protocols; the sandbox payment server speaks both (``motcua.sandbox.payment``)."""

    PAYGOV = "paygov", _("Nền tảng thanh toán Cổng DVCQG (PayGov)")
    VNPAY = "vnpay", _("Cổng thanh toán VNPay")


class CollectionMethod(models.TextChoices):
    """How a request was paid."""

    ONLINE = "online", _("Thanh toán trực tuyến")
    CASH = "cash", _("Tiền mặt")
    BANK_TRANSFER = "bank_transfer", _("Chuyển khoản")
    POSTAL = "postal", _("Nộp qua bưu chính công ích")


MANUAL_METHODS = (CollectionMethod.CASH, CollectionMethod.BANK_TRANSFER, CollectionMethod.POSTAL)


def _proof_path(folder: str, filename: str) -> str:
    """Stored names never reuse the uploaded name: payments/<folder>/2026/03/<uuid>.<ext>."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"payments/{folder}/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


def collection_proof_path(instance, filename: str) -> str:
    return _proof_path("collections", filename)


def refund_proof_path(instance, filename: str) -> str:
    return _proof_path("refunds", filename)


def receipt_file_path(instance, filename: str) -> str:
    return _proof_path("receipts", filename)


class PaymentRequest(TimeStampedModel):
    """Yêu cầu thanh toán phí, lệ phí (or a financial obligation) of one dossier."""

    class State(models.TextChoices):
        UNPAID = "unpaid", _("Chưa thanh toán")
        PENDING = "pending", _("Chờ thanh toán")  # an online payment was started and is not settled yet
        PAID = "paid", _("Đã thanh toán")
        REFUNDED = "refunded", _("Đã hoàn phí")
        CANCELLED = "cancelled", _("Hủy")

    class Origin(models.TextChoices):
        CATALOG = "catalog", _("Phí, lệ phí theo thủ tục")
        OBLIGATION = "obligation", _("Nghĩa vụ tài chính do cơ quan giải quyết yêu cầu")

    class Timing(models.TextChoices):
        BEFORE = "before", _("Thu trước khi tiếp nhận")
        AFTER = "after", _("Thu sau khi tiếp nhận")

    public_id = models.UUIDField(_("mã tra cứu"), default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="payment_requests"
    )
    origin = models.CharField(_("nguồn"), max_length=12, choices=Origin.choices, default=Origin.CATALOG)
    timing = models.CharField(_("thời điểm thu"), max_length=8, choices=Timing.choices, default=Timing.AFTER)
    state = models.CharField(
        _("tình trạng"), max_length=10, choices=State.choices, default=State.UNPAID, db_index=True
    )
    description = models.TextField(_("nội dung thanh toán"), blank=True)
    amount = models.PositiveBigIntegerField(
        _("số tiền phải nộp (đồng)"), default=0, help_text=_("Tổng các khoản không được miễn.")
    )
    online_payment_allowed = models.BooleanField(_("được thanh toán trực tuyến"), default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("thời điểm yêu cầu"), default=timezone.now)
    paid_at = models.DateTimeField(_("thời điểm thanh toán"), null=True, blank=True)
    paid_via = models.CharField(
        _("hình thức thanh toán"), max_length=16, choices=CollectionMethod.choices, blank=True
    )
    paid_through_dvcqg = models.BooleanField(_("thanh toán qua Cổng DVCQG"), default=False)
    exempt = models.BooleanField(_("được miễn toàn bộ"), default=False)
    exemption_reason = models.TextField(_("lý do miễn"), blank=True)
    cancelled_at = models.DateTimeField(_("thời điểm hủy"), null=True, blank=True)
    cancel_reason = models.TextField(_("lý do hủy"), blank=True)
    refunded_at = models.DateTimeField(_("thời điểm hoàn phí"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("phiên bản dữ liệu"), default=0)

    class Meta:
        verbose_name = _("yêu cầu thanh toán")
        verbose_name_plural = _("yêu cầu thanh toán")
        ordering = ["dossier", "requested_at", "id"]
        indexes = [models.Index(fields=["state", "timing"], name="payment_request_state_timing")]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.amount:,} đ · {self.get_state_display()}".replace(",", ".")

    @property
    def is_open(self) -> bool:
        """Still to be paid (unpaid, or a payment under way)."""
        return self.state in (self.State.UNPAID, self.State.PENDING)

    @property
    def blocks_reception(self) -> bool:
        """A "thu trước" request payable online and not paid yet: the online dossier may not be received
        (payments.md §2; see ``services.reception_check``)."""
        return (
            self.timing == self.Timing.BEFORE
            and self.is_open
            and self.amount > 0
            and self.online_payment_allowed
        )


class PaymentLine(models.Model):
    """One phí or lệ phí of a request (PhiLePhi[]: LoaiPhiLePhi, MaPhiLePhi, TenPhiLePhi, SoTien)."""

    request = models.ForeignKey(PaymentRequest, on_delete=models.CASCADE, related_name="lines")
    fee = models.ForeignKey(
        Fee,
        verbose_name=_("phí, lệ phí theo thủ tục"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("loại"), max_length=10, choices=FeeKind.choices, default=FeeKind.CHARGE)
    code = models.CharField(_("mã phí, lệ phí"), max_length=60, blank=True)
    name = models.CharField(_("tên khoản thu"), max_length=500)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    exempt = models.BooleanField(_("được miễn"), default=False)
    exemption_reason = models.TextField(_("lý do miễn"), blank=True)

    class Meta:
        verbose_name = _("khoản phí, lệ phí")
        verbose_name_plural = _("khoản phí, lệ phí")
        ordering = ["request", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount:,} đ".replace(",", ".")

    @property
    def amount_due(self) -> int:
        return 0 if self.exempt else self.amount


class PaymentTransaction(TimeStampedModel):
    """One online payment attempt (giao dịch) at a provider."""

    class Status(models.TextChoices):
        INITIATED = "initiated", _("Khởi tạo")
        SUCCEEDED = "succeeded", _("Thành công")
        FAILED = "failed", _("Thất bại")

    class SettledBy(models.TextChoices):
        CALLBACK = "callback", _("Thông báo từ cổng thanh toán")
        QUERY = "query", _("Tra cứu giao dịch")
        RECONCILIATION = "reconciliation", _("Đối soát")
        START = "start", _("Khi khởi tạo")

    request = models.ForeignKey(PaymentRequest, on_delete=models.PROTECT, related_name="transactions")
    provider = models.CharField(_("cổng thanh toán"), max_length=10, choices=Provider.choices)
    through_dvcqg = models.BooleanField(
        _("qua nền tảng thanh toán Cổng DVCQG"),
        default=False,
        help_text=_("Đếm cho chỉ tiêu Quyết định 766."),
    )
    reference = models.CharField(
        _("mã tham chiếu (MaThamChieu / vnp_TxnRef)"), max_length=64, unique=True, editable=False
    )
    provider_transaction_id = models.CharField(
        _("mã giao dịch của cổng (MaGiaoDich)"), max_length=64, blank=True, db_index=True
    )
    bank_code = models.CharField(_("ngân hàng (MaNganHang)"), max_length=32, blank=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.INITIATED, db_index=True
    )
    provider_code = models.CharField(_("mã kết quả của cổng"), max_length=16, blank=True)
    failure_reason = models.TextField(_("lý do không thành công"), blank=True)
    payment_url = models.URLField(_("địa chỉ trang thanh toán"), max_length=2000, blank=True)
    client_ip = models.GenericIPAddressField(_("địa chỉ IP người nộp"), null=True, blank=True)
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    initiated_at = models.DateTimeField(_("thời điểm khởi tạo"), default=timezone.now, db_index=True)
    provider_paid_at = models.DateTimeField(_("thời điểm thanh toán tại cổng"), null=True, blank=True)
    settled_at = models.DateTimeField(_("thời điểm ghi nhận kết quả"), null=True, blank=True)
    settled_by = models.CharField(_("ghi nhận qua"), max_length=16, choices=SettledBy.choices, blank=True)
    duplicate = models.BooleanField(
        _("thanh toán trùng"),
        default=False,
        help_text=_("Thành công sau khi yêu cầu đã được thanh toán: phải hoàn lại cho người nộp."),
    )
    checks = models.PositiveIntegerField(_("số lần tra cứu"), default=0)
    last_checked_at = models.DateTimeField(_("lần tra cứu gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("giao dịch thanh toán")
        verbose_name_plural = _("giao dịch thanh toán")
        ordering = ["-initiated_at", "-id"]
        indexes = [
            # The pending-transactions job reads only initiated rows, oldest first.
            models.Index(
                fields=["initiated_at"], condition=models.Q(status="initiated"), name="payment_tx_pending"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.INITIATED


class NotificationVerdict(models.TextChoices):
    """What we made of a message received from a provider."""

    ACCEPTED = "accepted", _("Chấp nhận: ghi nhận kết quả")
    DUPLICATE = "duplicate", _("Đã ghi nhận trước đó: không thay đổi")
    OUT_OF_ORDER = "out_of_order", _("Đến sau kết quả đã ghi nhận: không thay đổi")
    BAD_SIGNATURE = "bad_signature", _("Sai chữ ký: từ chối")
    WRONG_AMOUNT = "wrong_amount", _("Sai số tiền: từ chối")
    UNKNOWN_REFERENCE = "unknown_reference", _("Không có giao dịch với mã tham chiếu này: từ chối")
    MALFORMED = "malformed", _("Thiếu hoặc sai định dạng trường dữ liệu: từ chối")
    STILL_PENDING = "still_pending", _("Cổng chưa có kết quả")
    ERROR = "error", _("Lỗi khi xử lý: cổng sẽ gửi lại")


class PaymentNotification(AppendOnlyModel):
    """Append-only log of every message about a transaction: callback, IPN, query answer, return URL visit.

    ``payload`` is what the partner sent (its signature included; our secrets never appear), ``reply`` what we
    answered. Nothing is logged twice: each message is one row whatever its verdict.
    """

    class Kind(models.TextChoices):
        CALLBACK = "callback", _("Thông báo kết quả (callback)")
        IPN = "ipn", _("Thông báo kết quả (IPN)")
        QUERY = "query", _("Tra cứu giao dịch")
        RECONCILIATION = "reconciliation", _("Đối soát")

    received_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now, db_index=True)
    provider = models.CharField(_("cổng thanh toán"), max_length=10, choices=Provider.choices)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    reference = models.CharField(_("mã tham chiếu nhận được"), max_length=100, blank=True, db_index=True)
    transaction = models.ForeignKey(
        PaymentTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    reported_status = models.CharField(_("kết quả cổng báo"), max_length=10, blank=True)
    reported_amount = models.BigIntegerField(_("số tiền cổng báo (đồng)"), null=True, blank=True)
    verdict = models.CharField(_("kết luận"), max_length=20, choices=NotificationVerdict.choices)
    remote_addr = models.CharField(_("địa chỉ gửi"), max_length=100, blank=True)
    payload = models.JSONField(_("dữ liệu nhận"), default=dict, blank=True)
    reply = models.JSONField(_("trả lời"), default=dict, blank=True)

    class Meta:
        verbose_name = _("thông báo từ cổng thanh toán")
        verbose_name_plural = _("nhật ký thông báo từ cổng thanh toán")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.reference}: {self.verdict}"


class ManualCollection(TimeStampedModel):
    """A payment collected outside the online providers: cash, bank transfer, or by the post office."""

    request = models.ForeignKey(PaymentRequest, on_delete=models.PROTECT, related_name="collections")
    method = models.CharField(
        _("hình thức thu"), max_length=16, choices=[(m.value, m.label) for m in MANUAL_METHODS]
    )
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    collected_at = models.DateTimeField(_("thời điểm thu"))
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ ghi nhận"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan thu"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(
        _("số chứng từ"),
        max_length=100,
        blank=True,
        help_text=_("Số giao dịch chuyển khoản, số phiếu thu của bưu điện."),
    )
    payer_name = models.CharField(_("người nộp"), max_length=255)
    note = models.TextField(_("ghi chú"), blank=True)
    proof = models.FileField(_("chứng từ"), upload_to=collection_proof_path, max_length=255)
    proof_name = models.CharField(_("tên tệp chứng từ"), max_length=255)
    proof_size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    proof_sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    proof_content_type = models.CharField(_("định dạng"), max_length=100)

    class Meta:
        verbose_name = _("khoản thu trực tiếp")
        verbose_name_plural = _("khoản thu trực tiếp, chuyển khoản, qua bưu điện")
        ordering = ["-collected_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount:,} đ".replace(",", ".")


class ReceiptCounter(models.Model):
    """The last receipt number of a series at an agency in a year; the row is locked while incremented."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm số biên lai")
        verbose_name_plural = _("bộ đếm số biên lai")
        constraints = [
            models.UniqueConstraint(fields=["agency", "series", "year"], name="unique_receipt_counter")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.series} {self.year}: {self.last_value}"


class Receipt(models.Model):
    """Biên lai thu phí / lệ phí: issued separately for phí and for lệ phí (payments.md §1)."""

    request = models.ForeignKey(PaymentRequest, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(_("loại"), max_length=10, choices=FeeKind.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("đơn vị thu"), on_delete=models.PROTECT, related_name="+"
    )
    series = models.CharField(_("ký hiệu"), max_length=20)
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số"))
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    lines = models.JSONField(_("các khoản thu"), default=list)
    payer_name = models.CharField(_("người nộp"), max_length=255)
    payer_address = models.CharField(_("địa chỉ người nộp"), max_length=500, blank=True)
    method = models.CharField(_("hình thức thanh toán"), max_length=16, choices=CollectionMethod.choices)
    transaction = models.ForeignKey(
        PaymentTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    collection = models.ForeignKey(
        ManualCollection, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    issued_at = models.DateTimeField(_("thời điểm lập"))
    file = models.FileField(_("tệp PDF"), upload_to=receipt_file_path, max_length=255, blank=True)
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("biên lai")
        verbose_name_plural = _("biên lai thu phí, lệ phí")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "series", "year", "number"], name="unique_receipt_number"
            ),
            models.UniqueConstraint(fields=["request", "kind"], name="one_receipt_per_kind_per_request"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        """ "BLP/26E 0000012" style: series and seven-digit number."""
        return f"{self.series} {self.number:07d}"


class Refund(TimeStampedModel):
    """Hoàn phí: due when a paid dossier is refused, not received, or paid twice; then recorded as done."""

    class State(models.TextChoices):
        DUE = "due", _("Chờ hoàn")
        DONE = "done", _("Đã hoàn")

    class Reason(models.TextChoices):
        NOT_RECEIVED = "not_received", _("Hồ sơ không được tiếp nhận")
        REFUSED = "refused", _("Hồ sơ bị từ chối giải quyết")
        DUPLICATE = "duplicate", _("Thanh toán trùng")
        OTHER = "other", _("Lý do khác")

    request = models.ForeignKey(PaymentRequest, on_delete=models.PROTECT, related_name="refunds")
    transaction = models.ForeignKey(
        PaymentTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.PositiveBigIntegerField(_("số tiền hoàn (đồng)"))
    reason = models.CharField(_("lý do"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("ghi chú"), blank=True)
    state = models.CharField(_("tình trạng"), max_length=8, choices=State.choices, default=State.DUE)
    due_since = models.DateTimeField(_("phát sinh lúc"), default=timezone.now)
    done_at = models.DateTimeField(_("thời điểm hoàn"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(
        _("hình thức hoàn"), max_length=16, choices=CollectionMethod.choices, blank=True
    )
    reference = models.CharField(_("số chứng từ hoàn"), max_length=100, blank=True)
    proof = models.FileField(_("chứng từ hoàn"), upload_to=refund_proof_path, max_length=255, blank=True)
    proof_name = models.CharField(_("tên tệp chứng từ"), max_length=255, blank=True)
    proof_size = models.PositiveBigIntegerField(_("dung lượng (byte)"), null=True, blank=True)
    proof_sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, blank=True)
    proof_content_type = models.CharField(_("định dạng"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("hoàn phí")
        verbose_name_plural = _("hoàn phí")
        ordering = ["state", "-due_since", "-id"]
        constraints = [
            # One refund per duplicate transaction; one per request for the other reasons.
            models.UniqueConstraint(
                fields=["transaction"],
                condition=models.Q(transaction__isnull=False),
                name="one_refund_per_transaction",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(transaction__isnull=True),
                name="one_refund_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.amount:,} đ".replace(",", ".")


class ReconciliationRun(models.Model):
    """Đối soát: our transactions of one day compared with the provider's listing of that day."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Đang đối soát")
        MATCHED = "matched", _("Khớp")
        MISMATCHED = "mismatched", _("Có chênh lệch")
        FAILED = "failed", _("Không lấy được dữ liệu của cổng")

    provider = models.CharField(_("cổng thanh toán"), max_length=10, choices=Provider.choices)
    day = models.DateField(_("ngày giao dịch"))
    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người chạy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Để trống khi hệ thống tự chạy."),
    )
    outcome = models.CharField(_("kết quả"), max_length=12, choices=Outcome.choices, default=Outcome.RUNNING)
    provider_count = models.PositiveIntegerField(_("số giao dịch thành công theo cổng"), default=0)
    provider_total = models.PositiveBigIntegerField(_("tổng tiền theo cổng (đồng)"), default=0)
    our_count = models.PositiveIntegerField(_("số giao dịch thành công theo hệ thống"), default=0)
    our_total = models.PositiveBigIntegerField(_("tổng tiền theo hệ thống (đồng)"), default=0)
    mismatch_count = models.PositiveIntegerField(_("số chênh lệch"), default=0)
    error = models.TextField(_("lỗi"), blank=True)

    class Meta:
        verbose_name = _("lần đối soát")
        verbose_name_plural = _("đối soát giao dịch")
        ordering = ["-day", "-started_at", "-id"]
        indexes = [models.Index(fields=["provider", "day"], name="payment_reconciliation_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.day:%d/%m/%Y}: {self.get_outcome_display()}"


class ReconciliationMismatch(models.Model):
    """One difference between the provider's record and ours."""

    class Kind(models.TextChoices):
        MISSING_HERE = "missing_here", _("Cổng ghi thành công, hệ thống chưa ghi nhận")
        MISSING_AT_PROVIDER = "missing_at_provider", _("Hệ thống ghi thành công, cổng không có")
        AMOUNT_DIFFERS = "amount_differs", _("Số tiền khác nhau")
        STATUS_DIFFERS = "status_differs", _("Trạng thái khác nhau")
        UNKNOWN_REFERENCE = "unknown_reference", _("Cổng có giao dịch với mã tham chiếu lạ")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="mismatches")
    kind = models.CharField(_("loại chênh lệch"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("mã tham chiếu"), max_length=100)
    transaction = models.ForeignKey(
        PaymentTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="mismatches"
    )
    provider_status = models.CharField(_("trạng thái theo cổng"), max_length=16, blank=True)
    provider_amount = models.BigIntegerField(_("số tiền theo cổng"), null=True, blank=True)
    our_status = models.CharField(_("trạng thái theo hệ thống"), max_length=16, blank=True)
    our_amount = models.BigIntegerField(_("số tiền theo hệ thống"), null=True, blank=True)
    detail = models.JSONField(_("chi tiết"), default=dict, blank=True)
    auto_resolved = models.BooleanField(
        _("đã tự xử lý"),
        default=False,
        help_text=_("Giao dịch cổng ghi thành công đã được ghi nhận ngay khi đối soát."),
    )
    resolved_at = models.DateTimeField(_("thời điểm xử lý"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("cách xử lý"), blank=True)

    class Meta:
        verbose_name = _("chênh lệch đối soát")
        verbose_name_plural = _("chênh lệch đối soát")
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_kind_display()}"

    @property
    def is_resolved(self) -> bool:
        return self.auto_resolved or self.resolved_at is not None


class PaymentEvent(AppendOnlyModel):
    """Append-only audit of every change to a payment request and the rows that hang off it."""

    request = models.ForeignKey(PaymentRequest, on_delete=models.PROTECT, related_name="events")
    occurred_at = models.DateTimeField(_("thời điểm"), default=timezone.now)
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
    from_state = models.CharField(_("từ tình trạng"), max_length=10, blank=True)
    to_state = models.CharField(_("sang tình trạng"), max_length=10, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    payload = models.JSONField(_("dữ liệu"), default=dict, blank=True)

    class Meta:
        verbose_name = _("nhật ký thanh toán")
        verbose_name_plural = _("nhật ký thanh toán")
        ordering = ["request", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"
