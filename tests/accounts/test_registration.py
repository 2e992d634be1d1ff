"""Registration with a phone number or e-mail: the code goes through the notifications outbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from motcua.accounts import services
from motcua.accounts.errors import CodeRejected, DeliveryUnavailable, Throttled
from motcua.accounts.models import User, VerificationCode
from motcua.accounts.signals import verification_code_issued
from motcua.core.errors import Conflict, ValidationFailed
from motcua.notifications.models import OutboxMessage

from .conftest import PASSWORD, last_code

pytestmark = pytest.mark.django_db


def register(client, contact="0912 345 678", **extra):
    data = {
        "kind": "citizen",
        "full_name": "Nguyễn Thị Mai",
        "contact": contact,
        "password": PASSWORD,
        "password_again": PASSWORD,
        **extra,
    }
    return client.post("/dang-ky/", data)


def registration(contact="0912345678", password=PASSWORD, **extra):
    return services.Registration(contact=contact, full_name="Nguyễn Thị Mai", password=password, **extra)


def test_register_by_phone_sends_a_code_through_the_outbox_and_activates(client):
    response = register(client)
    assert response.status_code == 302 and response["Location"] == "/xac-minh/"
    user = User.objects.get()
    assert (user.username, user.phone, user.is_active) == ("0912345678", "0912345678", False)
    message = OutboxMessage.objects.get()
    assert (message.channel, message.recipient, message.template, message.user) == (
        "sms",
        "0912345678",
        "account_code",
        user,
    )
    code = last_code("0912345678")
    assert message.body.startswith(
        f"{code} là mã kích hoạt tài khoản trên Cổng dịch vụ công, hiệu lực 10 phút."
    )
    # Only an HMAC of the code is stored.
    verification = VerificationCode.objects.get()
    assert code not in verification.code_hash and len(verification.code_hash) == 64

    page = client.get("/xac-minh/").content.decode()
    assert "091*****78" in page and "0912345678" not in page

    response = client.post("/xac-minh/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    user.refresh_from_db()
    assert user.is_active and user.phone_verified_at is not None
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "Tài khoản đã được kích hoạt" in client.get("/tai-khoan/").content.decode()


def test_register_by_email(client):
    register(client, contact="Mai.Nguyen@Example.VN", kind="business")
    user = User.objects.get()
    assert (user.username, user.email, user.kind) == (
        "mai.nguyen@example.vn",
        "mai.nguyen@example.vn",
        "business",
    )
    message = OutboxMessage.objects.get()
    assert message.channel == "email" and message.subject == "Mã xác minh tài khoản Cổng dịch vụ công"
    code = last_code("mai.nguyen@example.vn")
    assert f"Mã để kích hoạt tài khoản của Ông/Bà trên Cổng dịch vụ công là: {code}" in message.body
    assert message.body.startswith("Kính gửi Ông/Bà Nguyễn Thị Mai,")
    client.post("/xac-minh/", {"code": code})
    user.refresh_from_db()
    assert user.is_active and user.email_verified_at is not None


def test_a_wrong_code_counts_and_too_many_lock_the_code(client, settings):
    settings.MOTCUA_CODE_MAX_ATTEMPTS = 3
    register(client)
    code = last_code("0912345678")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    page = client.post("/xac-minh/", {"code": wrong}).content.decode()
    assert "Mã xác minh không đúng. Ông/Bà còn 2 lần thử." in page
    assert 'aria-describedby="id_code_helptext id_code_error"' in page and 'aria-invalid="true"' in page
    client.post("/xac-minh/", {"code": wrong})
    page = client.post("/xac-minh/", {"code": wrong}).content.decode()
    assert "nhập sai mã quá 3 lần" in page
    page = client.post("/xac-minh/", {"code": code}).content.decode()  # the right code no longer helps
    assert "nhập sai mã quá 3 lần" in page
    assert not User.objects.get().is_active
    assert VerificationCode.objects.get().failed_attempts == 3


def test_the_code_must_be_six_digits(client):
    register(client)
    page = client.post("/xac-minh/", {"code": "12ab"}).content.decode()
    assert "Mã xác minh gồm 6 chữ số." in page
    assert VerificationCode.objects.get().failed_attempts == 0


def test_an_expired_code_and_a_resend_after_the_cooldown(client, settings):
    register(client)
    first = last_code("0912345678")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = client.post("/xac-minh/", {"code": first}).content.decode()
        assert "Mã xác minh đã hết hạn" in page
        response = client.post("/xac-minh/gui-lai/")
        assert response["Location"] == "/xac-minh/"
        assert OutboxMessage.objects.count() == 2
        second = last_code("0912345678")
        assert "Đã gửi mã mới tới 091*****78." in client.get("/xac-minh/").content.decode()
        if second != first:
            assert "không đúng" in client.post("/xac-minh/", {"code": first}).content.decode()
        client.post("/xac-minh/", {"code": second})
    assert User.objects.get().is_active


def test_resend_waits_for_the_cooldown(client):
    register(client)
    client.post("/xac-minh/gui-lai/")
    assert "Vui lòng chờ" in client.get("/xac-minh/").content.decode()
    assert OutboxMessage.objects.count() == 1


def test_resends_are_limited(settings):
    settings.MOTCUA_CODE_MAX_SENDS = 2
    verification = services.account_register(registration=registration())
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        services.code_resend(token=str(verification.token))
    with time_machine.travel(timezone.now() + timedelta(minutes=4)), pytest.raises(CodeRejected) as error:
        services.code_resend(token=str(verification.token))
    assert error.value.code == "code_sends_used"
    assert services.code_resend(token="not-a-token") is None


def test_codes_per_recipient_and_per_address_are_limited(settings):
    settings.MOTCUA_CODE_SENDS_PER_RECIPIENT_HOUR = 2
    settings.MOTCUA_CODE_SENDS_PER_ADDRESS_HOUR = 3
    services.account_register(registration=registration(), address="10.0.0.1")
    services.account_register(registration=registration(), address="10.0.0.2")
    with pytest.raises(Throttled) as error:
        services.account_register(registration=registration(), address="10.0.0.3")
    assert "Đã gửi quá nhiều mã xác minh" in error.value.message and error.value.retry_after > 3000
    services.account_register(registration=registration("0912000001"), address="10.0.0.1")
    services.account_register(registration=registration("0912000002"), address="10.0.0.1")
    with pytest.raises(Throttled):
        services.account_register(registration=registration("0912000003"), address="10.0.0.1")
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        services.account_register(registration=registration("0912000003"), address="10.0.0.1")


def test_registering_again_takes_over_a_never_activated_account():
    first = services.account_register(registration=registration(password="Mot-mat-khau-cu-99"))
    second = services.account_register(registration=registration())
    assert User.objects.count() == 1
    assert second.user_id == first.user_id
    assert User.objects.get().check_password(PASSWORD)
    # The first code no longer works.
    with pytest.raises(CodeRejected):
        services.account_activate(token=str(first.token), code=last_code_for(first))


def last_code_for(verification):
    message = OutboxMessage.objects.filter(idempotency_key=f"account-code:{verification.token}:1").get()
    return re.search(r"\d{6}", message.body).group()


def test_a_verified_contact_cannot_be_registered_again(client):
    verification = services.account_register(registration=registration())
    services.account_activate(token=str(verification.token), code=last_code("0912345678"))
    page = register(client).content.decode()
    assert "0912345678 đã được dùng cho một tài khoản khác" in page
    assert 'id="id_contact_error"' in page
    assert User.objects.count() == 1


def test_form_errors_are_linked_to_their_fields(client):
    page = register(client, contact="012345", password_again="khac-hoan-toan").content.decode()
    assert "Nhập số điện thoại di động (ví dụ 0912345678) hoặc địa chỉ thư điện tử." in page
    assert "Hai lần nhập mật khẩu không giống nhau." in page
    assert '<a href="#id_contact">' in page
    assert 'aria-describedby="id_contact_helptext id_contact_error"' in page
    assert not User.objects.exists()


def test_a_weak_password_is_refused_by_the_validators(client):
    page = register(client, password="12345678", password_again="12345678").content.decode()
    assert 'id="id_password_error"' in page
    assert not User.objects.exists() and not OutboxMessage.objects.exists()


def test_only_citizens_and_businesses_register():
    with pytest.raises(ValidationFailed):
        services.account_register(registration=registration(kind="staff"))


def test_without_a_connected_sender_no_code_is_issued():
    from motcua.notifications.account_codes import queue_account_code

    verification_code_issued.disconnect(dispatch_uid="notifications.account_code")
    try:
        with pytest.raises(DeliveryUnavailable):
            services.account_register(registration=registration())
    finally:
        verification_code_issued.connect(queue_account_code, dispatch_uid="notifications.account_code")
    assert not User.objects.exists() and not VerificationCode.objects.exists()


def test_a_contact_verified_meanwhile_by_another_account_is_refused():
    first = services.account_register(registration=registration())
    other = User.objects.create(username="khac", phone="0912345678", phone_verified_at=timezone.now())
    with pytest.raises(Conflict):
        services.account_activate(token=str(first.token), code=last_code("0912345678"))
    assert not User.objects.exclude(pk=other.pk).get().is_active


def test_the_verify_page_needs_a_pending_registration(client):
    assert client.get("/xac-minh/")["Location"] == "/dang-ky/"
