"""Citizen satisfaction ratings and petitions (phản ánh, kiến nghị).

* ``SatisfactionCriterion``: what a rating form asks besides the overall rating, as data with effective dates
  (ND 61/2018 Art. 31, TT 01/2018 indicators 1, 3, 4 and 7, TT 32/2017 Art. 12); loaded by a data migration.
* ``Rating``: one per dossier, with an overall level and per-criterion ``RatingAnswer`` rows. The evaluator's
  account is kept for the once-only rule and never shown in reports (ND 61 Art. 27: confidentiality).
* ``Petition``: a question, feedback or petition to an agency, with a tracking code, a due date in working
  days (``PetitionDeadline``), ``PetitionAnswer`` rows from staff and an append-only ``PetitionEvent`` trail.

Rows are written by ``feedback.services`` only.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.core.models import AppendOnlyError, AppendOnlyModel, TimeStampedModel  # noqa: F401 - AppendOnlyError re-exported
from motcua.dossiers.models import Dossier


class SatisfactionLevel(models.IntegerChoices):
    """The three-level scale of TT 32/2017 Art. 12. Points (level − 1) follow TT 01/2018's 0 / 1 / 2."""

    NOT_SATISFIED = 1, _("Chưa hài lòng")
    SATISFIED = 2, _("Hài lòng")
    VERY_SATISFIED = 3, _("Rất hài lòng")

    @property
    def points(self) -> int:
        return self.value - 1


SATISFIED_LEVELS = (SatisfactionLevel.SATISFIED, SatisfactionLevel.VERY_SATISFIED)


class SatisfactionCriterion(models.Model):
    """One question of the rating form, in force from ``effective_from`` until the day before ``effective_to``."""

    code = models.SlugField(_("mã tiêu chí"), max_length=50)
    name = models.CharField(_("nội dung đánh giá"), max_length=300)
    help_text = models.CharField(_("giải thích"), max_length=500, blank=True)
    legal_basis = models.CharField(_("căn cứ"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    online_only = models.BooleanField(
        _("chỉ hỏi với hồ sơ trực tuyến"),
        default=False,
        help_text=_("Ví dụ: tiến độ, chất lượng dịch vụ công trực tuyến."),
    )
    effective_from = models.DateField(_("áp dụng từ ngày"))
    effective_to = models.DateField(
        _("hết áp dụng từ ngày"), null=True, blank=True, help_text=_("Để trống nếu đang áp dụng.")
    )

    class Meta:
        verbose_name = _("tiêu chí đánh giá")
        verbose_name_plural = _("tiêu chí đánh giá mức độ hài lòng")
        ordering = ["order", "code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="unique_criterion_version"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="criterion_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RatingChannel(models.TextChoices):
    """How the rating was collected (ND 61 Art. 29)."""

    ONLINE = "online", _("Trực tuyến trên cổng dịch vụ công")
    KIOSK = "kiosk", _("Thiết bị đánh giá tại bộ phận một cửa")
    TABLET = "tablet", _("Máy tính bảng tại quầy")
    PAPER = "paper", _("Phiếu khảo sát giấy")
    SURVEY = "survey", _("Khảo sát độc lập")


class RatingProof(models.TextChoices):
    """What showed the rater had the right to rate this dossier."""

    ACCOUNT = "account", _("Tài khoản chủ hồ sơ")
    PHONE = "phone", _("Mã hồ sơ và số điện thoại")
    COUNTER = "counter", _("Cán bộ nhập tại bộ phận một cửa")


class Rating(models.Model):
    """Đánh giá mức độ hài lòng: once per dossier."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="rating"
    )
    channel = models.CharField(
        _("kênh đánh giá"), max_length=10, choices=RatingChannel.choices, default=RatingChannel.ONLINE
    )
    proof = models.CharField(_("xác nhận người đánh giá bằng"), max_length=10, choices=RatingProof.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản đánh giá"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Chỉ dùng để kiểm tra mỗi hồ sơ đánh giá một lần; không hiển thị trong báo cáo."),
    )
    overall = models.PositiveSmallIntegerField(_("đánh giá chung"), choices=SatisfactionLevel.choices)
    comment = models.TextField(_("ý kiến khác"), max_length=2000, blank=True)
    rated_at = models.DateTimeField(_("thời điểm đánh giá"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=3), name="rating_overall_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.get_overall_display()}"


class RatingAnswer(models.Model):
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(
        SatisfactionCriterion, verbose_name=_("tiêu chí"), on_delete=models.PROTECT, related_name="answers"
    )
    level = models.PositiveSmallIntegerField(_("mức đánh giá"), choices=SatisfactionLevel.choices)

    class Meta:
        verbose_name = _("đánh giá theo tiêu chí")
        verbose_name_plural = _("đánh giá theo tiêu chí")
        ordering = ["rating", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "criterion"], name="one_answer_per_criterion"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=3), name="rating_answer_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} · {self.get_level_display()}"


# --- Petitions ---------------------------------------------------------------------------------------------


class PetitionDeadline(TimeStampedModel):
    """How many working days an agency has to answer a petition; the row without agency is the default."""

    agency = models.OneToOneField(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="petition_deadline",
        help_text=_("Để trống: thời hạn chung cho mọi cơ quan chưa có thời hạn riêng."),
    )
    working_days = models.PositiveSmallIntegerField(
        _("thời hạn trả lời (ngày làm việc)"), validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("thời hạn trả lời phản ánh, kiến nghị")
        verbose_name_plural = _("thời hạn trả lời phản ánh, kiến nghị")
        ordering = [models.F("agency").asc(nulls_first=True)]
        constraints = [
            # One default row: OneToOne already makes agency rows unique, but NULLs are distinct in SQL.
            models.UniqueConstraint(
                Coalesce("agency", models.Value(0)), name="one_petition_deadline_per_agency"
            ),
            models.CheckConstraint(
                condition=models.Q(working_days__gte=1, working_days__lte=90), name="petition_deadline_range"
            ),
        ]

    def __str__(self) -> str:
        target = self.agency or _("Mặc định")
        return f"{target}: {self.working_days}"


class PetitionState(models.TextChoices):
    RECEIVED = "received", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    PUBLISHED = "published", _("Đã trả lời và công khai")
    DECLINED = "declined", _("Không thụ lý")


OPEN_PETITION_STATES = (PetitionState.RECEIVED,)


def petition_file_path(instance: Petition, filename: str) -> str:
    """Stored names never reuse the uploaded name: petitions/2026/03/<uuid>.<ext>."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"petitions/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Petition(TimeStampedModel):
    """Phản ánh, kiến nghị: sent by anyone to one agency, answered by that agency's staff."""

    tracking_code = models.CharField(_("mã theo dõi"), max_length=24, unique=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan nhận"), on_delete=models.PROTECT, related_name="petitions"
    )
    sender_name = models.CharField(_("họ và tên người gửi"), max_length=200)
    sender_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    sender_email = models.EmailField(_("thư điện tử"), blank=True)
    sender_address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    sender_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản người gửi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="petitions",
    )
    subject = models.CharField(_("tiêu đề"), max_length=255)
    content = models.TextField(_("nội dung"), max_length=5000)
    dossier_code = models.CharField(_("mã hồ sơ liên quan"), max_length=60, blank=True)
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("hồ sơ liên quan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="petitions",
    )
    attachment = models.FileField(_("tệp đính kèm"), upload_to=petition_file_path, max_length=255, blank=True)
    attachment_name = models.CharField(_("tên tệp gốc"), max_length=255, blank=True)
    attachment_type = models.CharField(_("định dạng tệp"), max_length=100, blank=True)
    attachment_size = models.PositiveBigIntegerField(_("dung lượng tệp (byte)"), null=True, blank=True)

    state = models.CharField(
        _("tình trạng"), max_length=10, choices=PetitionState.choices, default=PetitionState.RECEIVED
    )
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), db_index=True)
    working_days = models.PositiveSmallIntegerField(_("thời hạn (ngày làm việc)"))
    due_at = models.DateTimeField(_("hạn trả lời"), db_index=True)
    answered_at = models.DateTimeField(
        _("thời điểm trả lời"), null=True, blank=True, help_text=_("Lần trả lời đầu tiên.")
    )
    declined_at = models.DateTimeField(_("thời điểm không thụ lý"), null=True, blank=True)
    decline_reason = models.TextField(_("lý do không thụ lý"), blank=True)
    published_at = models.DateTimeField(_("thời điểm công khai"), null=True, blank=True)
    public_content = models.TextField(
        _("nội dung công khai"),
        blank=True,
        help_text=_("Nội dung câu hỏi đăng công khai, đã lược bỏ thông tin cá nhân."),
    )
    search_text = models.TextField(editable=False, blank=True)
    handling_rating = models.PositiveSmallIntegerField(
        _("mức hài lòng với việc giải quyết"), choices=SatisfactionLevel.choices, null=True, blank=True
    )
    handling_rated_at = models.DateTimeField(_("thời điểm đánh giá việc giải quyết"), null=True, blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "state", "due_at"], name="petition_agency_state_due"),
            models.Index(fields=["state", "published_at"], name="petition_published"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} · {self.subject}"

    def is_overdue(self, now=None) -> bool:
        """Still waiting for an answer after its due date."""
        return self.state == PetitionState.RECEIVED and (now or timezone.now()) > self.due_at

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at


class PetitionAnswer(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="answers")
    content = models.TextField(_("nội dung trả lời"), max_length=10000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ trả lời"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("thời điểm trả lời"))

    class Meta:
        verbose_name = _("trả lời phản ánh, kiến nghị")
        verbose_name_plural = _("trả lời phản ánh, kiến nghị")
        ordering = ["petition", "answered_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id} · {self.answered_at:%d/%m/%Y}"


PETITION_ACTION_LABELS = {
    "send": _("Gửi phản ánh, kiến nghị"),
    "answer": _("Trả lời"),
    "publish": _("Công khai trả lời"),
    "unpublish": _("Gỡ công khai"),
    "decline": _("Không thụ lý"),
    "rate_handling": _("Người gửi đánh giá việc giải quyết"),
}


class PetitionEvent(AppendOnlyModel):
    """One state change (or answer) of a petition. Append-only."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="events")
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
    action = models.CharField(_("thao tác"), max_length=30)
    from_state = models.CharField(_("từ tình trạng"), max_length=10, blank=True)
    to_state = models.CharField(_("sang tình trạng"), max_length=10)
    note = models.TextField(_("ghi chú"), blank=True)
    origin = models.CharField(_("nguồn"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("nhật ký phản ánh, kiến nghị")
        verbose_name_plural = _("nhật ký phản ánh, kiến nghị")
        ordering = ["petition", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.action}"

    @property
    def action_label(self) -> str:
        return str(PETITION_ACTION_LABELS.get(self.action, self.action))
