"""The procedure catalog (TTHC): a procedure and its versions, each with cases, components, fees, results.

A ``Procedure`` is the stable identity (national code). Everything a citizen reads lives on a
``ProcedureVersion`` with an effective date; a dossier keeps pointing at the version it was received
under, so publishing a new version never changes what an older dossier sees.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.core.models import TimeStampedModel

national_code_validator = RegexValidator(
    r"^[0-9]+\.[0-9]{4,8}$", _("Mã TTHC quốc gia có dạng 1.001234."), code="invalid_procedure_code"
)


class Field(TimeStampedModel):
    """Lĩnh vực (field of administration), e.g. "Hộ tịch"."""

    code = models.CharField(_("mã lĩnh vực"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(TimeStampedModel):
    """Stable identity of a TTHC; its content lives on its versions."""

    national_code = models.CharField(
        _("mã TTHC quốc gia"), max_length=20, unique=True, validators=[national_code_validator]
    )
    local_code = models.CharField(_("mã TTHC địa phương"), max_length=60, blank=True, db_index=True)
    idqg = models.CharField(_("ID trên CSDL quốc gia"), max_length=60, blank=True)
    current_version = models.ForeignKey(
        "ProcedureVersion",
        verbose_name=_("phiên bản đang áp dụng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("đang áp dụng tại địa phương"), default=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["national_code"]

    def __str__(self) -> str:
        name = self.current_version.name if self.current_version_id else ""
        return f"{self.national_code} {name}".strip()


class OnlineServiceLevel(models.IntegerChoices):
    INFORMATION = 1, _("Mức độ 1: cung cấp thông tin")
    FORMS = 2, _("Mức độ 2: tải biểu mẫu")
    PARTIAL = 3, _("Mức độ 3: dịch vụ công trực tuyến một phần")
    FULL = 4, _("Mức độ 4: dịch vụ công trực tuyến toàn trình")


class ProcedureVersion(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        PUBLISHED = "published", _("Đã công bố")
        RETIRED = "retired", _("Đã bãi bỏ")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("phiên bản số"), default=1)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateTimeField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateTimeField(_("hết hiệu lực từ"), null=True, blank=True)
    publication_decision = models.CharField(_("quyết định công bố"), max_length=255, blank=True)

    name = models.CharField(_("tên thủ tục"), max_length=500)
    procedure_type = models.CharField(_("loại thủ tục"), max_length=100, blank=True)
    field = models.ForeignKey(
        Field,
        verbose_name=_("lĩnh vực"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )
    at_province = models.BooleanField(_("cấp tỉnh"), default=False)
    at_district = models.BooleanField(_("cấp huyện"), default=False)
    at_commune = models.BooleanField(_("cấp xã"), default=False)
    description = models.TextField(_("mô tả"), blank=True)
    keywords = models.CharField(_("từ khóa"), max_length=500, blank=True)
    sequence = models.TextField(_("trình tự thực hiện"), blank=True)
    method = models.TextField(_("cách thức thực hiện"), blank=True)
    subjects = models.TextField(_("đối tượng thực hiện"), blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    result_description = models.TextField(_("kết quả thực hiện"), blank=True)
    reception_address = models.TextField(_("địa chỉ tiếp nhận"), blank=True)
    fee_description = models.TextField(_("phí, lệ phí (mô tả)"), blank=True)
    online_service_level = models.PositiveSmallIntegerField(
        _("mức độ dịch vụ công trực tuyến"),
        choices=OnlineServiceLevel.choices,
        default=OnlineServiceLevel.FORMS,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    postal_submission_allowed = models.BooleanField(_("cho phép nộp qua bưu chính công ích"), default=False)
    postal_return_allowed = models.BooleanField(
        _("cho phép trả kết quả qua bưu chính công ích"), default=False
    )
    online_payment_offered = models.BooleanField(_("có thanh toán trực tuyến"), default=False)
    is_interconnected = models.BooleanField(_("thủ tục liên thông"), default=False)
    cross_boundary_allowed = models.BooleanField(_("tiếp nhận không phụ thuộc địa giới"), default=True)
    raw_package = models.JSONField(_("gói tin CSDL quốc gia"), null=True, blank=True)
    # SHA-256 of the normalised national package this version was imported from (see catalog.importer);
    # an identical package imported again is recognised as unchanged.
    package_hash = models.CharField(_("mã băm gói tin"), max_length=64, blank=True, editable=False, db_index=True)
    # Diacritic-free, lower-case copies for search (see core.text.fold); kept in sync on save.
    search_name = models.TextField(editable=False, default="")
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="unique_procedure_version_number"),
        ]
        # "In force at t" is looked up per procedure; an index on effective_from alone misleads SQLite's
        # planner on the whole-catalog query (see docs/benchmarks.md).
        indexes = [models.Index(fields=["procedure", "effective_from"], name="version_procedure_from_idx")]

    def __str__(self) -> str:
        return f"{self.procedure.national_code} v{self.number} {self.name}"

    @property
    def is_online(self) -> bool:
        return self.online_service_level >= OnlineServiceLevel.PARTIAL

    @property
    def is_fully_online(self) -> bool:
        return self.online_service_level == OnlineServiceLevel.FULL

    @property
    def levels(self) -> list[str]:
        return [
            level
            for level, flag in (
                ("province", self.at_province),
                ("district", self.at_district),
                ("commune", self.at_commune),
            )
            if flag
        ]

    def save(self, *args, **kwargs):
        from motcua.core.text import fold

        self.search_name = fold(self.name)
        self.search_text = fold(
            " ".join(
                [
                    self.name,
                    self.keywords,
                    self.procedure.national_code,
                    self.procedure.local_code,
                    self.field.name if self.field_id else "",
                ]
            )
        )
        super().save(*args, **kwargs)


class ProcedureAgency(models.Model):
    """An agency's role in a procedure version (implementing, competent, delegated, coordinating)."""

    class Role(models.TextChoices):
        IMPLEMENTING = "implementing", _("Cơ quan thực hiện")
        COMPETENT = "competent", _("Cơ quan có thẩm quyền")
        DELEGATED = "delegated", _("Cơ quan được ủy quyền")
        COORDINATING = "coordinating", _("Cơ quan phối hợp")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="agency_roles")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedure_roles",
    )
    # Agencies outside this province (ministries) are kept by name and code only.
    external_code = models.CharField(_("mã đơn vị"), max_length=60, blank=True)
    external_name = models.CharField(_("tên đơn vị"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("cơ quan liên quan")
        verbose_name_plural = _("cơ quan liên quan")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.agency.name if self.agency_id else self.external_name


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày")


class ProcedureCase(models.Model):
    """Trường hợp: a variant of the procedure with its own components, time limit and fees."""

    class SupplementRule(models.TextChoices):
        RESTART = "restart", _("Tính lại thời gian từ đầu")
        PAUSE = "pause", _("Tạm dừng và tiếp tục")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="cases")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên trường hợp"), max_length=500)
    processing_time = models.DecimalField(_("thời hạn giải quyết"), max_digits=7, decimal_places=2, default=0)
    time_unit = models.CharField(
        _("đơn vị thời gian"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    online_processing_time = models.DecimalField(
        _("thời hạn khi nộp trực tuyến"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    no_appointment = models.BooleanField(_("không hẹn ngày trả"), default=False)
    supplement_rule = models.CharField(
        _("khi bổ sung hồ sơ"), max_length=10, choices=SupplementRule.choices, default=SupplementRule.RESTART
    )
    accepted_online = models.BooleanField(_("tiếp nhận trực tuyến"), default=True)
    description = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("trường hợp")
        verbose_name_plural = _("trường hợp")
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return self.name


class SequenceStep(models.Model):
    """A published step of the procedure's sequence (trình tự thực hiện)."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="sequence_steps")
    case_name = models.CharField(_("trường hợp"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    text = models.TextField(_("nội dung bước"))

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("bước thực hiện")
        verbose_name_plural = _("bước thực hiện")

    def __str__(self) -> str:
        return self.text[:80]


DEFAULT_ACCEPTED_TYPES = "pdf,jpg,jpeg,png,doc,docx"


class CaseComponent(models.Model):
    """Thành phần hồ sơ: a document the case requires."""

    case = models.ForeignKey(ProcedureCase, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    code = models.CharField(_("mã giấy tờ"), max_length=60, blank=True)
    name = models.TextField(_("tên giấy tờ"))
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    is_required = models.BooleanField(_("bắt buộc"), default=True)
    form_name = models.CharField(_("tên mẫu đơn, tờ khai"), max_length=255, blank=True)
    form_file = models.FileField(_("tệp mẫu đơn"), upload_to="forms/%Y/", blank=True)
    form_url = models.URLField(_("đường dẫn mẫu đơn"), max_length=500, blank=True)
    replaceable_by_result_code = models.CharField(_("thay thế bằng mã kết quả"), max_length=60, blank=True)
    accepted_types = models.CharField(
        _("định dạng chấp nhận"),
        max_length=100,
        default=DEFAULT_ACCEPTED_TYPES,
        help_text=_("Các phần mở rộng cách nhau bởi dấu phẩy, ví dụ pdf,jpg,png"),
    )
    max_size_mb = models.PositiveSmallIntegerField(_("dung lượng tối đa (MB)"), default=10)

    class Meta:
        ordering = ["case", "order", "id"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name

    @property
    def accepted_extensions(self) -> list[str]:
        return [ext.strip().lower().lstrip(".") for ext in self.accepted_types.split(",") if ext.strip()]


class Channel(models.TextChoices):
    """Submission channel (KenhThucHien): 1 direct, 2 online, 3 public postal service."""

    DIRECT = "direct", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Dịch vụ bưu chính công ích")


CHANNEL_NATIONAL_CODES = {Channel.DIRECT: 1, Channel.ONLINE: 2, Channel.POSTAL: 3}


class Fee(models.Model):
    class Kind(models.TextChoices):
        FEE = "phi", _("Phí")
        CHARGE = "le_phi", _("Lệ phí")

    class Timing(models.TextChoices):
        BEFORE = "before", _("Thu trước")
        AFTER = "after", _("Thu sau")
        EXEMPT = "exempt", _("Đối tượng miễn phí")

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fees")
    case = models.ForeignKey(
        ProcedureCase,
        verbose_name=_("trường hợp"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fees",
        help_text=_("Để trống nếu áp dụng cho mọi trường hợp."),
    )
    channel = models.CharField(
        _("kênh nộp"),
        max_length=10,
        choices=Channel.choices,
        blank=True,
        help_text=_("Để trống nếu áp dụng cho mọi kênh."),
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.CHARGE)
    code = models.CharField(_("mã phí, lệ phí"), max_length=60, blank=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"), default=0)
    description = models.TextField(_("mô tả"), blank=True)
    timing = models.CharField(
        _("thời điểm thu"), max_length=10, choices=Timing.choices, default=Timing.BEFORE
    )
    exemptions = models.TextField(_("đối tượng miễn, giảm"), blank=True)

    class Meta:
        ordering = ["version", "case", "channel", "id"]
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:,} đ".replace(",", ".")


class ProcedureResult(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="results")
    code = models.CharField(_("mã kết quả"), max_length=60, blank=True)
    name = models.TextField(_("tên kết quả"))
    template_name = models.CharField(_("tên tệp mẫu"), max_length=255, blank=True)
    template_url = models.URLField(_("đường dẫn tệp mẫu"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.Model):
    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="legal_bases")
    number = models.CharField(_("số ký hiệu"), max_length=100)
    title = models.TextField(_("trích yếu"), blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    effective_on = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    url = models.URLField(_("đường dẫn"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")

    def __str__(self) -> str:
        return self.number
