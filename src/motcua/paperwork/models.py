"""Kept paperwork: every printed form (Mẫu 01–06) of a dossier, the yearly document numbers and the register.

Rows here are written by ``paperwork.services`` only. A kept PDF is never changed: a form whose content
changed is issued again as a new document (and, for Mẫu 01–04, with a new number); the old one stays.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.dossiers.models import Dossier


class Form(models.TextChoices):
    """The six forms of TT 01/2018/TT-VPCP (forms.md §1)."""

    RECEIPT = "01", _("Mẫu 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT_REQUEST = "02", _("Mẫu 02 – Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "03", _("Mẫu 03 – Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    APOLOGY = "04", _("Mẫu 04 – Phiếu xin lỗi và hẹn lại ngày trả kết quả")
    CONTROL_SHEET = "05", _("Mẫu 05 – Phiếu kiểm soát quá trình giải quyết hồ sơ")
    REGISTER = "06", _("Mẫu 06 – Sổ theo dõi hồ sơ")


def paperwork_file_path(instance: PaperworkDocument, filename: str) -> str:
    """paperwork/2026/03/<uuid>.pdf: stored names never carry personal data."""
    now = timezone.localtime()
    return f"paperwork/{now:%Y/%m}/{uuid.uuid4().hex}.pdf"


class PaperworkDocument(models.Model):
    """One issued form of a dossier, kept byte for byte so that a re-print is the same paper."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="paperwork"
    )
    form = models.CharField(_("mẫu"), max_length=2, choices=Form.choices)
    form_set = models.CharField(
        _("bộ biểu mẫu"), max_length=20, help_text=_("Văn bản quy định bộ biểu mẫu, ví dụ tt01-2018.")
    )
    number = models.CharField(_("số"), max_length=40, blank=True, help_text=_("Ví dụ 15/TNHS."))
    file = models.FileField(_("tệp PDF"), upload_to=paperwork_file_path, max_length=255)
    filename = models.CharField(_("tên tệp tải về"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    content_hash = models.CharField(
        _("dấu vết nội dung"),
        max_length=64,
        db_index=True,
        help_text=_("Mã băm của dữ liệu hồ sơ in trên phiếu; khác đi thì phiếu được lập lại."),
    )
    dossier_revision = models.PositiveIntegerField(_("phiên bản dữ liệu hồ sơ"))
    created_at = models.DateTimeField(_("thời điểm lập"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("phiếu đã lập")
        verbose_name_plural = _("phiếu đã lập")
        ordering = ["dossier", "form", "-created_at", "-id"]
        indexes = [models.Index(fields=["dossier", "form", "-created_at"], name="paperwork_latest_per_form")]

    def __str__(self) -> str:
        return f"{self.dossier_id} · {self.get_form_display()} {self.number}".strip()


class DocumentCounter(models.Model):
    """The last number given in one series ("TNHS", "HDHS", ..., "register") by one agency in one year.

    The row is locked while incremented (like the dossier code counter), so numbers never repeat.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm số phiếu")
        verbose_name_plural = _("bộ đếm số phiếu")
        constraints = [
            models.UniqueConstraint(fields=["agency", "series", "year"], name="unique_paperwork_counter")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.series} {self.year}: {self.last_value}"


class RegisterEntry(models.Model):
    """The dossier's line in the receiving agency's Sổ theo dõi hồ sơ (Mẫu 06): book = year, continuous number.

    Given when the dossier is received (``register`` / ``receive``), in reception order.
    """

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="register_entry"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan tiếp nhận"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("quyển số (năm)"))
    number = models.PositiveIntegerField(_("số thứ tự"))
    created_at = models.DateTimeField(_("thời điểm vào sổ"), default=timezone.now)

    class Meta:
        verbose_name = _("dòng sổ theo dõi hồ sơ")
        verbose_name_plural = _("sổ theo dõi hồ sơ")
        ordering = ["agency", "year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "number"], name="unique_register_number")
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.number:04d}"
