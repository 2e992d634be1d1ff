"""Issued forms are kept with the dossier: a re-print is the same file unless what the form shows changed;
numbers and register lines follow forms.md §1."""

from __future__ import annotations

import hashlib
import importlib
from datetime import datetime

import pytest
from django.apps import apps
from django.core.files.base import ContentFile

from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier
from motcua.paperwork import services
from motcua.paperwork.models import DocumentCounter, PaperworkDocument, RegisterEntry
from motcua.paperwork.selectors import TamperedDocument, paperwork_documents_of, read_document

from .conftest import VN, at, pdf, pdf_text

pytestmark = pytest.mark.django_db


def test_the_first_print_is_kept_and_a_re_print_returns_the_same_file(world, clock):
    dossier = world.register()
    name, first = services.paperwork_document(dossier=dossier, form="01", actor=world.reception)

    document = PaperworkDocument.objects.get()
    assert (document.dossier, document.form, document.number) == (dossier, "01", "01/TNHS")
    assert document.form_set == "tt01-2018"
    assert document.created_by == world.reception and document.created_at == at(2)
    assert document.sha256 == hashlib.sha256(first).hexdigest() and document.size == len(first)
    assert document.file.name.startswith("paperwork/2026/03/") and dossier.code not in document.file.name
    assert document.dossier_revision == dossier.revision
    with document.file.open("rb") as handle:
        assert handle.read() == first

    clock.move_to(at(3, 10))
    again_name, again = services.paperwork_document(dossier=dossier, form="01", actor=world.reception2)
    assert (again_name, again) == (name, first)  # byte for byte, not re-rendered
    assert PaperworkDocument.objects.count() == 1


def test_work_on_the_dossier_that_the_slip_does_not_show_keeps_the_slip(world, clock):
    dossier = world.register()
    receipt = services.paperwork_issue(dossier=dossier, form="01")
    sheet = services.paperwork_issue(dossier=dossier, form="05")
    assert sheet.number == ""  # the control sheet carries the dossier code, no number of its own

    dossier = dossiers.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    assert services.paperwork_issue(dossier=dossier, form="01") == receipt
    new_sheet = services.paperwork_issue(dossier=dossier, form="05")  # it shows who received the step
    assert new_sheet != sheet and new_sheet.number == ""
    assert world.specialist.full_name in pdf_text(read_document(new_sheet))
    assert world.specialist.full_name not in pdf_text(read_document(sheet))  # the old one is unchanged


def test_a_restarted_time_limit_issues_a_new_receipt_with_a_new_number(world, clock):
    dossier = world.in_processing()
    first = services.paperwork_issue(dossier=dossier, form="01")
    clock.move_to(at(4, 9))
    dossier = dossiers.dossier_request_supplement(
        dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    assert services.paperwork_issue(dossier=dossier, form="01") == first  # nothing on the slip changed yet
    clock.move_to(at(5, 10))
    dossier = dossiers.dossier_submit_supplement(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )

    second = services.paperwork_issue(dossier=dossier, form="01")
    assert second.pk != first.pk and second.number == "02/TNHS"
    text = pdf_text(read_document(second))
    assert "Nhận đủ hồ sơ bổ sung: 10 giờ 00 phút, ngày 05 tháng 3 năm 2026" in text
    assert "ngày 12 tháng 3 năm 2026" in text  # five working days again
    assert list(paperwork_documents_of(dossier).filter(form="01")) == [second, first]
    assert "ngày 09 tháng 3 năm 2026" in pdf_text(read_document(first))  # the first slip stays as printed


def test_an_approved_apology_does_not_reissue_the_receipt(world, clock):
    dossier = world.in_processing()
    receipt = services.paperwork_issue(dossier=dossier, form="01")
    clock.move_to(at(5, 9))
    dossier = dossiers.dossier_propose_extension(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        reason="Chờ xác minh",
        new_appointment=at(13),
    )
    dossier = dossiers.dossier_approve_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision
    )
    assert dossier.appointment_at == at(13)
    assert services.paperwork_issue(dossier=dossier, form="01") == receipt  # the new date is on Mẫu 04
    apology = services.paperwork_issue(dossier=dossier, form="04")
    assert apology.number == "01/XLHS"


def test_a_corrected_applicant_detail_reissues_the_forms_that_show_it(world):
    dossier = world.register()
    receipt = services.paperwork_issue(dossier=dossier, form="01")
    Dossier.objects.filter(pk=dossier.pk).update(applicant_phone="0987654321")  # e.g. corrected in the admin
    dossier.refresh_from_db()
    corrected = services.paperwork_issue(dossier=dossier, form="01")
    assert corrected != receipt and corrected.number == "02/TNHS"
    assert "0987654321" in pdf_text(read_document(corrected))


def test_numbers_run_per_agency_series_and_year(world, clock):
    first = world.register()
    second = world.register()
    assert services.paperwork_issue(dossier=first, form="01").number == "01/TNHS"
    assert services.paperwork_issue(dossier=second, form="01").number == "02/TNHS"
    assert services.paperwork_issue(dossier=second, form="06").number == ""
    counters = {(c.agency_id, c.series, c.year): c.last_value for c in DocumentCounter.objects.all()}
    assert counters[(world.center.pk, "TNHS", 2026)] == 2

    clock.move_to(datetime(2027, 1, 4, 9, tzinfo=VN))
    next_year = world.register()
    assert services.paperwork_issue(dossier=next_year, form="01").number == "01/TNHS"
    assert (next_year.register_entry.year, next_year.register_entry.number) == (2027, 1)


def test_register_lines_are_given_at_reception_in_reception_order(world, clock):
    online = world.submit_online()
    assert not RegisterEntry.objects.filter(dossier=online).exists()  # submitted, not received yet
    paper = world.register()
    refused = dossiers.dossier_refuse_at_counter(
        actor=world.reception,
        procedure_case=world.case,
        receiving_agency=world.center,
        competent_agency=world.department,
        applicant=world.applicant(),
        reason="Không đúng thủ tục",
    )
    clock.move_to(at(2, 10))
    online = dossiers.dossier_receive(dossier=online, actor=world.reception, revision=online.revision)
    assert paper.register_entry.number == 1 and online.register_entry.number == 2
    assert not RegisterEntry.objects.filter(dossier=refused).exists()
    assert RegisterEntry.objects.get(dossier=online).agency == world.center


def test_register_numbering_backfills_dossiers_received_before_the_app(world, clock):
    first = world.register()
    clock.move_to(at(2, 10))
    second = world.register()
    RegisterEntry.objects.all().delete()
    DocumentCounter.objects.all().delete()
    migration = importlib.import_module("motcua.paperwork.migrations.0001_initial")
    migration.number_received_dossiers(apps, None)
    assert [RegisterEntry.objects.get(dossier=d).number for d in (first, second)] == [1, 2]
    clock.move_to(at(2, 11))
    assert world.register().register_entry.number == 3  # the counter continues after the backfill


def test_a_tampered_file_is_refused(world):
    dossier = world.register()
    document = services.paperwork_issue(dossier=dossier, form="01")
    storage, name = document.file.storage, document.file.name
    storage.delete(name)
    storage.save(name, ContentFile(b"%PDF-1.7 forged"))
    with pytest.raises(TamperedDocument):
        services.paperwork_document(dossier=dossier, form="01")


def test_a_failed_render_keeps_nothing(world, monkeypatch):
    dossier = world.register()

    def broken(template, context):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(services, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        services.paperwork_issue(dossier=dossier, form="01")
    assert not PaperworkDocument.objects.exists()
    assert not DocumentCounter.objects.filter(series="TNHS").exists()  # the number was not used up


def test_supplement_files_do_not_change_the_forms(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(4, 9))
    dossier = dossiers.dossier_request_supplement(
        dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    request = services.paperwork_issue(dossier=dossier, form="02")
    clock.move_to(at(4, 10))
    dossier = dossiers.dossier_submit_supplement(
        dossier=dossier,
        actor=world.citizen,
        revision=dossier.revision,
        documents=[dossiers.DocumentData(name="Tờ khai", files=[pdf("to-khai.pdf")])],
    )
    assert services.paperwork_issue(dossier=dossier, form="02") == request
