"""Writes to the catalog. Publishing a version closes the previous one; older versions stay untouched."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed

from .models import Procedure, ProcedureVersion


@transaction.atomic
def procedure_version_publish(
    *, version: ProcedureVersion, effective_from: datetime | None = None
) -> ProcedureVersion:
    """Publish ``version`` from ``effective_from`` (default: now) and close the version it replaces."""
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != ProcedureVersion.Status.DRAFT:
        raise ValidationFailed(_("Chỉ có thể công bố phiên bản đang ở trạng thái nháp."))
    if not version.cases.exists():
        raise ValidationFailed(_("Phiên bản chưa có trường hợp nào nên chưa thể công bố."))
    effective_from = effective_from or timezone.now()
    later = version.procedure.versions.filter(
        status=ProcedureVersion.Status.PUBLISHED, effective_from__gte=effective_from
    ).exclude(pk=version.pk)
    if later.exists():
        raise ValidationFailed(_("Đã có phiên bản công bố với ngày hiệu lực bằng hoặc sau ngày này."))
    version.procedure.versions.filter(
        status=ProcedureVersion.Status.PUBLISHED, effective_to__isnull=True
    ).exclude(pk=version.pk).update(effective_to=effective_from)
    version.status = ProcedureVersion.Status.PUBLISHED
    version.effective_from = effective_from
    version.effective_to = None
    version.save()
    procedure_refresh_current_version(procedure=version.procedure)
    return version


def procedure_refresh_current_version(*, procedure: Procedure, at: datetime | None = None) -> Procedure:
    """Point ``procedure.current_version`` at the version in force at ``at`` (default: now)."""
    from .selectors import version_in_force

    current = version_in_force(procedure=procedure, at=at)
    current_id = current.pk if current else None
    if procedure.current_version_id != current_id:
        procedure.current_version_id = current_id
        procedure.save(update_fields=["current_version", "updated_at"])
    return procedure


@transaction.atomic
def procedure_version_create_draft(*, procedure: Procedure, **fields) -> ProcedureVersion:
    """Start a new draft version numbered after the procedure's last one."""
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ProcedureVersion.objects.create(procedure=procedure, number=last + 1, **fields)
