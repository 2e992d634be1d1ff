"""Tracking webhooks through the API: signature, replay window, reference; replays and out-of-order events
change nothing; delivery of the result closes the dossier; a failed delivery is recorded and staff are told."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.urls import reverse

from motcua.dossiers.models import ResultChannel
from motcua.dossiers.workflow import DossierStatus, Substate
from motcua.notifications.models import OutboxMessage
from motcua.postal import selectors, services
from motcua.postal.models import OrderStatus, PostalEvent, PostalOrder, TrackingEvent
from motcua.postal.signals import postal_delivery_failed

from .conftest import SECRET, at, event, signed

URL = "/api/v1/postal/webhook"


def post(client, body, headers):
    return client.post(URL, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def result_order(world, clock):
    """A postal dossier resolved and its result handed to the post, sent (slip EB…), on 05/03/2026, before its appointment."""
    dossier = world.receive_by_post(world.request_pickup(), slip="EB100", signed_at=at(2, 8, 30))
    clock.move_to(at(5, 10))
    dossier = world.resolve(dossier)
    order = services.postal_result_send(dossier=dossier, actor=world.reception)
    PostalOrder.objects.filter(pk=order.pk).update(
        slip_number="EB000000017VN", status=OrderStatus.ACCEPTED, sync_state="sent", sent_at=at(5, 10)
    )
    order.refresh_from_db()
    return order


def test_delivery_of_the_result_closes_the_dossier(client, world, result_order, clock):
    for sequence, status in enumerate(("picked_up", "in_transit", "delivered"), start=2):
        clock.shift(timedelta(hours=1))
        response = post(client, *signed(event(result_order, status, sequence=sequence)))
        assert response.status_code == 200, response.content
        assert response.json()["code"] == "ok"
    result_order.refresh_from_db()
    assert result_order.status == OrderStatus.DELIVERED and result_order.delivered_at == at(5, 13)
    dossier = result_order.dossier
    dossier.refresh_from_db()
    assert (dossier.status, dossier.substate) == (DossierStatus.RETURNED, Substate.RETURNED)
    assert dossier.returned_via == ResultChannel.POSTAL
    assert dossier.returned_at == at(5, 13)
    last = dossier.events.order_by("-sequence").first()
    assert (last.action, last.actor, last.origin) == ("return_result", None, "postal")
    # the result was ready before the appointment: the applicant was told of the early return first
    assert dossier.events.filter(action="notify_early_return").exists()
    assert list(TrackingEvent.objects.filter(order=result_order).values_list("status", flat=True)) == [
        "picked_up",
        "in_transit",
        "delivered",
    ]
    assert PostalEvent.objects.filter(order=result_order, action="result_returned").exists()


def test_a_replayed_event_is_answered_and_changes_nothing(client, world, result_order):
    body, headers = signed(event(result_order, "in_transit", sequence=2))
    assert post(client, body, headers).json()["code"] == "ok"
    before = result_order.events.count()
    response = post(client, body, headers)  # the same request again, within the window
    assert (response.status_code, response.json()["code"]) == (200, "duplicate")
    assert TrackingEvent.objects.filter(order=result_order).count() == 1
    assert result_order.events.count() == before


def test_an_event_older_than_the_current_status_is_ignored(client, world, result_order):
    post(client, *signed(event(result_order, "delivered", sequence=4)))
    result_order.refresh_from_db()
    assert result_order.status == OrderStatus.DELIVERED
    for late in (
        event(result_order, "in_transit", sequence=3),
        event(result_order, "in_transit", sequence=5),
    ):
        response = post(client, *signed(late))
        assert (response.status_code, response.json()["code"]) == (200, "ignored_out_of_order")
    result_order.refresh_from_db()
    assert result_order.status == OrderStatus.DELIVERED
    assert TrackingEvent.objects.filter(order=result_order).count() == 1


@pytest.mark.parametrize(
    "tamper, status, code",
    [
        (
            lambda body, headers: (body, {**headers, "X-Postal-Signature": "sha256=" + "0" * 64}),
            401,
            "bad_signature",
        ),
        (lambda body, headers: (body.replace(b"in_transit", b"delivered"), headers), 401, "bad_signature"),
        (lambda body, headers: signed(body, secret="not-the-secret"), 401, "bad_signature"),
        (
            lambda body, headers: (body, {"X-Postal-Timestamp": headers["X-Postal-Timestamp"]}),
            401,
            "missing_signature",
        ),
        (lambda body, headers: (body, {}), 401, "missing_signature"),
        (
            lambda body, headers: signed(body, timestamp=int(at(5, 10).timestamp()) - 301),
            401,
            "stale_timestamp",
        ),
        (
            lambda body, headers: signed(body, timestamp=int(at(5, 10).timestamp()) + 301),
            401,
            "stale_timestamp",
        ),
        (lambda body, headers: signed(b"not json"), 400, "bad_request"),
        (lambda body, headers: signed(body.replace(b'"in_transit"', b'"teleported"')), 400, "bad_request"),
        (lambda body, headers: signed(body.replace(b"BC2603", b"XX2603")), 404, "unknown_reference"),
        (
            lambda body, headers: signed(body.replace(b"EB000000017VN", b"EB999999990VN")),
            400,
            "slip_mismatch",
        ),
    ],
)
def test_bad_webhooks_are_refused_logged_without_secrets_and_change_nothing(
    client, world, result_order, caplog, tamper, status, code
):
    body, headers = signed(event(result_order, "in_transit", sequence=2))
    body, headers = tamper(body, headers)
    with caplog.at_level(logging.WARNING, logger="motcua.postal"):
        response = post(client, body, headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    result_order.refresh_from_db()
    assert result_order.status == OrderStatus.ACCEPTED
    assert not TrackingEvent.objects.exists()
    assert code in caplog.text
    assert SECRET not in caplog.text
    assert headers.get("X-Postal-Signature", "sha256=none")[7:] not in caplog.text


def test_a_failed_delivery_is_recorded_and_staff_are_told(client, world, result_order):
    told = []

    def receiver(sender, *, order, event, **kwargs):
        told.append((order.reference, event.status))

    postal_delivery_failed.connect(receiver)
    try:
        response = post(
            client, *signed({**event(result_order, "delivery_failed", sequence=3), "note": "Vắng nhà"})
        )
    finally:
        postal_delivery_failed.disconnect(receiver)
    assert response.json()["code"] == "ok"
    assert told == [(result_order.reference, "delivery_failed")]
    result_order.refresh_from_db()
    assert (result_order.status, result_order.failure_reason) == (OrderStatus.DELIVERY_FAILED, "Vắng nhà")
    assert PostalEvent.objects.filter(order=result_order, action="delivery_failed").exists()
    assert list(selectors.orders_needing_attention(world.reception)) == [result_order]
    dossier = result_order.dossier
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RESOLVED  # not returned
    # the post tries again and delivers: the dossier closes then
    post(client, *signed(event(result_order, "in_transit", sequence=4)))
    post(client, *signed(event(result_order, "delivered", sequence=5)))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED
    assert not selectors.orders_needing_attention(world.reception).exists()


def test_a_failed_delivery_tells_the_applicant_and_the_reception_officers(
    client, world, result_order, settings
):
    settings.SITE_URL = "https://dichvucong.example.gov.vn"
    failed = {**event(result_order, "delivery_failed", sequence=3), "note": "Vắng nhà, đã gọi hai lần"}
    body, headers = signed(failed)
    assert post(client, body, headers).json()["code"] == "ok"

    dossier = result_order.dossier
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RESOLVED  # nothing returned: the post tries again or sends it back
    told = dossier.events.get(action="record_delivery_failure")
    assert (told.actor_id, told.origin, told.from_status, told.to_status) == (None, "postal", 9, 9)
    assert told.payload["slip_number"] == "EB000000017VN"
    assert (told.payload["reason"], told.payload["location"]) == (
        "Vắng nhà, đã gọi hai lần",
        "Bưu cục Thành Sen",
    )

    applicant = {m.channel: m for m in OutboxMessage.objects.filter(template="postal_delivery_failed")}
    assert set(applicant) == {"email", "sms", "portal"}
    assert applicant["portal"].user == world.citizen and applicant["sms"].recipient == "0912345678"
    sms = applicant["sms"].body
    assert f"Bưu điện chưa phát được kết quả hồ sơ {dossier.code} (EB000000017VN)." in sms
    assert "kết quả chuyển về Bộ phận Một cửa" in sms and len(sms) <= 320
    email = applicant["email"].body
    assert "Lý do bưu điện báo: Vắng nhà, đã gọi hai lần" in email
    assert "Bưu điện sẽ liên hệ với Ông/Bà để phát lại." in email
    assert (
        f"chuyển hoàn về Bộ phận Một cửa, {world.center.name}; Ông/Bà có thể nhận trực tiếp tại đó." in email
    )

    staff = list(OutboxMessage.objects.filter(template="staff_postal_delivery_failed"))
    assert {(m.user, m.channel) for m in staff} == {
        (officer, channel)
        for officer in (world.reception, world.reception2)
        for channel in ("portal", "email")
    }  # the receiving agency's reception officers only: not its leader, not another agency
    page = settings.SITE_URL + reverse("backoffice:dossier", args=[dossier.code])
    for message in staff:
        assert message.reference == dossier.code
        assert f"Xử lý hồ sơ tại {page}" in message.body
        assert "Lý do bưu điện báo: Vắng nhà, đã gọi hai lần" in message.body

    count = OutboxMessage.objects.count()
    assert post(client, body, headers).json()["code"] == "duplicate"  # a replay tells nobody again
    assert OutboxMessage.objects.count() == count
    assert dossier.events.filter(action="record_delivery_failure").count() == 1


def test_a_failure_after_the_result_was_returned_at_the_counter_tells_nobody(client, world, result_order):
    from motcua.dossiers import services as dossier_services

    dossier = result_order.dossier
    dossier.refresh_from_db()
    dossier_services.dossier_return_result(
        dossier=dossier, actor=world.reception, revision=dossier.revision, channel=ResultChannel.COUNTER
    )
    assert post(client, *signed(event(result_order, "delivery_failed", sequence=2))).json()["code"] == "ok"
    result_order.refresh_from_db()
    assert result_order.status == OrderStatus.DELIVERY_FAILED  # recorded on the shipment
    assert not dossier.events.filter(action="record_delivery_failure").exists()
    assert not OutboxMessage.objects.filter(
        template__in=["postal_delivery_failed", "staff_postal_delivery_failed"]
    )


def test_an_inbound_pickup_that_fails_touches_no_dossier(client, world):
    order = world.request_pickup().orders.get()
    assert post(client, *signed(event(order, "delivery_failed", sequence=3))).json()["code"] == "ok"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERY_FAILED and order.dossier is None
    assert not OutboxMessage.objects.filter(
        template__in=["postal_delivery_failed", "staff_postal_delivery_failed"]
    )


def test_a_delivery_after_the_dossier_was_returned_at_the_counter_is_recorded_only(
    client, world, result_order
):
    from motcua.dossiers import services as dossier_services

    dossier = result_order.dossier
    dossier.refresh_from_db()
    dossier_services.dossier_return_result(
        dossier=dossier, actor=world.reception, revision=dossier.revision, channel=ResultChannel.COUNTER
    )
    assert post(client, *signed(event(result_order, "delivered", sequence=2))).json()["code"] == "ok"
    result_order.refresh_from_db()
    assert result_order.status == OrderStatus.DELIVERED
    assert PostalEvent.objects.filter(order=result_order, action="return_not_recorded").exists()
    dossier.refresh_from_db()
    assert dossier.returned_via == ResultChannel.COUNTER


def test_the_inbound_delivery_does_not_touch_any_dossier(client, world, clock):
    order = world.request_pickup().orders.get()
    response = post(client, *signed(event(order, "delivered", sequence=3)))
    assert response.json()["code"] == "ok"
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.dossier is None


def test_the_dossier_api_shows_the_shipment(client, world, result_order):
    from django.test import Client

    post(client, *signed(event(result_order, "in_transit", sequence=2)))
    staff = Client()
    staff.force_login(world.reception)
    dossier = result_order.dossier
    data = staff.get(f"/api/v1/dossiers/{dossier.code}").json()
    postal = data["postal"]
    assert postal["option"] == "both"
    assert postal["handover_signed_at"].startswith("2026-03-02T08:30:00+07:00")
    assert postal["inbound"]["slip_number"] == "EB100"
    assert postal["outbound"]["slip_number"] == "EB000000017VN"
    assert postal["outbound"]["status"] == "in_transit"
    assert postal["outbound"]["status_label"] == "Đang vận chuyển"
