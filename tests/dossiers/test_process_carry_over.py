"""A new procedure version gets the process templates of the version it replaces (docs/adr/0003): through the
catalog's publish service, the catalog admin and the national importer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from factories import SuperuserFactory, national_package

from motcua.agencies.models import StaffRole
from motcua.catalog.importer import import_catalog_packages
from motcua.catalog.models import Procedure, ProcedureCase, ProcedureVersion
from motcua.catalog.services import procedure_version_copy_to_draft, procedure_version_publish
from motcua.dossiers import services
from motcua.dossiers.models import ProcessTemplate
from motcua.dossiers.process_copy import process_templates_carry_over
from motcua.dossiers.selectors import process_template_for

from .conftest import at

pytestmark = pytest.mark.django_db

Step = services.ProcessStepData


def template_for(case, *, for_online=False, name="Quy trình cấp phiếu", hours=(16, 8)):
    specialist, leader = hours
    return services.process_template_create(
        case=case,
        name=name,
        for_online=for_online,
        approval_decision="Quyết định số 12/QĐ-UBND",
        steps=[
            Step("Thẩm định hồ sơ", StaffRole.SPECIALIST, Decimal(specialist), 1, uses_competent_agency=True),
            Step("Phê duyệt", StaffRole.LEADER, Decimal(leader), 2, uses_competent_agency=True, is_lead=True),
        ],
    )


def steps_of(template):
    return list(
        template.steps.order_by("parallel_group", "order").values_list(
            "name", "role", "hours", "parallel_group", "agency_id", "uses_competent_agency", "is_lead"
        )
    )


def publish_new_version(world, clock, *, edit=None):
    draft = procedure_version_copy_to_draft(version=world.version)
    if edit:
        edit(draft)
    clock.move_to(at(3))
    return procedure_version_publish(version=draft)


def test_publishing_a_new_version_copies_the_templates_of_the_cases_with_the_same_name(world, clock):
    general = template_for(world.case)
    online = template_for(world.case, for_online=True, name="Quy trình trực tuyến", hours=(8, 4))
    new = publish_new_version(world, clock)
    [case] = new.cases.all()
    copies = {t.for_online: t for t in ProcessTemplate.objects.filter(case=case)}
    assert set(copies) == {False, True}
    for original in (general, online):
        copy = copies[original.for_online]
        assert copy.pk != original.pk and copy.is_active
        assert (copy.name, copy.approval_decision) == (original.name, original.approval_decision)
        assert steps_of(copy) == steps_of(original)
        assert copy.note == (
            f"Chép từ quy trình của phiên bản 1 (trường hợp “{world.case.name}”) khi công bố phiên bản 2, "
            "ngày 03/03/2026."
        )
    assert new.publish_notes == ["Đã chép 2 quy trình nội bộ từ phiên bản 1 sang phiên bản 2."]
    # the old version keeps its own templates, untouched
    assert set(ProcessTemplate.objects.filter(case=world.case)) == {general, online}
    assert steps_of(ProcessTemplate.objects.get(pk=general.pk)) == steps_of(general)


def test_a_dossier_received_under_the_new_version_follows_the_copied_template(world, clock):
    template_for(world.case)
    new = publish_new_version(world, clock)
    case = new.cases.get()
    documents = [services.DocumentData(case_component=c, files=[]) for c in case.components.all()]
    dossier = world.register(procedure_case=case, documents=documents)
    assert dossier.procedure_version_id == new.pk
    assert dossier.process_template.case_id == case.pk
    names = list(
        dossier.steps.filter(kind="process").order_by("stage", "order").values_list("name", flat=True)
    )
    assert names == ["Thẩm định hồ sơ", "Phê duyệt"]


def test_a_copy_that_no_longer_fits_the_new_time_limit_is_kept_inactive_with_the_reason(world, clock):
    template_for(world.case, hours=(32, 8))  # 40 h = the 5 working days of version 1

    def shorten(draft):
        draft.cases.update(processing_time=Decimal(3))

    new = publish_new_version(world, clock, edit=shorten)
    case = new.cases.get()
    copy = ProcessTemplate.objects.get(case=case)
    assert not copy.is_active
    assert "vượt quá thời hạn giải quyết" in copy.note and "Tạm ngừng áp dụng" in copy.note
    assert process_template_for(case, "counter") is None  # dossiers use the default plan meanwhile
    assert new.publish_notes[0] == "Đã chép 1 quy trình nội bộ từ phiên bản 1 sang phiên bản 2."
    assert new.publish_notes[1].startswith(
        f"Quy trình “Quy trình cấp phiếu” (trường hợp “{case.name}”) đã chép nhưng tạm ngừng áp dụng: "
        "Tổng thời gian các bước là 40 giờ làm việc, vượt quá thời hạn giải quyết"
    )
    assert "là 24 giờ làm việc" in new.publish_notes[1]
    assert len(new.publish_notes) == 2


def test_cases_are_matched_by_name_and_the_rest_is_reported(world, clock):
    template_for(world.case)

    def rename_and_add(draft):
        draft.cases.update(name="Trường hợp cấp lần đầu")
        ProcedureCase.objects.create(version=draft, order=2, name="Trường hợp cấp lại", processing_time=3)

    new = publish_new_version(world, clock, edit=rename_and_add)
    assert not ProcessTemplate.objects.filter(case__version=new).exists()
    assert new.publish_notes == [
        f"Không chép quy trình “Quy trình cấp phiếu”: phiên bản mới không có đúng một trường hợp tên "
        f"“{world.case.name}”.",
        "Trường hợp “Trường hợp cấp lần đầu” của phiên bản 2 chưa có quy trình nội bộ.",
        "Trường hợp “Trường hợp cấp lại” của phiên bản 2 chưa có quy trình nội bộ.",
    ]


def test_names_match_whatever_the_spacing_and_case_but_not_the_diacritics(world, clock):
    world.case.name = "Trường hợp chung"
    world.case.save()
    template_for(world.case)

    def respell(draft):
        draft.cases.update(name="  TRƯỜNG HỢP   chung ")
        ProcedureCase.objects.create(version=draft, order=2, name="Truong hop chung", processing_time=5)

    new = publish_new_version(world, clock, edit=respell)
    copied = ProcessTemplate.objects.get(case__version=new)
    assert copied.case.name == "  TRƯỜNG HỢP   chung "


def test_a_case_that_already_has_a_template_keeps_it_and_inactive_templates_stay_behind(world, clock):
    template_for(world.case)
    stopped = template_for(world.case, for_online=True, name="Trực tuyến (ngừng)")
    stopped.is_active = False
    stopped.save()
    draft = procedure_version_copy_to_draft(version=world.version)
    own = template_for(draft.cases.get(), name="Quy trình mới đã duyệt")
    clock.move_to(at(3))
    new = procedure_version_publish(version=draft)
    assert list(ProcessTemplate.objects.filter(case__version=new)) == [own]
    assert new.publish_notes == []


def test_the_first_version_and_versions_without_templates_say_nothing(world, clock):
    new = publish_new_version(world, clock)
    assert new.publish_notes == []
    assert not ProcessTemplate.objects.exists()


def test_carrying_over_twice_copies_once(world, clock):
    template_for(world.case)
    new = publish_new_version(world, clock)
    again = process_templates_carry_over(source=world.version, target=new)
    assert again.copied == [] and len(again.kept) == 1
    assert ProcessTemplate.objects.filter(case__version=new).count() == 1


def test_the_catalog_admin_says_what_was_carried_over(world, clock, client):
    template_for(world.case)
    draft = procedure_version_copy_to_draft(version=world.version)
    clock.move_to(at(3))
    client.force_login(SuperuserFactory())
    changelist = reverse("admin:catalog_procedureversion_changelist")
    response = client.post(
        changelist, {"action": "publish_versions", "_selected_action": [draft.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Đã công bố 1 phiên bản." in html
    assert "Đã chép 1 quy trình nội bộ từ phiên bản 1 sang phiên bản 2." in html
    draft.refresh_from_db()
    assert draft.status == ProcedureVersion.Status.PUBLISHED
    assert ProcessTemplate.objects.filter(case__version=draft).count() == 1


def test_an_updated_national_package_carries_the_templates_and_reports_it(world, clock):
    first = import_catalog_packages([national_package(code="1.009999", name="Cấp giấy phép xây dựng")])
    assert first.records[0].status == "accepted"
    version = Procedure.objects.get(national_code="1.009999").current_version
    template_for(version.cases.get())
    clock.move_to(at(3))
    report = import_catalog_packages([national_package(code="1.009999", name="Cấp giấy phép xây dựng (sửa)")])
    [record] = report.records
    assert record.status == "updated" and record.version_number == 2
    assert "Đã chép 1 quy trình nội bộ từ phiên bản 1 sang phiên bản 2." in record.warnings
    new = Procedure.objects.get(national_code="1.009999").current_version
    assert new.number == 2 and ProcessTemplate.objects.filter(case__version=new, is_active=True).count() == 1


def test_a_dry_run_import_copies_nothing(world, clock):
    import_catalog_packages([national_package(code="1.009998", name="Thủ tục A")])
    version = Procedure.objects.get(national_code="1.009998").current_version
    template_for(version.cases.get())
    clock.move_to(at(3))
    report = import_catalog_packages(
        [national_package(code="1.009998", name="Thủ tục A (sửa)")], dry_run=True
    )
    assert report.records[0].status == "updated"
    assert ProcessTemplate.objects.count() == 1
