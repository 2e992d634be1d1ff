"""Process templates (quy trình điện tử): the approved internal procedure of a procedure case as data.

A ``ProcessTemplate`` belongs to one ``catalog.ProcedureCase`` (optionally a second one for online dossiers)
and lists ``ProcessStep`` rows. Steps are grouped by ``parallel_group``: groups run one after another in
increasing number, the steps of one group run at the same time (one-stop interconnection, liên thông). The
result always returns to the receiving one-stop unit after the last group; that return is implicit.

Templates live in the dossiers app because they are the workflow's data (docs/adr/0003).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, StaffRole
from motcua.catalog.models import ProcedureCase, TimeUnit
from motcua.core.models import TimeStampedModel

HOURS_PER_DAY = Decimal(8)


class ProcessTemplate(TimeStampedModel):
    case = models.ForeignKey(
        ProcedureCase,
        verbose_name=_("trường hợp thủ tục"),
        on_delete=models.CASCADE,
        related_name="process_templates",
    )
    for_online = models.BooleanField(
        _("dùng cho hồ sơ trực tuyến"),
        default=False,
        help_text=_(
            "Quy trình riêng cho hồ sơ nộp trực tuyến; nếu không có, hồ sơ trực tuyến dùng quy trình chung."
        ),
    )
    name = models.CharField(_("tên quy trình"), max_length=255)
    approval_decision = models.CharField(
        _("quyết định phê duyệt quy trình nội bộ"), max_length=255, blank=True
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        constraints = [
            models.UniqueConstraint(fields=["case", "for_online"], name="unique_process_template_per_case"),
        ]

    def __str__(self) -> str:
        return self.name

    def legal_hours(self) -> Decimal:
        """The case's time limit in working hours (1 day = 8 h), the online one for an online template."""
        return legal_hours_of(self.case, online=self.for_online)


class ProcessStep(models.Model):
    template = models.ForeignKey(
        ProcessTemplate, verbose_name=_("quy trình"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên bước"), max_length=255)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="process_steps",
    )
    uses_competent_agency = models.BooleanField(
        _("cơ quan có thẩm quyền theo cấp của hồ sơ"),
        default=False,
        help_text=_(
            "Bước do cơ quan có thẩm quyền giải quyết của từng hồ sơ thực hiện (ví dụ UBND xã nơi nộp)."
        ),
    )
    role = models.CharField(_("vai trò thực hiện"), max_length=20, choices=StaffRole.choices)
    hours = models.DecimalField(
        _("thời gian (giờ làm việc)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("Một ngày làm việc = 8 giờ."),
    )
    parallel_group = models.PositiveSmallIntegerField(
        _("nhóm xử lý"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Các nhóm lần lượt theo số tăng dần; các bước cùng nhóm xử lý song song (liên thông)."),
    )
    is_lead = models.BooleanField(_("cơ quan chủ trì"), default=False)

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("các bước xử lý")
        ordering = ["template", "parallel_group", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.agency_id and self.uses_competent_agency:
            raise ValidationError(
                _(
                    "Chọn một cơ quan cụ thể hoặc “cơ quan có thẩm quyền theo cấp của hồ sơ”, không chọn cả hai."
                )
            )
        if not self.agency_id and not self.uses_competent_agency:
            raise ValidationError(
                _(
                    "Bước xử lý cần một cơ quan thực hiện hoặc chọn “cơ quan có thẩm quyền theo cấp của hồ sơ”."
                )
            )


def limit_hours(amount: Decimal, unit: str) -> Decimal:
    """A time limit in working hours; working and calendar days count 8 hours each."""
    if unit == TimeUnit.WORKING_HOURS:
        return Decimal(amount)
    return Decimal(amount) * HOURS_PER_DAY


def legal_hours_of(case: ProcedureCase, *, online: bool = False) -> Decimal:
    """A case's time limit in working hours (the online one for online dossiers when the case has it)."""
    amount = case.processing_time
    if online and case.online_processing_time is not None:
        amount = case.online_processing_time
    return limit_hours(amount, case.time_unit)


def total_allotment(steps: Iterable[tuple[int, Decimal]]) -> Decimal:
    """Sum over the sequential groups of the longest step in each parallel group."""
    longest: dict[int, Decimal] = {}
    for group, hours in steps:
        longest[group] = max(longest.get(group, Decimal(0)), Decimal(hours or 0))
    return sum(longest.values(), Decimal(0))


def allotment_error(
    *, case: ProcedureCase, for_online: bool, total: Decimal, roles: list[str], lead_count: int
) -> str | None:
    """Why a template's steps are refused (Vietnamese), or None when they are acceptable."""
    if not roles:
        return gettext("Quy trình phải có ít nhất một bước xử lý.")
    if all(role == StaffRole.LEADER for role in roles):
        return gettext("Quy trình phải có ít nhất một bước xử lý trước bước lãnh đạo phê duyệt.")
    if lead_count > 1:
        return gettext("Chỉ một bước được đánh dấu là cơ quan chủ trì.")
    if case.no_appointment:
        return None
    limit = legal_hours_of(case, online=for_online)
    if total > limit:
        return gettext(
            "Tổng thời gian các bước là %(total)s giờ làm việc, vượt quá thời hạn giải quyết của trường hợp "
            "“%(case)s” là %(limit)s giờ làm việc (1 ngày làm việc = 8 giờ). Hãy giảm thời gian các bước."
        ) % {"total": _hours(total), "case": case.name, "limit": _hours(limit)}
    return None


def _hours(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")
