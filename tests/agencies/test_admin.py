"""Admin pages for administrative units, agencies, one-stop units and staff memberships."""

from __future__ import annotations

import pytest
from django.urls import reverse
from factories import (
    AdministrativeUnitFactory,
    AgencyFactory,
    OneStopUnitFactory,
    StaffMembershipFactory,
    SuperuserFactory,
    UserFactory,
)

from motcua.accounts.models import User
from motcua.agencies.models import AdministrativeUnit, Agency, Level, OneStopUnit, StaffMembership, StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(SuperuserFactory())
    return client


def results(response) -> str:
    """The HTML of the changelist's result table only (the filter sidebar names agencies too)."""
    content = response.content.decode()
    start = content.index('id="result_list"')
    return content[start : content.index("</table>", start)]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (AdministrativeUnit, lambda: AdministrativeUnitFactory(parent=AdministrativeUnitFactory())),
        (Agency, lambda: AgencyFactory(parent=AgencyFactory())),
        (OneStopUnit, lambda: OneStopUnitFactory(served_agencies=[AgencyFactory()])),
        (StaffMembership, StaffMembershipFactory),
    ],
)
def test_changelist_add_and_change_pages_render(admin_client, model, make):
    obj = make()
    for page in (url(model, "changelist"), url(model, "add"), url(model, "change", obj.pk)):
        response = admin_client.get(page)
        assert response.status_code == 200, page
    assert str(obj.pk) in admin_client.get(url(model, "changelist")).content.decode()


def test_agency_list_is_a_tree_searchable_by_both_codes(admin_client, django_assert_max_num_queries):
    province = AgencyFactory(name="UBND tỉnh Mẫu", kind=Agency.Kind.PEOPLE_COMMITTEE, code="000.00.00.H56")
    justice = AgencyFactory(name="Sở Tư pháp", parent=province, code="000.00.14.H56", code_qd20="H56.14")
    AgencyFactory(name="Phòng Hộ tịch", parent=justice, kind=Agency.Kind.OFFICE)
    AgencyFactory(name="UBND xã Mẫu Sơn", level=Level.COMMUNE, parent=province)

    with django_assert_max_num_queries(12):
        response = admin_client.get(url(Agency, "changelist"))
    content = results(response)
    order = [
        content.index(name)
        for name in ("UBND tỉnh Mẫu", "— Sở Tư pháp", "— — Phòng Hộ tịch", "— UBND xã Mẫu Sơn")
    ]
    assert order == sorted(order)

    for term in ("H56.14", "000.00.14.H56", "Tư pháp"):
        content = results(admin_client.get(url(Agency, "changelist"), {"q": term}))
        assert "Sở Tư pháp" in content and "UBND xã Mẫu Sơn" not in content, term
    content = results(admin_client.get(url(Agency, "changelist"), {"level__exact": "commune"}))
    assert "UBND xã Mẫu Sơn" in content and "Sở Tư pháp" not in content


def agency_form(**overrides) -> dict:
    data = {
        "name": "Sở Xây dựng",
        "short_name": "",
        "kind": Agency.Kind.DEPARTMENT,
        "level": Level.PROVINCE,
        "code": "000.00.20.h56",
        "code_qd20": " h56.20 ",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_agency_codes_are_upper_cased_and_validated(admin_client):
    response = admin_client.post(url(Agency, "add"), agency_form())
    assert response.status_code == 302
    agency = Agency.objects.get(name="Sở Xây dựng")
    assert (agency.code, agency.code_qd20) == ("000.00.20.H56", "H56.20")

    response = admin_client.post(url(Agency, "add"), agency_form(name="Sở sai mã", code="000..20.H56"))
    assert response.status_code == 200
    assert "không hợp lệ" in response.content.decode()
    assert not Agency.objects.filter(name="Sở sai mã").exists()


def test_a_code_cannot_name_two_agencies_in_either_style(admin_client):
    AgencyFactory(name="Sở Tư pháp", code="000.00.14.H56", code_qd20="H56.14")
    response = admin_client.post(
        url(Agency, "add"), agency_form(name="Sở trùng", code="H56.14", code_qd20="")
    )
    assert response.status_code == 200
    assert "đã được dùng cho cơ quan “Sở Tư pháp”" in response.content.decode()
    response = admin_client.post(url(Agency, "add"), agency_form(name="Sở trùng", code_qd20="000.00.14.H56"))
    assert response.status_code == 200
    assert not Agency.objects.filter(name="Sở trùng").exists()


def one_stop_form(agency, **overrides) -> dict:
    data = {
        "agency": agency.pk,
        "morning_start": "07:00",
        "morning_end": "11:30",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "paper_cutoff": "15:00",
    }
    data.update(overrides)
    return data


def test_one_stop_unit_hours_are_checked(admin_client):
    agency = AgencyFactory(kind=Agency.Kind.SERVICE_CENTER)
    served = AgencyFactory()
    response = admin_client.post(url(OneStopUnit, "add"), one_stop_form(agency, morning_end="14:00"))
    assert response.status_code == 200 and "Giờ làm việc không hợp lệ" in response.content.decode()
    response = admin_client.post(url(OneStopUnit, "add"), one_stop_form(agency, paper_cutoff="18:00"))
    assert response.status_code == 200 and "Giờ chuyển hồ sơ giấy" in response.content.decode()

    response = admin_client.post(url(OneStopUnit, "add"), one_stop_form(agency, served_agencies=[served.pk]))
    assert response.status_code == 302
    assert list(OneStopUnit.objects.get(agency=agency).served_agencies.all()) == [served]


def test_staff_membership_is_added_from_its_own_page(admin_client):
    user = UserFactory(kind=User.Kind.STAFF, is_staff=True, full_name="Lê Văn Tiếp Nhận")
    agency = AgencyFactory(name="Trung tâm Phục vụ hành chính công tỉnh")
    response = admin_client.post(
        url(StaffMembership, "add"),
        {"user": user.pk, "agency": agency.pk, "role": StaffRole.RECEPTION_OFFICER, "is_active": "on"},
    )
    assert response.status_code == 302
    membership = StaffMembership.objects.get(user=user)
    assert (membership.agency, membership.role) == (agency, StaffRole.RECEPTION_OFFICER)
    content = results(admin_client.get(url(StaffMembership, "changelist"), {"q": "Tiếp Nhận"}))
    assert "Lê Văn Tiếp Nhận" in content
    # The same role twice in one agency is refused.
    response = admin_client.post(
        url(StaffMembership, "add"),
        {"user": user.pk, "agency": agency.pk, "role": StaffRole.RECEPTION_OFFICER, "is_active": "on"},
    )
    assert response.status_code == 200 and StaffMembership.objects.count() == 1


def test_administrative_units_filter_by_state(admin_client):
    from datetime import date

    AdministrativeUnitFactory(name="Xã Cũ", valid_to=date(2025, 7, 1))
    AdministrativeUnitFactory(name="Xã Mới")
    current = admin_client.get(
        url(AdministrativeUnit, "changelist"), {"tinh_trang": "current"}
    ).content.decode()
    assert "Xã Mới" in current and "Xã Cũ" not in current
    ended = results(admin_client.get(url(AdministrativeUnit, "changelist"), {"tinh_trang": "ended"}))
    assert "Xã Cũ" in ended and "Xã Mới" not in ended
