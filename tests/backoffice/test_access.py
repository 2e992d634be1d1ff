"""Sign-in rules, sign-out, the agency switcher and the staff-only gate of every back-office page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from factories import PASSWORD, AgencyFactory, StaffMembershipFactory, SuperuserFactory, UserFactory

from motcua.agencies.models import StaffRole
from motcua.backoffice.access import SESSION_AGENCY

from .conftest import Desk

pytestmark = pytest.mark.django_db

LOGIN = "/can-bo/dang-nhap/"


def _sign_in(client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def test_sign_in_page_is_vietnamese(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đăng nhập hệ thống một cửa điện tử" in html
    assert "Tên đăng nhập" in html and "Mật khẩu" in html


def test_staff_sign_in_opens_the_worklist_at_their_agency(world):
    client = Client()
    response = _sign_in(client, world.reception)
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:worklist")
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert client.session[SESSION_AGENCY] == world.center.pk
    assert world.center.name in response.content.decode()


def test_sign_in_follows_next(world):
    client = Client()
    response = client.post(
        f"{LOGIN}?next=/can-bo/viec/qua-han/", {"username": world.leader.username, "password": PASSWORD}
    )
    assert response["Location"] == "/can-bo/viec/qua-han/"


def test_citizens_cannot_sign_in_and_are_told_why(world):
    client = Client()
    response = _sign_in(client, world.citizen)
    assert response.status_code == 200
    assert "không phải tài khoản cán bộ" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_inactive_membership_does_not_let_in(world):
    former = StaffMembershipFactory(agency=world.department, role=StaffRole.SPECIALIST, is_active=False).user
    response = _sign_in(Client(), former)
    assert "không phải tài khoản cán bộ" in response.content.decode()


def test_wrong_password_message(world):
    response = Client().post(LOGIN, {"username": world.reception.username, "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_superuser_without_membership_gets_in_and_sees_every_agency(world):
    admin = SuperuserFactory()
    client = Client()
    assert _sign_in(client, admin).status_code == 302
    response = client.get("/can-bo/viec/tat-ca/")
    assert response.status_code == 200
    assert SESSION_AGENCY not in client.session


@pytest.mark.parametrize(
    "url",
    [
        "/can-bo/",
        "/can-bo/viec/cho-tiep-nhan/",
        "/can-bo/tiep-nhan/moi/",
        "/can-bo/thong-bao-loi/",
        "/can-bo/ho-so/KHONG-CO/",
    ],
)
def test_every_page_asks_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_signed_in_citizen_sees_a_clear_refusal(world):
    client = Client()
    client.force_login(world.citizen)
    response = client.get("/can-bo/")
    assert response.status_code == 403
    assert "Trang này dành cho cán bộ" in response.content.decode()


def test_membership_withdrawn_during_a_session_closes_the_door(world):
    officer = Desk(world.specialist)
    assert officer.get("/can-bo/").status_code == 200
    world.specialist.memberships.update(is_active=False)
    assert officer.get("/can-bo/").status_code == 403


def test_sign_out(world):
    officer = Desk(world.reception)
    response = officer.post("/can-bo/dang-xuat/")
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert officer.get("/can-bo/").status_code == 302


def test_agency_switcher_for_people_with_several_agencies(world):
    both = StaffMembershipFactory(agency=world.center, role=StaffRole.RECEPTION_OFFICER).user
    StaffMembershipFactory(user=both, agency=world.department, role=StaffRole.SPECIALIST)
    world.submit_online()  # waits for reception at the centre
    officer = Desk(both)
    page = officer.get("/can-bo/")
    html = page.content.decode()
    assert 'id="bo-agency"' in html  # the switcher is shown
    first = officer.client.session[SESSION_AGENCY]
    assert {first} <= {world.center.pk, world.department.pk}

    response = officer.post(
        "/can-bo/co-quan/", {"agency": world.center.pk, "next": "/can-bo/viec/cho-tiep-nhan/"}
    )
    assert response["Location"] == "/can-bo/viec/cho-tiep-nhan/"
    assert officer.client.session[SESSION_AGENCY] == world.center.pk
    assert officer.get("/can-bo/viec/cho-tiep-nhan/").context["tiles"][0]["count"] == 1

    officer.post("/can-bo/co-quan/", {"agency": world.department.pk})
    assert officer.client.session[SESSION_AGENCY] == world.department.pk
    assert (
        officer.get("/can-bo/viec/cho-tiep-nhan/").context["tiles"][0]["count"] == 0
    )  # not a receiver there


def test_switching_to_a_foreign_agency_is_refused(world):
    officer = Desk(world.reception)
    officer.get("/can-bo/")
    response = officer.post("/can-bo/co-quan/", {"agency": AgencyFactory().pk}, follow=True)
    assert officer.client.session[SESSION_AGENCY] == world.center.pk
    assert "Bạn không được phân công tại cơ quan đã chọn" in response.content.decode()


def test_no_switcher_for_a_single_agency(world):
    html = Desk(world.reception).get("/can-bo/").content.decode()
    assert 'id="bo-agency"' not in html


def test_login_page_for_signed_in_citizen_still_shows_the_form(world):
    client = Client()
    client.force_login(UserFactory())
    assert client.get(LOGIN).status_code == 200
