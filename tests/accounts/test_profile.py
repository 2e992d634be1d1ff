"""The profile page, contact verification from it, and the prefill of dossier forms."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from motcua.accounts import services
from motcua.accounts.models import User
from motcua.accounts.selectors import applicant_prefill
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed

from .conftest import last_code

pytestmark = pytest.mark.django_db


def profile_data(**changes):
    data = {
        "full_name": "Nguyễn Thị Mai",
        "identity_number": "042190012345",
        "birth_date": "05/09/1990",
        "sex": "female",
        "address": "Thôn 1, xã Thạch Hà, tỉnh Hà Tĩnh",
        "phone": "0912345678",
        "email": "mai@example.vn",
    }
    data.update(changes)
    return data


def test_save_the_profile(client, citizen):
    client.force_login(citizen)
    page = client.get("/tai-khoan/").content.decode()
    assert 'autocomplete="bday"' in page and 'autocomplete="street-address"' in page and 'type="tel"' in page
    response = client.post("/tai-khoan/", profile_data())
    assert response["Location"] == "/tai-khoan/"
    citizen.refresh_from_db()
    assert citizen.identity_number == "042190012345" and citizen.birth_date == date(1990, 9, 5)
    assert citizen.sex == "female" and citizen.address == "Thôn 1, xã Thạch Hà, tỉnh Hà Tĩnh"
    assert citizen.phone_verified_at is not None  # unchanged contacts stay verified
    page = client.get("/tai-khoan/").content.decode()
    assert "Đã lưu thông tin cá nhân." in page and 'value="05/09/1990"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"identity_number": "12345"}, "identity_number", "Số định danh cá nhân phải gồm 12 chữ số"),
        (
            {"birth_date": "05/09/1991"},
            "identity_number",
            "Năm sinh 1991 không khớp với số định danh cá nhân",
        ),
        ({"sex": "male"}, "identity_number", "Giới tính không khớp với số định danh cá nhân"),
        ({"birth_date": "1990-09-05"}, "birth_date", "Nhập ngày sinh theo dạng ngày/tháng/năm"),
        ({"phone": "12ab"}, "phone", "không hợp lệ"),
        ({"full_name": " "}, "full_name", "Trường này là bắt buộc."),
    ],
)
def test_profile_errors_are_shown_on_their_field(client, citizen, changes, field, message):
    client.force_login(citizen)
    page = client.post("/tai-khoan/", profile_data(**changes)).content.decode()
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert f'<a href="#id_{field}">' in page
    citizen.refresh_from_db()
    assert citizen.identity_number == ""


def test_a_changed_phone_is_no_longer_verified_until_a_code_proves_it(client, citizen):
    client.force_login(citizen)
    client.post("/tai-khoan/", profile_data(phone="0987000111"))
    citizen.refresh_from_db()
    assert citizen.phone == "0987000111" and citizen.phone_verified_at is None
    assert citizen.email_verified_at is not None
    page = client.get("/tai-khoan/").content.decode()
    assert "chưa xác minh" in page and 'name="channel" value="sms"' in page

    response = client.post("/tai-khoan/xac-minh-lien-he/", {"channel": "sms"})
    assert response["Location"] == "/xac-minh/"
    assert "Mã gồm 6 chữ số đã được gửi tới 098*****11." in client.get("/xac-minh/").content.decode()
    response = client.post("/xac-minh/", {"code": last_code("0987000111")})
    assert response["Location"] == "/tai-khoan/"
    citizen.refresh_from_db()
    assert citizen.phone_verified_at is not None
    assert "Đã xác minh 098*****11." in client.get("/tai-khoan/").content.decode()


def test_a_contact_code_is_only_for_its_own_account(citizen):
    citizen.phone, citizen.phone_verified_at = "0987000111", None
    citizen.save()
    verification = services.contact_verification_start(user=citizen, channel="sms")
    other = User.objects.create(username="khac", kind=User.Kind.CITIZEN)
    with pytest.raises(ValidationFailed):
        services.contact_verify(user=other, token=str(verification.token), code=last_code("0987000111"))


def test_a_verified_contact_needs_no_code(citizen):
    with pytest.raises(Conflict) as error:
        services.contact_verification_start(user=citizen, channel="sms")
    assert error.value.code == "already_verified"


def test_a_vneid_verified_profile_keeps_its_identity_fields(client, citizen):
    citizen.identity_number, citizen.full_name = "042190012345", "Nguyễn Thị Mai"
    citizen.vneid_verified_at = timezone.now()
    citizen.save()
    client.force_login(citizen)
    page = client.get("/tai-khoan/").content.decode()
    assert 'name="identity_number"' not in page and 'name="full_name"' not in page
    assert "Đã xác thực với VNeID" in page and "042190012345" in page
    client.post("/tai-khoan/", {"address": "Địa chỉ mới", "phone": "0912345678", "email": "mai@example.vn"})
    citizen.refresh_from_db()
    assert citizen.address == "Địa chỉ mới" and citizen.identity_number == "042190012345"
    with pytest.raises(PermissionDenied):
        services.profile_update(
            user=citizen, data=services.ProfileData(identity={"identity_number": "042190099999"})
        )


def test_a_business_profile_asks_for_the_tax_code(client, db):
    business = User.objects.create(username="dn", kind=User.Kind.BUSINESS)
    client.force_login(business)
    page = client.get("/tai-khoan/").content.decode()
    assert "Mã số thuế (mã số doanh nghiệp)" in page and 'name="birth_date"' not in page
    client.post(
        "/tai-khoan/",
        {
            "full_name": "Lê Văn Đại",
            "organisation_name": "Công ty TNHH Mẫu",
            "identity_number": "3001234567-001",
        },
    )
    business.refresh_from_db()
    assert (business.identity_number, business.organisation_name) == ("3001234567-001", "Công ty TNHH Mẫu")


def test_applicant_prefill(citizen):
    citizen.identity_number, citizen.address, citizen.birth_date = "042190012345", "Thôn 1", date(1990, 9, 5)
    citizen.vneid_tech_id = "tech-1"
    assert applicant_prefill(citizen) == {
        "kind": "citizen",
        "name": "Nguyễn Thị Mai",
        "identity_number": "042190012345",
        "phone": "0912345678",
        "email": "mai@example.vn",
        "address": "Thôn 1",
        "birth_date": date(1990, 9, 5),
        "sex": "",
        "representative_name": "",
        "vneid_verified": False,
        "tech_id": "tech-1",
    }
    business = User(kind=User.Kind.BUSINESS, full_name="Lê Văn Đại", organisation_name="Công ty TNHH Mẫu")
    prefill = applicant_prefill(business)
    assert (prefill["name"], prefill["representative_name"], prefill["kind"]) == (
        "Công ty TNHH Mẫu",
        "Lê Văn Đại",
        "business",
    )
    assert applicant_prefill(AnonymousUser()) == {}
    assert applicant_prefill(None) == {}
    assert applicant_prefill(User(kind=User.Kind.STAFF, full_name="Cán bộ")) == {}
