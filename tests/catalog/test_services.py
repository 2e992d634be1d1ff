"""Catalog services: publishing, copying a version to a draft, retiring a procedure."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.forms.models import model_to_dict
from factories import (
    AgencyFactory,
    CaseComponentFactory,
    FeeFactory,
    ProcedureCaseFactory,
    ProcedureFactory,
    ProcedureVersionFactory,
)

from motcua.catalog.models import (
    CaseComponent,
    Fee,
    LegalBasis,
    ProcedureAgency,
    ProcedureCase,
    ProcedureResult,
    ProcedureVersion,
    SequenceStep,
)
from motcua.catalog.selectors import version_in_force
from motcua.catalog.services import (
    procedure_retire,
    procedure_version_copy_to_draft,
    procedure_version_publish,
)
from motcua.core.errors import ValidationFailed

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def snapshot(version: ProcedureVersion) -> dict:
    """Everything a dossier received under ``version`` can see, as plain values."""
    version.refresh_from_db()
    return {
        "version": model_to_dict(version),
        "cases": [model_to_dict(c) for c in ProcedureCase.objects.filter(version=version).order_by("pk")],
        "components": [
            model_to_dict(c) for c in CaseComponent.objects.filter(case__version=version).order_by("pk")
        ],
        "fees": [model_to_dict(f) for f in Fee.objects.filter(version=version).order_by("pk")],
        "steps": [model_to_dict(s) for s in SequenceStep.objects.filter(version=version).order_by("pk")],
        "results": [model_to_dict(r) for r in ProcedureResult.objects.filter(version=version).order_by("pk")],
        "legal": [model_to_dict(b) for b in LegalBasis.objects.filter(version=version).order_by("pk")],
        "agencies": [
            model_to_dict(a) for a in ProcedureAgency.objects.filter(version=version).order_by("pk")
        ],
    }


def full_version(**kwargs) -> ProcedureVersion:
    """A published version with two cases, a case fee, a shared fee and every kind of child row."""
    version = ProcedureVersionFactory(cases=("Cấp mới", "Cấp lại"), fee_amount=30000, publish=False, **kwargs)
    second = version.cases.get(name="Cấp lại")
    FeeFactory(version=version, case=second, amount=10000, kind=Fee.Kind.FEE)
    SequenceStep.objects.create(version=version, order=1, text="Nộp hồ sơ.")
    ProcedureResult.objects.create(version=version, code="KQ1", name="Giấy phép")
    LegalBasis.objects.create(version=version, number="01/2020/NĐ-CP", title="Nghị định mẫu")
    ProcedureAgency.objects.create(
        version=version, role=ProcedureAgency.Role.IMPLEMENTING, agency=AgencyFactory()
    )
    ProcedureAgency.objects.create(
        version=version,
        role=ProcedureAgency.Role.COORDINATING,
        external_code="G01",
        external_name="Bộ Công an",
    )
    return procedure_version_publish(version=version)


def test_factories_build_a_published_version_through_the_services():
    version = ProcedureVersionFactory(fee_amount=50000)
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert version.procedure.current_version == version
    assert version.cases.get().components.count() == 2
    assert version.fees.get().amount == 50000
    draft = ProcedureVersionFactory(procedure=version.procedure, publish=False)
    assert (draft.number, draft.status) == (2, ProcedureVersion.Status.DRAFT)
    case = ProcedureCaseFactory(version=draft)
    assert CaseComponentFactory(case=case).case.version == draft


def test_copy_to_draft_copies_every_child_and_leaves_the_original_alone():
    original = full_version()
    before = snapshot(original)

    draft = procedure_version_copy_to_draft(version=original)

    assert (draft.number, draft.status) == (2, ProcedureVersion.Status.DRAFT)
    assert draft.effective_from is None and draft.effective_to is None
    assert (draft.name, draft.field_id, draft.package_hash) == (
        original.name,
        original.field_id,
        original.package_hash,
    )
    assert snapshot(original) == before
    copied = snapshot(draft)
    assert [c["name"] for c in copied["cases"]] == ["Cấp mới", "Cấp lại"]
    assert len(copied["components"]) == 4
    assert {c["case"] for c in copied["components"]} == {c["id"] for c in copied["cases"]}
    case_fee = next(f for f in copied["fees"] if f["case"] is not None)
    assert case_fee["case"] == draft.cases.get(name="Cấp lại").pk
    assert (len(copied["fees"]), len(copied["steps"]), len(copied["results"])) == (2, 1, 1)
    assert {a["external_code"] for a in copied["agencies"]} == {"", "G01"}
    assert draft.search_text == original.search_text


def test_publishing_a_new_version_never_changes_what_the_old_one_shows():
    with time_machine.travel(datetime(2025, 3, 1, 9, tzinfo=VN), tick=False):
        old = full_version()
    before = snapshot(old)
    received_at = datetime(2025, 5, 20, 10, tzinfo=VN)

    with time_machine.travel(datetime(2025, 6, 1, 9, tzinfo=VN), tick=False):
        draft = procedure_version_copy_to_draft(version=old)
        draft.name = "Tên mới"
        draft.save()
        case = draft.cases.first()
        case.processing_time = 3
        case.save()
        draft.fees.update(amount=99000)
        CaseComponent.objects.filter(case__version=draft).delete()
        new = procedure_version_publish(version=draft)

    after = snapshot(old)
    # Only the end of validity moves; content and everything below the version is identical.
    assert after["version"].pop("effective_to") == new.effective_from
    before["version"].pop("effective_to")
    assert after == before
    assert version_in_force(procedure=old.procedure, at=received_at) == old
    assert version_in_force(procedure=old.procedure, at=datetime(2025, 6, 2, tzinfo=VN)) == new


def test_publish_refuses_a_version_that_is_not_a_draft_or_has_no_case():
    version = ProcedureVersionFactory()
    with pytest.raises(ValidationFailed, match="nháp"):
        procedure_version_publish(version=version)
    empty = ProcedureVersionFactory(procedure=version.procedure, publish=False, cases=())
    with pytest.raises(ValidationFailed, match="trường hợp"):
        procedure_version_publish(version=empty)


def test_retire_closes_the_version_in_force_and_retires_drafts_and_scheduled_versions():
    procedure = ProcedureFactory()
    start = datetime(2025, 1, 1, tzinfo=VN)
    in_force = ProcedureVersionFactory(procedure=procedure, effective_from=start)
    scheduled = ProcedureVersionFactory(procedure=procedure, effective_from=datetime(2030, 1, 1, tzinfo=VN))
    draft = ProcedureVersionFactory(procedure=procedure, publish=False)
    end = datetime(2026, 1, 1, tzinfo=VN)

    with time_machine.travel(end + timedelta(hours=1), tick=False):
        procedure_retire(procedure=procedure, at=end)

    for version in (in_force, scheduled, draft):
        version.refresh_from_db()
    assert (in_force.status, in_force.effective_to) == (ProcedureVersion.Status.PUBLISHED, end)
    assert scheduled.status == ProcedureVersion.Status.RETIRED
    assert draft.status == ProcedureVersion.Status.RETIRED
    procedure.refresh_from_db()
    assert procedure.current_version is None
    assert version_in_force(procedure=procedure, at=end - timedelta(days=1)) == in_force
    assert version_in_force(procedure=procedure, at=datetime(2031, 1, 1, tzinfo=VN)) is None


def test_retire_in_the_future_keeps_the_current_version_until_then():
    version = ProcedureVersionFactory()
    later = version.effective_from + timedelta(days=30)
    procedure_retire(procedure=version.procedure, at=later)
    version.procedure.refresh_from_db()
    assert version.procedure.current_version == version
    assert version_in_force(procedure=version.procedure, at=later) is None


def test_retire_needs_a_version_in_force_or_scheduled():
    version = ProcedureVersionFactory(publish=False)
    with pytest.raises(ValidationFailed, match="bãi bỏ"):
        procedure_retire(procedure=version.procedure)
