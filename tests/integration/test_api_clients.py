"""API clients: the service account and its memberships, tokens kept only as hashes, the command and the admin."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from factories import AgencyFactory, SuperuserFactory

from motcua.agencies.models import StaffMembership, StaffRole
from motcua.core.errors import ValidationFailed
from motcua.integration.models import ApiClient
from motcua.integration.services import (
    actions_for_roles,
    api_client_authenticate,
    api_client_create,
    api_client_issue_token,
    api_client_update,
)

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r"^mcua_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def agency():
    return AgencyFactory(name="Trung tâm Phục vụ hành chính công tỉnh")


def _stored_text(client: ApiClient) -> str:
    row = ApiClient.objects.filter(pk=client.pk).values().get()
    return " ".join(str(value) for value in row.values())


def test_create_keeps_only_the_hash_and_a_prefix(agency):
    issued = api_client_create(name="Phần mềm quầy", agency=agency)

    assert TOKEN.match(issued.token)
    client = ApiClient.objects.get()
    assert client.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert client.token_prefix == issued.token[:12]
    assert issued.token not in _stored_text(client)


def test_the_service_account_holds_the_roles_at_the_agency_and_cannot_sign_in(agency):
    client = api_client_create(
        name="Hệ thống bưu chính", agency=agency, roles=[StaffRole.RECEPTION_OFFICER, StaffRole.CLERK]
    ).client

    account = client.account
    assert account.kind == "staff"
    assert account.full_name == "Hệ thống bưu chính"
    assert not account.has_usable_password()
    assert set(
        StaffMembership.objects.filter(user=account).values_list("agency_id", "role", "is_active")
    ) == {
        (agency.pk, "reception_officer", True),
        (agency.pk, "clerk", True),
    }


def test_default_actions_are_what_the_roles_may_do():
    reception = actions_for_roles([StaffRole.RECEPTION_OFFICER])

    assert {"register", "receive", "refuse_reception", "return_result", "attach_file"} <= set(reception)
    assert "approve" not in reception and "submit_online" not in reception
    assert "approve" in actions_for_roles([StaffRole.LEADER])


def test_changes_move_the_memberships_with_the_client(agency):
    client = api_client_create(name="Phần mềm quầy", agency=agency).client
    other = AgencyFactory()

    api_client_update(client=client, agency=other, roles=[StaffRole.SPECIALIST], name="Phần mềm Sở")
    assert set(StaffMembership.objects.filter(user=client.account).values_list("agency_id", "role")) == {
        (other.pk, "specialist")
    }
    client.account.refresh_from_db()
    assert client.account.full_name == "Phần mềm Sở"

    api_client_update(client=client, is_active=False)
    assert not StaffMembership.objects.filter(user=client.account, is_active=True).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "tên hệ thống"),
        ({"roles": []}, "ít nhất một vai trò"),
        ({"roles": ["administrator"]}, "Vai trò không hợp lệ"),
        ({"allowed_actions": ["xoa_het"]}, "Thao tác không hợp lệ"),
        ({"allowed_actions": ["refuse_at_counter"]}, "Thao tác không hợp lệ"),
    ],
)
def test_bad_input_is_refused(agency, kwargs, message):
    with pytest.raises(ValidationFailed, match=message):
        api_client_create(**{"name": "Phần mềm quầy", "agency": agency, **kwargs})
    assert not ApiClient.objects.exists()


def test_names_are_unique(agency):
    api_client_create(name="Phần mềm quầy", agency=agency)

    with pytest.raises(ValidationFailed, match="Đã có"):
        api_client_create(name=" Phần  mềm quầy ", agency=agency)


def test_authentication_by_token(agency):
    issued = api_client_create(name="Phần mềm quầy", agency=agency)

    assert api_client_authenticate(token=issued.token) == issued.client
    assert api_client_authenticate(token=issued.token[:-1] + "x") is None
    assert api_client_authenticate(token="") is None
    assert api_client_authenticate(token="khong-co-tien-to") is None
    api_client_update(client=issued.client, is_active=False)
    assert api_client_authenticate(token=issued.token) is None


def test_a_new_token_replaces_the_old_one_at_once(agency):
    first = api_client_create(name="Phần mềm quầy", agency=agency)

    second = api_client_issue_token(client=first.client)

    assert second.token != first.token
    assert api_client_authenticate(token=first.token) is None
    assert api_client_authenticate(token=second.token) == first.client


def test_last_use_is_written_at_most_once_a_minute(agency, django_assert_num_queries):
    issued = api_client_create(name="Phần mềm quầy", agency=agency)
    now = timezone.now()

    with django_assert_num_queries(2):  # read, then the write
        api_client_authenticate(token=issued.token, now=now)
    with django_assert_num_queries(1):
        api_client_authenticate(token=issued.token, now=now + timedelta(seconds=30))
    with django_assert_num_queries(2):
        api_client_authenticate(token=issued.token, now=now + timedelta(seconds=61))
    issued.client.refresh_from_db()
    assert issued.client.last_used_at == now + timedelta(seconds=61)


# --- The command ------------------------------------------------------------------------------------------------


def test_command_create_prints_the_token_once_on_standard_output(agency, capsys):
    call_command(
        "api-client", "create", "--name", "Phần mềm quầy", "--agency", agency.code, "--role", "clerk"
    )

    out, err = capsys.readouterr()
    token = out.strip()
    assert TOKEN.match(token)
    assert "chỉ hiển thị lần này" in err
    client = api_client_authenticate(token=token)
    assert (client.name, client.roles) == ("Phần mềm quầy", ["clerk"])

    call_command("api-client", "list")
    listing = capsys.readouterr().out
    assert client.token_prefix in listing and token not in listing
    assert "đang hoạt động" in listing


def test_command_token_and_deactivate(agency, capsys):
    issued = api_client_create(name="Phần mềm quầy", agency=agency)

    call_command("api-client", "token", "--name", "Phần mềm quầy")
    new = capsys.readouterr().out.strip()
    assert api_client_authenticate(token=new) is not None
    assert api_client_authenticate(token=issued.token) is None

    call_command("api-client", "deactivate", "--name", "Phần mềm quầy")
    assert api_client_authenticate(token=new) is None


def test_command_actions_and_errors(agency, capsys):
    call_command(
        "api-client", "create", "--name", "Kiosk", "--agency", agency.code_qd20, "--action", "receive"
    )
    assert ApiClient.objects.get(name="Kiosk").allowed_actions == ["receive"]

    with pytest.raises(CommandError, match="Không tìm thấy cơ quan"):
        call_command("api-client", "create", "--name", "Khác", "--agency", "KHONG.CO")
    with pytest.raises(CommandError, match="Không có hệ thống kết nối"):
        call_command("api-client", "token", "--name", "Không có")
    with pytest.raises(CommandError, match="Đã có"):
        call_command("api-client", "create", "--name", "Kiosk", "--agency", agency.code)


# --- The admin ----------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(SuperuserFactory())
    return client


def _token_on(page: str) -> str:
    match = re.search(r'<code class="api-token">([^<]+)</code>', page)
    assert match, page
    return match.group(1)


def test_admin_add_shows_the_token_once(admin_client, agency):
    response = admin_client.post(
        "/admin/integration/apiclient/add/",
        {
            "name": "Phần mềm quầy",
            "agency": agency.pk,
            "roles": ["reception_officer"],
            "is_active": "on",
            "note": "",
        },
    )

    assert response.status_code == 200, response.content
    page = response.content.decode()
    assert "chỉ hiển thị một lần" in page
    assert "no-store" in response["Cache-Control"]
    token = _token_on(page)
    client = api_client_authenticate(token=token)
    assert client.allowed_actions == actions_for_roles(["reception_officer"])
    change = admin_client.get(f"/admin/integration/apiclient/{client.pk}/change/").content.decode()
    listing = admin_client.get("/admin/integration/apiclient/").content.decode()
    assert token not in change and token not in listing
    assert client.token_prefix in listing


def test_admin_action_issues_new_tokens(admin_client, agency):
    issued = api_client_create(name="Phần mềm quầy", agency=agency)

    response = admin_client.post(
        "/admin/integration/apiclient/",
        {"action": "issue_token", "_selected_action": [issued.client.pk]},
    )

    assert response.status_code == 200
    token = _token_on(response.content.decode())
    assert token != issued.token
    assert api_client_authenticate(token=token) == issued.client
    assert api_client_authenticate(token=issued.token) is None


def test_admin_change_updates_memberships(admin_client, agency):
    issued = api_client_create(name="Phần mềm quầy", agency=agency)

    response = admin_client.post(
        f"/admin/integration/apiclient/{issued.client.pk}/change/",
        {
            "name": "Phần mềm quầy",
            "agency": agency.pk,
            "roles": ["specialist"],
            "allowed_actions": ["attach_file"],
        },
    )

    assert response.status_code == 302, response.content
    issued.client.refresh_from_db()
    assert (issued.client.roles, issued.client.allowed_actions, issued.client.is_active) == (
        ["specialist"],
        ["attach_file"],
        False,
    )
    assert not StaffMembership.objects.filter(user=issued.client.account, is_active=True).exists()
