"""Carrying process templates over to a new procedure version (docs/adr/0003).

A ``ProcessTemplate`` hangs on a case of one procedure version. When the catalog publishes a new version
(admin, importer or ``catalog.services.procedure_version_publish``), ``on_procedure_version_published`` runs
inside that transaction and ``process_templates_carry_over`` copies the active templates of the version it
replaces to the new version's cases:

* cases match by name (Unicode NFC, spaces collapsed, case ignored; diacritics count); a case name found twice
  in either version is ambiguous and nothing is copied for it;
* a new case that already has a template (for the same channel) keeps it;
* the copy keeps the name, approval decision and steps; its note says where it came from;
* a copy whose allotments no longer fit the new case's time limit is kept **inactive** with the reason in its
  note, so dossiers fall back to the default plan until an officer fixes it in the admin.

What happened comes back as Vietnamese sentences (``CarryOver.notes``), shown in the catalog admin after
publishing and in the importer's report.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import ProcedureCase, ProcedureVersion
from motcua.core.text import normalize_spaces

from .process import ProcessStep, ProcessTemplate, allotment_error, total_allotment

logger = logging.getLogger("motcua.dossiers.process")


@dataclass
class CarryOver:
    """What ``process_templates_carry_over`` did."""

    source: ProcedureVersion
    target: ProcedureVersion
    copied: list[ProcessTemplate] = field(default_factory=list)
    inactive: list[tuple[ProcessTemplate, str]] = field(default_factory=list)  # copied, turned off: reason
    kept: list[ProcessTemplate] = field(default_factory=list)  # the new case already had one
    unmatched: list[ProcessTemplate] = field(default_factory=list)  # no (single) case of that name
    without_template: list[ProcedureCase] = field(default_factory=list)  # new cases left with none

    @property
    def notes(self) -> list[str]:
        notes = []
        if self.copied:
            notes.append(
                _("Đã chép %(count)d quy trình nội bộ từ phiên bản %(old)s sang phiên bản %(new)s.")
                % {"count": len(self.copied), "old": self.source.number, "new": self.target.number}
            )
        for template, reason in self.inactive:
            notes.append(
                _("Quy trình “%(name)s” (trường hợp “%(case)s”) đã chép nhưng tạm ngừng áp dụng: %(reason)s")
                % {"name": template.name, "case": template.case.name, "reason": reason}
            )
        for template in self.unmatched:
            notes.append(
                _(
                    "Không chép quy trình “%(name)s”: phiên bản mới không có đúng một trường hợp tên “%(case)s”."
                )
                % {"name": template.name, "case": template.case.name}
            )
        for case in self.without_template:
            notes.append(
                _("Trường hợp “%(case)s” của phiên bản %(new)s chưa có quy trình nội bộ.")
                % {"case": case.name, "new": self.target.number}
            )
        return notes


def case_key(name: str) -> str:
    return normalize_spaces(unicodedata.normalize("NFC", name or "")).casefold()


@transaction.atomic
def process_templates_carry_over(*, source: ProcedureVersion, target: ProcedureVersion) -> CarryOver:
    """Copy the active templates of ``source``'s cases to the cases of ``target`` with the same name.

    Idempotent: a target case that has a template for the channel keeps it. Both versions must belong to the
    same procedure.
    """
    if source.procedure_id != target.procedure_id:
        raise ValueError("process templates are carried over between versions of one procedure")
    report = CarryOver(source=source, target=target)
    targets: dict[str, list[ProcedureCase]] = {}
    for case in target.cases.order_by("order", "pk"):
        targets.setdefault(case_key(case.name), []).append(case)
    source_names: dict[str, int] = {}
    for name in source.cases.values_list("name", flat=True):
        source_names[case_key(name)] = source_names.get(case_key(name), 0) + 1
    existing = set(ProcessTemplate.objects.filter(case__version=target).values_list("case_id", "for_online"))
    templates = (
        ProcessTemplate.objects.filter(case__version=source, is_active=True)
        .select_related("case")
        .prefetch_related("steps")
        .order_by("case__order", "case__pk", "for_online")
    )
    when = timezone.localdate().strftime("%d/%m/%Y")
    for template in templates:
        key = case_key(template.case.name)
        matches = targets.get(key, [])
        if len(matches) != 1 or source_names.get(key, 0) != 1:
            report.unmatched.append(template)
            continue
        case = matches[0]
        if (case.pk, template.for_online) in existing:
            report.kept.append(template)
            continue
        origin = _(
            "Chép từ quy trình của phiên bản %(old)s (trường hợp “%(case)s”) khi công bố phiên bản %(new)s, "
            "ngày %(date)s."
        ) % {"old": source.number, "case": template.case.name, "new": target.number, "date": when}
        copy = ProcessTemplate.objects.create(
            case=case,
            for_online=template.for_online,
            name=template.name,
            approval_decision=template.approval_decision,
            is_active=True,
            note="\n".join(part for part in (template.note.strip(), origin) if part),
        )
        steps = list(template.steps.all())
        ProcessStep.objects.bulk_create(
            ProcessStep(
                template=copy,
                order=step.order,
                name=step.name,
                agency_id=step.agency_id,
                uses_competent_agency=step.uses_competent_agency,
                role=step.role,
                hours=step.hours,
                parallel_group=step.parallel_group,
                is_lead=step.is_lead,
            )
            for step in steps
        )
        existing.add((case.pk, template.for_online))
        problem = allotment_error(
            case=case,
            for_online=copy.for_online,
            total=total_allotment((s.parallel_group, s.hours) for s in steps),
            roles=[s.role for s in steps],
            lead_count=sum(1 for s in steps if s.is_lead),
        )
        if problem:
            copy.is_active = False
            copy.note = f"{copy.note}\n{_('Tạm ngừng áp dụng')}: {problem}"
            copy.save(update_fields=["is_active", "note", "updated_at"])
            report.inactive.append((copy, problem))
        report.copied.append(copy)
    if report.copied or report.kept or report.unmatched:  # the old version had templates: say what is missing
        covered = {case_id for case_id, for_online in existing if not for_online}
        report.without_template = [
            case for cases in targets.values() for case in cases if case.pk not in covered
        ]
    if report.copied or report.unmatched:
        logger.info(
            "procedure %s: %d process templates carried from version %s to %s (%d inactive, %d unmatched)",
            target.procedure_id,
            len(report.copied),
            source.number,
            target.number,
            len(report.inactive),
            len(report.unmatched),
        )
    return report


def on_procedure_version_published(sender, *, version, previous=None, **kwargs) -> list[str]:
    """Receiver of ``catalog.signals.procedure_version_published``: carry the templates over."""
    if previous is None:
        return []
    return process_templates_carry_over(source=previous, target=version).notes
