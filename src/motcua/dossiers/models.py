"""The dossier aggregate: the dossier, its components and files, steps, consultations, supplements,
extensions, results, the per-agency daily code counter and the append-only, hash-chained event log.

Rows here are written by ``dossiers.services`` only; ``Dossier.status`` and ``substate`` change only through
the transition helper there (see ``dossiers.workflow``).
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, StaffRole
from motcua.catalog.models import CaseComponent, Channel, ProcedureCase, ProcedureVersion, TimeUnit
from motcua.core.models import AppendOnlyError, AppendOnlyModel, TimeStampedModel  # noqa: F401 - AppendOnlyError re-exported

from .identity import ApplicantKind, validate_phone
from .process import ProcessStep, ProcessTemplate
from .workflow import DossierStatus, Substate

__all__ = [
    "ApplicantKind",
    "Consultation",
    "DeadlineWarning",
    "Dossier",
    "DossierCodeCounter",
    "DossierComponent",
    "DossierEvent",
    "DossierExtension",
    "DossierFile",
    "DossierResult",
    "DossierStep",
    "ProcessStep",
    "ProcessTemplate",
    "ResultChannel",
    "SupplementInterval",
]

SUMMARY_MAX_LENGTH = 1000


class ResultChannel(models.TextChoices):
    COUNTER = "counter", _("Tại bộ phận một cửa")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Qua dịch vụ bưu chính công ích")


class Dossier(TimeStampedModel):
    """Hồ sơ: one application for one procedure case, from submission to the return of its result."""

    code = models.CharField(_("mã hồ sơ"), max_length=60, unique=True)
    receiving_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan tiếp nhận"),
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        help_text=_("Cơ quan của bộ phận một cửa tiếp nhận hồ sơ."),
    )
    competent_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan có thẩm quyền giải quyết"),
        on_delete=models.PROTECT,
        related_name="dossiers_to_decide",
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("phiên bản thủ tục"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    procedure_case = models.ForeignKey(
        ProcedureCase, verbose_name=_("trường hợp thủ tục"), on_delete=models.PROTECT, related_name="dossiers"
    )
    process_template = models.ForeignKey(
        ProcessTemplate,
        verbose_name=_("quy trình áp dụng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
    )
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices)

    applicant_kind = models.CharField(
        _("loại chủ hồ sơ"), max_length=16, choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("tên chủ hồ sơ"), max_length=255)
    applicant_identity_number = models.CharField(
        _("số định danh / mã số thuế"), max_length=20, blank=True, db_index=True
    )
    applicant_phone = models.CharField(
        _("số điện thoại"), max_length=20, blank=True, validators=[validate_phone]
    )
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    submitter_name = models.CharField(_("người được ủy quyền nộp"), max_length=255, blank=True)
    submitter_identity_number = models.CharField(
        _("số định danh người được ủy quyền"), max_length=20, blank=True
    )
    submitter_phone = models.CharField(
        _("điện thoại người được ủy quyền"), max_length=20, blank=True, validators=[validate_phone]
    )
    authorisation_document = models.CharField(_("giấy ủy quyền"), max_length=255, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản chủ hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
    )
    summary = models.TextField(
        _("trích yếu"), max_length=SUMMARY_MAX_LENGTH, validators=[MaxLengthValidator(SUMMARY_MAX_LENGTH)]
    )

    status = models.PositiveSmallIntegerField(_("trạng thái"), choices=DossierStatus.choices, db_index=True)
    substate = models.CharField(_("tình trạng xử lý"), max_length=24, choices=Substate.choices, blank=True)
    revision = models.PositiveIntegerField(_("phiên bản dữ liệu"), default=0)

    # Time limit in force at reception (copied from the case so later catalog edits do not move deadlines).
    processing_time = models.DecimalField(
        _("thời hạn giải quyết"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField(_("đơn vị thời gian"), max_length=16, choices=TimeUnit.choices, blank=True)

    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True, db_index=True)
    clock_started_at = models.DateTimeField(
        _("bắt đầu tính thời hạn"),
        null=True,
        blank=True,
        help_text=_(
            "Sau giờ chuyển hồ sơ giấy (15:00) là đầu ngày làm việc tiếp theo; tính lại khi bổ sung."
        ),
    )
    due_at = models.DateTimeField(_("hạn giải quyết theo quy định"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("ngày hẹn trả kết quả"), null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    refused_at = models.DateTimeField(_("thời điểm từ chối"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("thời điểm rút hồ sơ"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("thời điểm dừng xử lý"), null=True, blank=True)
    early_return_notified_at = models.DateTimeField(_("đã báo trả sớm lúc"), null=True, blank=True)

    result_channel = models.CharField(
        _("hình thức nhận kết quả"),
        max_length=10,
        choices=ResultChannel.choices,
        default=ResultChannel.COUNTER,
    )
    returned_via = models.CharField(
        _("đã trả kết quả qua"), max_length=10, choices=ResultChannel.choices, blank=True
    )
    extension_count = models.PositiveSmallIntegerField(
        _("số lần gia hạn"), default=0, validators=[MaxValueValidator(1)]
    )
    # Reporting inputs. ``imported``: loaded from a historical CSV by ``motcua import-dossiers`` (no events,
    # no steps). ``paid_online``: empty when the dossier had no financial obligation (or it is not known yet),
    # otherwise whether the obligation was paid online; a payments app sets it through a service.
    imported = models.BooleanField(_("nhập từ dữ liệu lịch sử"), default=False, editable=False)
    paid_online = models.BooleanField(
        _("đã thanh toán trực tuyến"),
        null=True,
        blank=True,
        help_text=_("Để trống nếu hồ sơ không có nghĩa vụ tài chính."),
    )

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["competent_agency", "status"], name="dossier_competent_status"),
            models.Index(fields=["receiving_agency", "status"], name="dossier_receiving_status"),
            models.Index(fields=["owner", "status"], name="dossier_owner_status"),
            # The "overdue" and "due soon" worklists and the overdue watch: only dossiers whose clock runs
            # (statuses 2, 4, 6), by appointment, with the columns the access gate reads, so that counting them
            # reads the index alone.
            models.Index(
                fields=["appointment_at", "id", "receiving_agency", "competent_agency", "owner"],
                condition=models.Q(status__in=[2, 4, 6]),
                name="dossier_clock_running_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__gte=1, status__lte=10), name="dossier_status_national_code"
            ),
            models.CheckConstraint(
                condition=models.Q(extension_count__lte=1), name="dossier_extended_at_most_once"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def national_channel(self) -> int:
        from motcua.catalog.models import CHANNEL_NATIONAL_CODES

        return CHANNEL_NATIONAL_CODES[self.channel]

    @property
    def is_paper(self) -> bool:
        return self.channel != Channel.ONLINE

    @property
    def is_overdue(self) -> bool:
        from .workflow import CLOCK_RUNNING_STATUSES

        return (
            self.status in CLOCK_RUNNING_STATUSES
            and self.appointment_at is not None
            and timezone.now() > self.appointment_at
        )


class DossierCodeCounter(models.Model):
    """The last dossier number given by a receiving agency on one day; the row is locked while incremented."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm mã hồ sơ")
        verbose_name_plural = _("bộ đếm mã hồ sơ")
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="unique_code_counter_per_day")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day:%d/%m/%Y}: {self.last_value}"


class CopyType(models.TextChoices):
    ORIGINAL = "original", _("Bản chính")
    COPY = "copy", _("Bản sao")
    DIGITISED = "digitised", _("Bản điện tử")


class DigitisationState(models.IntegerChoices):
    NOT_DIGITISED = 0, _("Chưa số hóa")
    DIGITISED = 1, _("Đã số hóa")
    REUSED_COMPONENT = 2, _("Tái sử dụng giấy tờ của hồ sơ khác")
    REUSED_RESULT = 3, _("Tái sử dụng kết quả của hồ sơ khác")


class DossierComponent(models.Model):
    """A document of the dossier, usually one of the case's required components."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="components")
    case_component = models.ForeignKey(
        CaseComponent,
        verbose_name=_("thành phần theo quy định"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.TextField(_("tên giấy tờ"))
    copy_type = models.CharField(
        _("hình thức"), max_length=10, choices=CopyType.choices, default=CopyType.DIGITISED
    )
    quantity = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    digitisation_state = models.PositiveSmallIntegerField(
        _("trạng thái số hóa"),
        choices=DigitisationState.choices,
        default=DigitisationState.NOT_DIGITISED,
        validators=[MinValueValidator(0), MaxValueValidator(3)],
    )
    reused_code = models.CharField(_("mã giấy tờ / kết quả được tái sử dụng"), max_length=80, blank=True)
    from_data_store = models.BooleanField(_("lấy từ kho dữ liệu của công dân"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return self.name


def dossier_file_path(instance: DossierFile, filename: str) -> str:
    """Stored names never reuse the uploaded name: dossiers/2026/03/<uuid>.<ext>."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"dossiers/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DossierFile(models.Model):
    component = models.ForeignKey(DossierComponent, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("tệp"), upload_to=dossier_file_path, max_length=255)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    content_type = models.CharField(_("định dạng nhận dạng được"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["component", "id"]

    def __str__(self) -> str:
        return self.original_name


class SupplementInterval(models.Model):
    """One supplement request (Mẫu 02) and its resolution; the history DVCQG syncs as DanhSachHoSoBoSung."""

    class Rule(models.TextChoices):
        RESTART = "restart", _("Tính lại thời gian từ đầu")
        PAUSE = "pause", _("Tạm dừng và tiếp tục")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    requested_at = models.DateTimeField(_("thời điểm yêu cầu"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.PositiveSmallIntegerField(
        _("yêu cầu khi hồ sơ ở trạng thái"), choices=DossierStatus.choices
    )
    rule = models.CharField(
        _("cách tính thời hạn"), max_length=10, choices=Rule.choices, default=Rule.RESTART
    )
    reason = models.TextField(_("lý do"))
    items = models.JSONField(_("danh sách cần bổ sung"), default=list)
    resolved_at = models.DateTimeField(_("thời điểm bổ sung đủ"), null=True, blank=True)
    old_due = models.DateTimeField(_("hạn cũ"), null=True, blank=True)
    new_due = models.DateTimeField(_("hạn mới"), null=True, blank=True)
    old_appointment = models.DateTimeField(_("ngày hẹn cũ"), null=True, blank=True)
    new_appointment = models.DateTimeField(_("ngày hẹn mới"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần yêu cầu bổ sung")
        verbose_name_plural = _("lịch sử bổ sung hồ sơ")
        ordering = ["dossier", "requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.requested_at:%d/%m/%Y}"


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class DossierStep(models.Model):
    """One step of the dossier's own plan (copied from the process template at reception) = a row of Mẫu 05.

    A step is planned (not started), open (started, not finished) or finished. ``due_at`` is set when the
    step starts: its start plus its allotment in working hours.
    """

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("Tiếp nhận")
        PROCESS = "process", _("Xử lý")
        RETURN = "return", _("Trả kết quả")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    process_step = models.ForeignKey(
        ProcessStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="instances"
    )
    kind = models.CharField(_("loại bước"), max_length=10, choices=Kind.choices, default=Kind.PROCESS)
    stage = models.PositiveSmallIntegerField(_("nhóm xử lý"), default=1)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên bước"), max_length=255)
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("vai trò"), max_length=20, choices=StaffRole.choices)
    is_lead = models.BooleanField(_("cơ quan chủ trì"), default=False)
    allotted_hours = models.DecimalField(
        _("thời gian được giao (giờ làm việc)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier_steps",
    )
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn của bước"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    spent_hours = models.DecimalField(
        _("thời gian thực tế (giờ làm việc)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    timeliness = models.CharField(_("kết quả"), max_length=10, choices=Timeliness.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("bước xử lý hồ sơ")
        verbose_name_plural = _("quá trình xử lý hồ sơ")
        ordering = ["dossier", "stage", "order", "id"]
        indexes = [
            models.Index(fields=["agency", "finished_at"], name="dossier_step_agency_open"),
            # The access gate (dossiers.selectors.dossier_queryset_for): dossiers an agency holds a processing
            # step of, read from the index alone.
            models.Index(
                fields=["agency", "dossier"],
                condition=models.Q(kind="process"),
                name="dossier_step_process_agency",
            ),
            # "Mine" worklist and the overdue watch: the open processing steps of an assignee.
            models.Index(
                fields=["assignee"],
                condition=models.Q(kind="process", started_at__isnull=False, finished_at__isnull=True),
                name="dossier_step_open_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.started_at is not None and self.finished_at is None

    @property
    def is_planned(self) -> bool:
        return self.started_at is None

    def held_by(self, user, roles_at_agency: set[str]) -> bool:
        """The assignee holds an assigned step; anyone with the step's role at its agency an unassigned one."""
        if not self.is_open or user is None:
            return False
        if self.assignee_id is not None:
            return self.assignee_id == user.pk and self.role in roles_at_agency
        return self.role in roles_at_agency


class Consultation(models.Model):
    """Lấy ý kiến: a question to another agency with a deadline, and its answer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="consultations")
    asked_agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan được lấy ý kiến"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    question = models.TextField(_("nội dung xin ý kiến"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(_("thời điểm gửi"))
    deadline = models.DateTimeField(_("hạn trả lời"))
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(_("ý kiến trả lời"), blank=True)

    class Meta:
        verbose_name = _("lấy ý kiến")
        verbose_name_plural = _("lấy ý kiến")
        ordering = ["dossier", "asked_at", "id"]

    def __str__(self) -> str:
        return f"{self.asked_agency} · {self.deadline:%d/%m/%Y}"

    @property
    def is_late(self) -> bool:
        moment = self.answered_at or timezone.now()
        return moment > self.deadline


class DossierExtension(models.Model):
    """Xin lỗi và hẹn lại (Mẫu 04 / phiếu đề nghị gia hạn): proposed by the competent agency, approved by a leader."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Chờ phê duyệt")
        APPROVED = "approved", _("Đã phê duyệt")
        REJECTED = "rejected", _("Không phê duyệt")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField(_("lý do chậm"))
    old_appointment = models.DateTimeField(_("ngày hẹn cũ"))
    new_appointment = models.DateTimeField(_("ngày hẹn mới"))
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(_("thời điểm đề xuất"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("thời điểm phê duyệt"), null=True, blank=True)
    decision_note = models.TextField(_("ý kiến lãnh đạo"), blank=True)

    class Meta:
        verbose_name = _("xin lỗi và hẹn lại")
        verbose_name_plural = _("xin lỗi và hẹn lại")
        ordering = ["dossier", "proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(state="approved"),
                name="dossier_extension_approved_once",
            ),
            models.UniqueConstraint(
                fields=["dossier"], condition=models.Q(state="proposed"), name="dossier_extension_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.new_appointment:%d/%m/%Y}"


def result_file_path(instance: DossierResult, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"results/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DossierResult(models.Model):
    """Kết quả giải quyết, coded ``<dossier code>-KQ<n>``."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="results")
    number = models.PositiveSmallIntegerField(_("số thứ tự kết quả"))
    code = models.CharField(_("mã kết quả"), max_length=80, unique=True)
    name = models.CharField(_("tên kết quả"), max_length=500)
    file = models.FileField(_("tệp kết quả"), upload_to=result_file_path, max_length=255, blank=True)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255, blank=True)
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, blank=True)
    content_type = models.CharField(_("định dạng"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("thời điểm ban hành"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("kết quả giải quyết")
        verbose_name_plural = _("kết quả giải quyết")
        ordering = ["dossier", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "number"], name="unique_result_number_per_dossier")
        ]

    def __str__(self) -> str:
        return self.code


class DossierEvent(AppendOnlyModel):
    """One entry of the dossier's audit trail. Append-only; each row chains the previous row's hash.

    ``hash = sha256(prev_hash + canonical JSON of the event)`` (see ``dossiers.audit``); changing any
    stored field, deleting a row or re-ordering rows breaks the chain, which ``motcua audit verify`` reports.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField(_("số thứ tự"))
    occurred_at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier_events",
    )
    actor_name = models.CharField(_("tên người thực hiện"), max_length=200, blank=True)
    origin = models.CharField(
        _("nguồn"), max_length=100, blank=True, help_text=_("Địa chỉ IP hoặc kênh (quầy, cổng, hệ thống).")
    )
    action = models.CharField(_("thao tác"), max_length=60)
    from_status = models.PositiveSmallIntegerField(_("từ trạng thái"), null=True, blank=True)
    from_substate = models.CharField(max_length=24, blank=True)
    to_status = models.PositiveSmallIntegerField(_("sang trạng thái"))
    to_substate = models.CharField(max_length=24, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    payload = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("nhật ký hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        ordering = ["dossier", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "sequence"], name="unique_event_sequence_per_dossier")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.sequence} {self.action}"


class DeadlineWarning(models.Model):
    """A dossier the overdue watch found due within a working day, or overdue (``dossiers.watch``).

    One row per (dossier, kind, appointment): the people in charge are told once per appointment; a new
    appointment (an approved apology, a restarted time limit) can be warned about again.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Sắp đến hạn trả kết quả")
        OVERDUE = "overdue", _("Quá hạn trả kết quả")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="deadline_warnings")
    kind = models.CharField(_("loại cảnh báo"), max_length=10, choices=Kind.choices)
    appointment_at = models.DateTimeField(_("ngày hẹn trả được cảnh báo"))
    warned_at = models.DateTimeField(_("thời điểm cảnh báo"))

    class Meta:
        verbose_name = _("cảnh báo hạn xử lý")
        verbose_name_plural = _("cảnh báo hạn xử lý")
        ordering = ["dossier", "warned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind", "appointment_at"], name="unique_deadline_warning_per_appointment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} {self.appointment_at:%d/%m/%Y %H:%M}"


from .drafts import SubmissionDraft, SubmissionDraftFile  # noqa: E402, F401  (online form drafts, registered here)
