"""Hồ sơ đang soạn: an online submission saved on the server step by step, resumable from any device.

A draft belongs to one account and one procedure case with the place of submission (receiving one-stop unit
and competent agency). ``data`` holds what the applicant typed (applicant, authorised submitter, summary, how
to receive the result); each uploaded or reused file is a ``SubmissionDraftFile``. On submission the draft is
kept, linked to its dossier, as the record of the form (the postal return address lives there), and its
files are removed: the dossier holds its own copies.

Rows are written by ``dossiers.submission`` only. Registered with the app by an import in ``models.py``.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.catalog.models import CaseComponent, ProcedureCase, ProcedureVersion
from motcua.core.models import TimeStampedModel


class DraftStep(models.TextChoices):
    """The pages of the online form, in order."""

    CASE = "case", _("Trường hợp và nơi nộp")
    APPLICANT = "applicant", _("Chủ hồ sơ")
    COMPONENTS = "components", _("Giấy tờ")
    RESULT = "result", _("Nhận kết quả")
    REVIEW = "review", _("Kiểm tra và nộp")


class SubmissionDraft(TimeStampedModel):
    """Hồ sơ đang soạn: the online form of one applicant account, saved at every step."""

    public_id = models.UUIDField(_("mã bản nháp"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        related_name="submission_drafts",
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("phiên bản thủ tục"), on_delete=models.CASCADE, related_name="+"
    )
    procedure_case = models.ForeignKey(
        ProcedureCase, verbose_name=_("trường hợp thủ tục"), on_delete=models.CASCADE, related_name="+"
    )
    receiving_agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan tiếp nhận"), on_delete=models.CASCADE, related_name="+"
    )
    competent_agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan có thẩm quyền giải quyết"), on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(_("nội dung đã nhập"), default=dict, blank=True)
    submitted_dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ đã nộp"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submission_draft",
    )
    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)

    class Meta:
        verbose_name = _("hồ sơ đang soạn")
        verbose_name_plural = _("hồ sơ đang soạn")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "submitted_at"], name="draft_owner_open")]

    def __str__(self) -> str:
        return f"{self.procedure_version.name} · {self.owner}"

    @property
    def done_steps(self) -> list[str]:
        return list(self.data.get("done", []))


def draft_file_path(instance: SubmissionDraftFile, filename: str) -> str:
    """Stored names never reuse the uploaded name: drafts/2026/03/<uuid>.<ext>."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"drafts/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class SubmissionDraftFile(models.Model):
    """A file of a draft for one case component: uploaded (``file``) or reused from an earlier dossier."""

    draft = models.ForeignKey(SubmissionDraft, on_delete=models.CASCADE, related_name="files")
    case_component = models.ForeignKey(
        CaseComponent, verbose_name=_("thành phần hồ sơ"), on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(_("tệp"), upload_to=draft_file_path, max_length=255, blank=True)
    reused_from = models.ForeignKey(
        "dossiers.DossierFile",
        verbose_name=_("dùng lại tệp đã nộp"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reused_code = models.CharField(_("mã hồ sơ đã nộp tệp"), max_length=80, blank=True)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    content_type = models.CharField(_("định dạng nhận dạng được"), max_length=100)
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)

    class Meta:
        verbose_name = _("tệp của hồ sơ đang soạn")
        verbose_name_plural = _("tệp của hồ sơ đang soạn")
        ordering = ["draft", "case_component", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_reused(self) -> bool:
        return bool(self.reused_code)

    @property
    def is_available(self) -> bool:
        """An uploaded file, or a reused one whose earlier dossier file still exists."""
        return bool(self.file) or self.reused_from_id is not None
