"""Writes to the catalog. Publishing a version closes the previous one; older versions stay untouched.

Publishing sends ``signals.procedure_version_published`` in its transaction (the dossiers app carries the
process templates of the previous version over); what receivers report is on ``version.publish_notes``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed

from .models import (
    CaseComponent,
    Fee,
    LegalBasis,
    Procedure,
    ProcedureAgency,
    ProcedureCase,
    ProcedureResult,
    ProcedureVersion,
    SequenceStep,
)
from .signals import procedure_version_published


@transaction.atomic
def procedure_version_publish(
    *, version: ProcedureVersion, effective_from: datetime | None = None
) -> ProcedureVersion:
    """Publish ``version`` from ``effective_from`` (default: now) and close the version it replaces.

    The returned version carries ``publish_notes``: what the receivers of ``procedure_version_published`` did
    (e.g. "Đã chép 2 quy trình nội bộ ..."), in Vietnamese, possibly empty.
    """
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
    previous = (
        version.procedure.versions.filter(
            status=ProcedureVersion.Status.PUBLISHED, effective_from__lt=effective_from
        )
        .exclude(pk=version.pk)
        .order_by("-effective_from", "-number")
        .first()
    )
    version.procedure.versions.filter(
        status=ProcedureVersion.Status.PUBLISHED, effective_to__isnull=True
    ).exclude(pk=version.pk).update(effective_to=effective_from)
    version.status = ProcedureVersion.Status.PUBLISHED
    version.effective_from = effective_from
    version.effective_to = None
    version.save()
    procedure_refresh_current_version(procedure=version.procedure)
    responses = procedure_version_published.send(sender=ProcedureVersion, version=version, previous=previous)
    version.publish_notes = [str(note) for _receiver, notes in responses for note in (notes or [])]
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


# Fields a copy takes over unchanged; identity, status and dates belong to the new draft.
_VERSION_FIELDS_NOT_COPIED = {
    "id",
    "procedure",
    "number",
    "status",
    "effective_from",
    "effective_to",
    "created_at",
    "updated_at",
    "search_name",
    "search_text",
}


def _copy_rows(rows, **overrides) -> list:
    """Unsaved copies of ``rows`` (same model) with ``overrides`` applied, keyed by the original pk."""
    copies = []
    for row in rows:
        values = {
            field.attname: getattr(row, field.attname)
            for field in row._meta.concrete_fields
            if not field.primary_key
        }
        values.update(overrides)
        copies.append((row.pk, type(row)(**values)))
    return copies


@transaction.atomic
def procedure_version_copy_to_draft(*, version: ProcedureVersion) -> ProcedureVersion:
    """A new draft of ``version``'s procedure holding a copy of ``version`` and all its children.

    The original is not touched, so dossiers received under it keep seeing exactly what they saw.
    """
    fields = {
        field.attname: getattr(version, field.attname)
        for field in ProcedureVersion._meta.concrete_fields
        if field.name not in _VERSION_FIELDS_NOT_COPIED
    }
    draft = procedure_version_create_draft(procedure=version.procedure, **fields)

    case_ids: dict[int, int] = {}
    for old_pk, case in _copy_rows(ProcedureCase.objects.filter(version=version), version_id=draft.pk):
        case.save()
        case_ids[old_pk] = case.pk
    components = [row for _pk, row in _copy_rows(CaseComponent.objects.filter(case__version=version))]
    for component in components:
        component.case_id = case_ids[component.case_id]
    CaseComponent.objects.bulk_create(components)
    fees = [row for _pk, row in _copy_rows(Fee.objects.filter(version=version), version_id=draft.pk)]
    for fee in fees:
        fee.case_id = case_ids[fee.case_id] if fee.case_id else None
    Fee.objects.bulk_create(fees)
    for model in (SequenceStep, ProcedureResult, LegalBasis, ProcedureAgency):
        model.objects.bulk_create(
            row for _pk, row in _copy_rows(model.objects.filter(version=version), version_id=draft.pk)
        )
    return draft


@transaction.atomic
def procedure_retire(*, procedure: Procedure, at: datetime | None = None) -> Procedure:
    """Abolish ``procedure`` from ``at`` (default: now).

    The version in force at ``at`` stops there (it stays "published": it was in force before, and dossiers
    received under it still point at it); versions scheduled to start later and drafts are retired.
    """
    at = at or timezone.now()
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    published = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED)
    in_force = published.filter(effective_from__lte=at).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=at)
    )
    scheduled = list(published.filter(effective_from__gt=at).values_list("pk", flat=True))
    if not in_force.exists() and not scheduled:
        raise ValidationFailed(_("Thủ tục không có phiên bản nào đang hoặc sắp có hiệu lực để bãi bỏ."))
    in_force.update(effective_to=at, updated_at=timezone.now())
    procedure.versions.filter(Q(status=ProcedureVersion.Status.DRAFT) | Q(pk__in=scheduled)).update(
        status=ProcedureVersion.Status.RETIRED, updated_at=timezone.now()
    )
    return procedure_refresh_current_version(procedure=procedure)
