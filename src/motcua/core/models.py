from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CalendarOverride(TimeStampedModel):
    """A change to the generated calendar for one date, from a government or provincial decision.

    The ``holidays`` package generates public holidays and substitute days; each row here wins for its date.
    Saving or deleting a row resets the cached calendar (see ``motcua.core.calendar``).
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Ngày nghỉ")
        WORKING_OVERRIDE = "working_override", _("Ngày làm bù")
        CANCEL_GENERATED = "cancel_generated", _("Bỏ ngày tự sinh")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(
        _("loại"),
        max_length=20,
        choices=Kind.choices,
        help_text=_(
            "Ngày nghỉ: thêm một ngày không làm việc. Ngày làm bù: thứ Bảy hoặc Chủ nhật phải đi làm. "
            "Bỏ ngày tự sinh: ngày lễ hoặc ngày làm bù do hệ thống tự sinh không áp dụng, "
            "ngày này theo lịch tuần thường."
        ),
    )
    name = models.CharField(
        _("tên ngày"), max_length=200, blank=True, help_text=_("Ví dụ: Nghỉ Tết Nguyên Đán (bổ sung).")
    )
    legal_basis = models.CharField(
        _("căn cứ"),
        max_length=300,
        blank=True,
        help_text=_("Số, ký hiệu văn bản quyết định, ví dụ Thông báo số 6150/TB-BLĐTBXH."),
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("ngày điều chỉnh lịch làm việc")
        verbose_name_plural = _("lịch nghỉ lễ và ngày làm bù")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} · {self.get_kind_display()}"

    def clean(self) -> None:
        from motcua.core import calendar

        if self.date is None or not self.kind:
            return
        if not calendar.MIN_YEAR <= self.date.year <= calendar.MAX_YEAR:
            raise ValidationError(
                {
                    "date": ValidationError(
                        _("Chỉ nhận ngày trong các năm %(min)s–%(max)s."),
                        params={"min": calendar.MIN_YEAR, "max": calendar.MAX_YEAR},
                    )
                }
            )
        if self.kind == self.Kind.WORKING_OVERRIDE and self.date.weekday() < 5:
            raise ValidationError(
                {
                    "kind": _(
                        "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật. Để một ngày lễ trong tuần trở lại ngày "
                        "làm việc, chọn “Bỏ ngày tự sinh”."
                    )
                }
            )
        if self.kind == self.Kind.CANCEL_GENERATED:
            days_off, working = calendar.generated_days(self.date.year)
            if self.date not in days_off and self.date not in working:
                raise ValidationError(
                    {
                        "kind": ValidationError(
                            _("Ngày %(date)s không có trong lịch tự sinh nên không có gì để bỏ."),
                            params={"date": f"{self.date:%d/%m/%Y}"},
                        )
                    }
                )


@receiver([post_save, post_delete], sender=CalendarOverride, dispatch_uid="core.calendar_override_changed")
def _calendar_override_changed(sender, **kwargs) -> None:
    from motcua.core.calendar import notify_calendar_changed

    notify_calendar_changed()


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a recorded event."""


class AppendOnlyModel(models.Model):
    """A record that is written once: saving an existing row or deleting one raises ``AppendOnlyError``."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
