"""Report data: targets (configurable, with effective dates), imported ratings, and the report aggregates.

The aggregates are derived data, kept exact in the transaction of every dossier change (see ``aggregates``
and docs/adr/0004-report-aggregates.md) and rebuilt from the dossiers by ``motcua report rebuild-aggregates``:

* ``DossierFact``: one narrow row per dossier with the dates and flags the indicators count (the last state
  applied to the counters, so a change can subtract the old contribution and add the new one);
* ``DailyCounter`` / ``MonthlyCounter``: flows per day (month) × agency × procedure × field × channel;
* ``BacklogCounter``: closed dossiers that were pending at the start of a month (and of those, overdue);
* ``OpenCounter``: dossiers still pending, by the month they were received and the month they became overdue.

Counter keys are plain integers (0 = none) so that a unique key never contains NULL and rows can be upserted.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Level
from motcua.dossiers.models import Dossier


class Rate(models.TextChoices):
    """Percentages a report shows; each may carry a target (``Target``)."""

    ONLINE_SHARE = "online_share", _("Tỷ lệ hồ sơ tiếp nhận trực tuyến")
    POSTAL_SHARE = "postal_share", _("Tỷ lệ hồ sơ tiếp nhận qua bưu chính công ích")
    POSTAL_RETURN_SHARE = "postal_return_share", _("Tỷ lệ hồ sơ trả kết quả qua bưu chính công ích")
    ON_TIME_RATE = "on_time_rate", _("Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn")
    ONLINE_ON_TIME_RATE = "online_on_time_rate", _("Tỷ lệ hồ sơ trực tuyến giải quyết trước hạn và đúng hạn")
    ONLINE_PROCEDURE_SHARE = (
        "online_procedure_share",
        _("Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến (một phần, toàn trình)"),
    )
    FULL_ONLINE_PROCEDURE_SHARE = (
        "full_online_procedure_share",
        _("Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến toàn trình"),
    )
    ONLINE_PROCEDURE_USED_SHARE = (
        "online_procedure_used_share",
        _("Tỷ lệ dịch vụ công trực tuyến có phát sinh hồ sơ trực tuyến"),
    )
    ONLINE_PAYMENT_SHARE = "online_payment_share", _("Tỷ lệ hồ sơ thanh toán trực tuyến")
    SATISFACTION_SHARE = "satisfaction_share", _("Tỷ lệ hài lòng")


class Confidence(models.TextChoices):
    """How sure the source of a target is (domain notes: [C] / [S] / [I] / [B])."""

    CONFIRMED = "confirmed", _("Có văn bản pháp luật xác nhận")
    SECONDARY = "secondary", _("Nguồn thứ cấp")
    IMPLEMENTATION = "implementation", _("Theo một hệ thống đang vận hành")
    UNCONFIRMED = "unconfirmed", _("Chưa xác nhận")


class Target(models.Model):
    """Chỉ tiêu: the minimum percentage of one rate, for one level or all, in force over a date range.

    The target applied to a report is the one in force on the report's last day, the level-specific one
    winning over the one for every level. All values are configurable in the admin.
    """

    rate = models.CharField(_("chỉ số"), max_length=40, choices=Rate.choices)
    level = models.CharField(
        _("cấp"), max_length=10, choices=Level.choices, blank=True, help_text=_("Để trống: áp dụng mọi cấp.")
    )
    minimum = models.DecimalField(
        _("chỉ tiêu tối thiểu (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    effective_from = models.DateField(_("áp dụng từ ngày"))
    effective_to = models.DateField(
        _("hết áp dụng từ ngày"), null=True, blank=True, help_text=_("Để trống nếu đang áp dụng.")
    )
    source = models.CharField(_("căn cứ"), max_length=300, blank=True)
    confidence = models.CharField(
        _("độ tin cậy của căn cứ"), max_length=20, choices=Confidence.choices, default=Confidence.UNCONFIRMED
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu đánh giá")
        ordering = ["rate", "level", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["rate", "level", "effective_from"], name="unique_target_version"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="target_effective_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rate_display()} ≥ {self.minimum}%"


class ImportedRating(models.Model):
    """The overall rating (1 chưa hài lòng, 2 hài lòng, 3 rất hài lòng) of an imported historical dossier.

    Ratings given in the system live in the feedback app; these come only from ``motcua import-dossiers``.
    """

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="imported_rating")
    overall = models.PositiveSmallIntegerField(
        _("đánh giá chung"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )

    class Meta:
        verbose_name = _("đánh giá nhập từ dữ liệu lịch sử")
        verbose_name_plural = _("đánh giá nhập từ dữ liệu lịch sử")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall__gte=1, overall__lte=3), name="imported_rating_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.overall}"


class Outcome(models.TextChoices):
    """How a received dossier left the pending stock."""

    EARLY = "early", _("Giải quyết trước hạn")
    ON_TIME = "on_time", _("Giải quyết đúng hạn")
    LATE = "late", _("Giải quyết quá hạn")
    WITHDRAWN = "withdrawn", _("Rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")


RESOLVED_OUTCOMES = (Outcome.EARLY, Outcome.ON_TIME, Outcome.LATE)


class DossierFact(models.Model):
    """What the indicators count about one dossier (derived; see ``facts.fact_for``)."""

    # Derived data rebuilt in bulk: no database-level foreign key to check on every row (the ORM still cascades).
    dossier = models.OneToOneField(
        Dossier, primary_key=True, on_delete=models.CASCADE, related_name="report_fact", db_constraint=False
    )
    agency_id = models.IntegerField()  # the competent agency
    procedure_id = models.IntegerField()
    field_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=10)
    received_on = models.DateField(null=True)
    closed_on = models.DateField(null=True)  # left the pending stock (result, withdrawal, stop)
    outcome = models.CharField(max_length=10, blank=True, choices=Outcome.choices)
    overdue_on = models.DateField(null=True)  # pending past its appointment from the end of this day
    not_received_on = models.DateField(null=True)  # refused at reception (status 3)
    refused = models.BooleanField(default=False)  # resolved with a refusal after appraisal
    obligation = models.BooleanField(default=False)  # had a financial obligation
    paid_online = models.BooleanField(default=False)
    postal_return = models.BooleanField(default=False)
    step_score = models.SmallIntegerField(null=True)  # TT 01/2018 indicator 2 (0–2), resolved only
    contact_score = models.SmallIntegerField(null=True)  # TT 01/2018 indicator 3 (0–2), resolved only
    e_result = models.BooleanField(null=True)  # resolved with an electronic result; unknown if imported
    rated_on = models.DateField(null=True)
    satisfied = models.BooleanField(null=True)  # imported rating: satisfied or not; None when not rated

    class Meta:
        verbose_name = _("dữ kiện báo cáo của hồ sơ")
        verbose_name_plural = _("dữ kiện báo cáo của hồ sơ")
        # The lists behind a report's numbers (``drilldown``) read the facts of a period: flows by their day,
        # stocks as "received before B and (still open or closed from B)" (the open ones: a small partial index).
        indexes = [
            models.Index(fields=["received_on"], name="report_fact_received"),
            models.Index(fields=["closed_on"], name="report_fact_closed"),
            models.Index(
                fields=["received_on"], name="report_fact_open", condition=models.Q(closed_on__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return str(self.dossier_id)


class CounterColumns(models.Model):
    """The flow counters; each counts dossiers (or score points) whose event fell in the row's day/month."""

    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    field_id = models.IntegerField()
    channel = models.CharField(max_length=10)
    received = models.IntegerField(default=0)
    with_obligation = models.IntegerField(default=0)  # of received: with a financial obligation
    paid_online = models.IntegerField(default=0)  # of received: obligation paid online
    postal_return = models.IntegerField(default=0)  # of received: result to be returned by post
    resolved_early = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    resolved_late = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)  # of resolved: refusals after appraisal
    withdrawn = models.IntegerField(default=0)
    stopped = models.IntegerField(default=0)
    not_received = models.IntegerField(default=0)  # refused at reception
    became_overdue = models.IntegerField(default=0)
    closed_overdue = models.IntegerField(default=0)
    step_score_sum = models.IntegerField(default=0)
    step_scored = models.IntegerField(default=0)
    contact_score_sum = models.IntegerField(default=0)
    contact_scored = models.IntegerField(default=0)
    e_results = models.IntegerField(default=0)
    e_result_known = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.procedure_id}/{self.channel}"


class DailyCounter(CounterColumns):
    day = models.DateField()

    class Meta:
        verbose_name = _("số liệu tổng hợp theo ngày")
        verbose_name_plural = _("số liệu tổng hợp theo ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_id", "procedure_id", "field_id", "channel"],
                name="unique_daily_counter",
            )
        ]


class MonthlyCounter(CounterColumns):
    month = models.DateField()  # first day of the month

    class Meta:
        verbose_name = _("số liệu tổng hợp theo tháng")
        verbose_name_plural = _("số liệu tổng hợp theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency_id", "procedure_id", "field_id", "channel"],
                name="unique_monthly_counter",
            )
        ]


class BacklogCounter(models.Model):
    """Closed dossiers pending at 00:00 of ``month`` (its first day), and of those the overdue ones."""

    month = models.DateField()
    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    field_id = models.IntegerField()
    channel = models.CharField(max_length=10)
    pending = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("hồ sơ tồn đầu tháng (đã kết thúc)")
        verbose_name_plural = _("hồ sơ tồn đầu tháng (đã kết thúc)")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency_id", "procedure_id", "field_id", "channel"],
                name="unique_backlog_counter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}/{self.procedure_id}/{self.channel}"


class OpenCounter(models.Model):
    """Dossiers still pending: ``received`` by the month they were received, ``overdue`` by the month they
    became overdue."""

    month = models.DateField()
    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    field_id = models.IntegerField()
    channel = models.CharField(max_length=10)
    received = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("hồ sơ đang giải quyết")
        verbose_name_plural = _("hồ sơ đang giải quyết")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency_id", "procedure_id", "field_id", "channel"],
                name="unique_open_counter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}/{self.procedure_id}/{self.channel}"


FLOW_COLUMNS = tuple(
    f.name
    for f in CounterColumns._meta.local_fields
    if isinstance(f, models.IntegerField) and f.name not in {"agency_id", "procedure_id", "field_id"}
)
