"""Whose figures and dossiers a supervisor, leader or administrator monitors (agencies.selectors)."""

from __future__ import annotations

import pytest
from factories import AgencyFactory, StaffMembershipFactory, SuperuserFactory, UserFactory

from motcua.agencies.models import Agency, Level, StaffRole
from motcua.agencies.selectors import monitored_agencies

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """province committee → district committee → commune committee → commune one-stop unit; a department; a
    vertical agency outside the committee's tree; a provincial service centre under the committee's office."""
    province = AgencyFactory(kind=Agency.Kind.PEOPLE_COMMITTEE, name="UBND tỉnh")
    office = AgencyFactory(kind=Agency.Kind.OFFICE, parent=province, name="Văn phòng UBND tỉnh")
    centre = AgencyFactory(kind=Agency.Kind.SERVICE_CENTER, parent=office, name="Trung tâm PVHCC tỉnh")
    department = AgencyFactory(parent=province, name="Sở Tư pháp")
    district = AgencyFactory(
        kind=Agency.Kind.PEOPLE_COMMITTEE, level=Level.DISTRICT, parent=province, name="UBND huyện"
    )
    commune = AgencyFactory(
        kind=Agency.Kind.PEOPLE_COMMITTEE, level=Level.COMMUNE, parent=district, name="UBND xã"
    )
    unit = AgencyFactory(
        kind=Agency.Kind.RECEPTION_UNIT, level=Level.COMMUNE, parent=commune, name="Một cửa xã"
    )
    police = AgencyFactory(kind=Agency.Kind.VERTICAL_AGENCY, name="Công an tỉnh")
    return locals()


def names(user) -> set[str]:
    return set(monitored_agencies(user).values_list("name", flat=True))


def member(agency, role=StaffRole.SUPERVISOR, **extra):
    return StaffMembershipFactory(agency=agency, role=role, **extra).user


def test_a_supervisor_monitors_the_agency_and_every_level_below_it(tree):
    assert names(member(tree["district"])) == {"UBND huyện", "UBND xã", "Một cửa xã"}
    assert names(member(tree["department"])) == {"Sở Tư pháp"}
    assert names(member(tree["unit"])) == {"Một cửa xã"}


@pytest.mark.parametrize("role", [StaffRole.SUPERVISOR, StaffRole.LEADER, StaffRole.ADMINISTRATOR])
def test_the_province_committee_and_centre_monitor_every_agency(tree, role):
    everything = set(Agency.objects.values_list("name", flat=True))
    assert names(member(tree["province"], role)) == everything
    assert names(member(tree["centre"], role)) == everything  # the police too, outside the committee's tree


def test_a_district_service_centre_is_not_province_wide(tree):
    centre = AgencyFactory(kind=Agency.Kind.SERVICE_CENTER, level=Level.DISTRICT, parent=tree["district"])
    assert names(member(centre)) == {centre.name}


@pytest.mark.parametrize("role", [StaffRole.RECEPTION_OFFICER, StaffRole.SPECIALIST, StaffRole.CLERK])
def test_other_roles_monitor_nothing(tree, role):
    assert names(member(tree["province"], role)) == set()


def test_two_memberships_add_up_and_an_inactive_one_counts_for_nothing(tree):
    user = member(tree["department"])
    StaffMembershipFactory(user=user, agency=tree["commune"], role=StaffRole.LEADER)
    StaffMembershipFactory(user=user, agency=tree["centre"], role=StaffRole.SUPERVISOR, is_active=False)
    assert names(user) == {"Sở Tư pháp", "UBND xã", "Một cửa xã"}


def test_superusers_everything_citizens_and_visitors_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert monitored_agencies(SuperuserFactory()).count() == Agency.objects.count()
    assert names(UserFactory()) == set()
    assert names(AnonymousUser()) == set()
    assert names(None) == set()
