"""Admin pages of the catalog: rendering, search, read-only published versions, publish and copy actions."""

from __future__ import annotations

import pytest
from django.urls import reverse
from factories import (
    AgencyFactory,
    ProcedureVersionFactory,
    SuperuserFactory,
    national_package,
)

from motcua.catalog.importer import import_catalog_packages
from motcua.catalog.models import (
    Field,
    Procedure,
    ProcedureAgency,
    ProcedureCase,
    ProcedureVersion,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(SuperuserFactory())
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def results(response) -> str:
    content = response.content.decode()
    start = content.index('id="result_list"')
    return content[start : content.index("</table>", start)]


@pytest.fixture
def imported():
    AgencyFactory(code="000.00.14.H56", name="Sở Tư pháp")
    import_catalog_packages(
        [
            national_package(
                code="1.001193",
                name="Thủ tục đăng ký khai sinh",
                COQUANTHUCHIEN=[{"MADONVI": "000.00.14.H56", "TENDONVI": "Sở Tư pháp"}],
                COQUANPHOIHOP=[{"MADONVI": "G01", "TENDONVI": "Bộ Công an"}],
                CANCUPHAPLY=[
                    {"SOVANBAN": "60/2014/QH13", "TENVANBAN": "Luật Hộ tịch", "NGAYBANHANH": "20/11/2014"}
                ],
            ),
            national_package(code="1.000002", name="Cấp giấy phép xây dựng"),
        ]
    )
    return Procedure.objects.get(national_code="1.001193").current_version


@pytest.mark.parametrize("model", [Field, Procedure, ProcedureVersion, ProcedureCase])
def test_changelist_add_and_change_pages_render(admin_client, imported, model, django_assert_max_num_queries):
    obj = {
        Field: imported.field,
        Procedure: imported.procedure,
        ProcedureVersion: imported,
        ProcedureCase: imported.cases.first(),
    }[model]
    with django_assert_max_num_queries(15):
        assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "add")).status_code == 200
    response = admin_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200


def test_draft_version_page_is_editable_and_shows_components(admin_client, imported):
    draft = ProcedureVersionFactory(procedure=imported.procedure, publish=False, components=("Tờ khai",))
    page = admin_client.get(url(ProcedureVersion, "change", draft.pk)).content.decode()
    assert 'name="name"' in page
    assert "cases-TOTAL_FORMS" in page and "fees-TOTAL_FORMS" in page
    assert "Tờ khai" in page  # components listed per case


def test_published_version_opens_read_only_with_its_package(admin_client, imported):
    page = admin_client.get(url(ProcedureVersion, "change", imported.pk)).content.decode()
    assert 'id="id_name"' not in page and 'name="cases-0-processing_time"' not in page
    assert 'name="_save"' not in page
    assert "Thủ tục đăng ký khai sinh" in page
    assert "&quot;MaTTHC&quot;: &quot;1.001193&quot;" in page  # the raw package, pretty-printed
    assert "Bộ Công an" in page and "60/2014/QH13" in page

    response = admin_client.post(url(ProcedureVersion, "change", imported.pk), {"name": "Đổi tên"})
    assert response.status_code == 403
    imported.refresh_from_db()
    assert imported.name == "Thủ tục đăng ký khai sinh"


def test_search_is_diacritic_insensitive_and_by_code(admin_client, imported):
    for model in (ProcedureVersion, Procedure):
        for term in ("khai sinh", "KHAI SINH", "khai sinh", "1.001193"):
            content = results(admin_client.get(url(model, "changelist"), {"q": term}))
            assert "1.001193" in content and "1.000002" not in content, (model, term)


def test_publish_action_publishes_drafts_and_reports_errors(admin_client, imported):
    draft = ProcedureVersionFactory(procedure=imported.procedure, publish=False)
    empty = ProcedureVersionFactory(procedure__national_code="1.000003", publish=False, cases=())
    response = admin_client.post(
        url(ProcedureVersion, "changelist"),
        {"action": "publish_versions", "_selected_action": [draft.pk, empty.pk, imported.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert "Đã công bố 1 phiên bản." in messages
    assert any("1.000003" in m and "chưa có trường hợp" in m for m in messages)
    assert any("1.001193 v1" in m and "nháp" in m for m in messages)
    draft.refresh_from_db()
    assert draft.status == ProcedureVersion.Status.PUBLISHED
    imported.procedure.refresh_from_db()
    assert imported.procedure.current_version == draft


def test_copy_action_creates_a_draft_with_children(admin_client, imported):
    response = admin_client.post(
        url(ProcedureVersion, "changelist"),
        {"action": "copy_to_draft", "_selected_action": [imported.pk]},
        follow=True,
    )
    assert any("bản nháp" in str(m) for m in response.context["messages"])
    draft = imported.procedure.versions.get(number=2)
    assert draft.status == ProcedureVersion.Status.DRAFT
    assert draft.cases.count() == imported.cases.count()
    assert draft.agency_roles.filter(role=ProcedureAgency.Role.COORDINATING, external_code="G01").exists()


def test_retire_action(admin_client, imported):
    response = admin_client.post(
        url(Procedure, "changelist"),
        {"action": "retire_procedures", "_selected_action": [imported.procedure.pk]},
        follow=True,
    )
    assert "Đã bãi bỏ thủ tục 1.001193." in [str(m) for m in response.context["messages"]]
    imported.procedure.refresh_from_db()
    assert imported.procedure.current_version is None


def test_adding_a_version_numbers_it_after_the_last(admin_client, imported):
    response = admin_client.post(
        url(ProcedureVersion, "add"),
        {
            "procedure": imported.procedure.pk,
            "name": "Thủ tục đăng ký khai sinh (sửa đổi)",
            "online_service_level": 3,
            "cross_boundary_allowed": "on",
            **{
                f"{prefix}-{key}": value
                for prefix in ("cases", "sequence_steps", "fees", "results", "legal_bases", "agency_roles")
                for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
            },
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    version = imported.procedure.versions.get(number=2)
    assert (version.status, version.name) == (
        ProcedureVersion.Status.DRAFT,
        "Thủ tục đăng ký khai sinh (sửa đổi)",
    )


def test_published_versions_cannot_be_deleted(admin_client, imported):
    assert admin_client.get(url(ProcedureVersion, "delete", imported.pk)).status_code == 403
    draft = ProcedureVersionFactory(procedure=imported.procedure, publish=False)
    assert admin_client.get(url(ProcedureVersion, "delete", draft.pk)).status_code == 200


def test_case_page_edits_components_only_for_drafts(admin_client, imported):
    published_case = imported.cases.first()
    page = admin_client.get(url(ProcedureCase, "change", published_case.pk)).content.decode()
    assert "Đơn đề nghị" in page and 'name="components-0-name"' not in page

    draft = ProcedureVersionFactory(procedure=imported.procedure, publish=False, components=("Tờ khai",))
    page = admin_client.get(url(ProcedureCase, "change", draft.cases.get().pk)).content.decode()
    assert 'name="components-0-name"' in page
