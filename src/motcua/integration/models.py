"""Partner systems that call the REST API with a token, and the idempotency keys of their submissions.

An ``ApiClient`` (counter software, a postal operator's system, a partner portal) acts on dossiers through its
own service account: a staff account without a password, holding the client's roles at the client's agency.
Every workflow rule therefore applies to it unchanged, and the dossier's audit trail names it. The token is
shown once when issued; only its SHA-256 hash and a short prefix (to recognise it) are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency, StaffRole
from motcua.core.models import TimeStampedModel
from motcua.dossiers.models import Dossier

TOKEN_PREFIX_LENGTH = 12


def default_roles() -> list[str]:
    return [StaffRole.RECEPTION_OFFICER.value]


class ApiClient(TimeStampedModel):
    """Hệ thống kết nối: a partner system allowed to call the API with a bearer token."""

    name = models.CharField(_("tên hệ thống kết nối"), max_length=200, unique=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text=_(
            "Hệ thống chỉ thấy và xử lý hồ sơ mà cơ quan này tiếp nhận, giải quyết hoặc tham gia xử lý."
        ),
    )
    roles = models.JSONField(
        _("vai trò"),
        default=default_roles,
        help_text=_("Vai trò của hệ thống tại cơ quan, như vai trò của một cán bộ."),
    )
    allowed_actions = models.JSONField(
        _("thao tác được phép"),
        default=list,
        blank=True,
        help_text=_("Các thao tác trên hồ sơ mà hệ thống được gọi; quy tắc của quy trình vẫn được kiểm tra."),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản dịch vụ"),
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    token_prefix = models.CharField(_("tiền tố khóa"), max_length=TOKEN_PREFIX_LENGTH, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_issued_at = models.DateTimeField(_("cấp khóa lúc"), editable=False)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True, editable=False)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("hệ thống kết nối API")
        verbose_name_plural = _("hệ thống kết nối API")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdempotencyKey(models.Model):
    """A submission's ``Idempotency-Key``: the same key from the same caller answers the same dossier."""

    scope = models.CharField(_("bên gọi"), max_length=40)  # "client:<id>" or "user:<id>"
    key = models.CharField(_("khóa chống trùng"), max_length=200)
    fingerprint = models.CharField(_("dấu vân tay yêu cầu"), max_length=64)
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("khóa chống trùng")
        verbose_name_plural = _("khóa chống trùng")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="unique_idempotency_key_per_caller")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
