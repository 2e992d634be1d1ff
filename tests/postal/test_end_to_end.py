"""The whole postal journey over real HTTP: our server (live), the sandbox operator, signed webhooks, and our
server down for a while (the operator keeps retrying)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from motcua.dossiers.models import ResultChannel
from motcua.dossiers.workflow import DossierStatus
from motcua.postal import services
from motcua.postal.models import OrderStatus, PostalOrder, TrackingEvent

from .conftest import at


class Gate:
    """A forwarding proxy in front of our server, to take it "down" (connection refused) and back up."""

    def __init__(self, target: str):
        self.target = target
        self.port = 0
        self.server = None

    def open(self):
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {
                    k: v for k, v in self.headers.items() if k.lower().startswith(("x-", "content-type"))
                }
                request = urllib.request.Request(
                    gate.target + self.path, data=body, method="POST", headers=headers
                )
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        status, answer = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, answer = error.code, error.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_pickup_hand_over_return_by_post_and_delivery_close_the_dossier(
    live_server, world, post_sandbox, postal_settings, clock
):
    gate = Gate(live_server.url)
    gate.open()
    postal_settings.MOTCUA_POSTAL_WEBHOOK_URL = f"http://127.0.0.1:{gate.port}/api/v1/postal/webhook"
    try:
        # 1. the citizen asks the post to collect the dossier; the job books it
        arrangement = world.request_pickup()
        assert services.postal_send_queued().sent == 1
        inbound = arrangement.orders.get()
        inbound.refresh_from_db()
        post_sandbox.advance(inbound.reference, "picked_up", location="Số 5 Phan Đình Phùng")
        post_sandbox.advance(inbound.reference, "in_transit")
        assert post_sandbox.wait_for_webhooks(10)
        inbound.refresh_from_db()
        assert inbound.status == OrderStatus.IN_TRANSIT

        # 2. the post hands it over; the record's signature is the reception time
        clock.move_to(at(2, 10, 30))
        dossier = world.receive_by_post(arrangement, slip=inbound.slip_number, signed_at=at(2, 10, 15))
        assert (dossier.received_at, dossier.channel) == (at(2, 10, 15), "postal")
        inbound.refresh_from_db()
        assert inbound.status == OrderStatus.DELIVERED
        # the operator's own "delivered" arrives afterwards and is taken as it is: nothing moves back
        post_sandbox.advance(inbound.reference, "delivered")
        assert post_sandbox.wait_for_webhooks(10)

        # 3. processed, the result goes back by post
        dossier = world.resolve(dossier)
        outbound = services.postal_result_send(dossier=dossier, actor=world.reception)
        assert services.postal_send_queued().sent == 1
        outbound.refresh_from_db()
        assert outbound.slip_number == post_sandbox.order(outbound.reference)["slip_number"]

        # 4. our server is down while the shipment moves: the operator keeps the webhooks and retries
        gate.close()
        post_sandbox.advance(outbound.reference, "picked_up")
        post_sandbox.advance(outbound.reference, "in_transit", location="Bưu cục Thạch Hà")
        post_sandbox.advance(outbound.reference, "delivered", location="Số 5 Phan Đình Phùng")
        assert wait_until(lambda: post_sandbox.webhooks[-3]["attempts"] >= 2)
        outbound.refresh_from_db()
        assert outbound.status == OrderStatus.ACCEPTED
        gate.open()  # back on the same port
        assert post_sandbox.wait_for_webhooks(10)
        outbound.refresh_from_db()
        assert outbound.status == OrderStatus.DELIVERED
        assert list(TrackingEvent.objects.filter(order=outbound).values_list("status", flat=True)) == [
            "picked_up",
            "in_transit",
            "delivered",
        ]
        dossier.refresh_from_db()
        assert dossier.status == DossierStatus.RETURNED and dossier.returned_via == ResultChannel.POSTAL
        assert all(hook["delivered"] for hook in post_sandbox.webhooks)
    finally:
        if gate.server is not None:
            gate.close()


def test_a_lost_webhook_is_caught_up_by_the_tracking_job(world, post_sandbox, postal_settings, clock):
    dossier = world.resolve(world.register())
    order = services.postal_result_send(dossier=dossier, actor=world.reception)
    services.postal_send_queued()
    post_sandbox.advance(order.reference, "in_transit")
    post_sandbox.advance(order.reference, "delivered")
    # the webhooks go to a port where nobody listens: lost for now
    assert wait_until(lambda: post_sandbox.webhooks[0]["attempts"] >= 1)
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED
    assert services.postal_refresh_tracking() == 0  # not quiet long enough yet
    clock.shift(postal_settings.MOTCUA_POSTAL_TRACKING_QUIET_HOURS * 3600 + 1)
    delivered_at = post_sandbox.order(order.reference)["events"][-1]["occurred_at"]
    assert services.postal_refresh_tracking() == 2
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    dossier = PostalOrder.objects.get(pk=order.pk).dossier
    assert dossier.status == DossierStatus.RETURNED
    # the result reached the applicant when the operator delivered it, not hours later when we learnt of it
    assert dossier.returned_at == order.delivered_at == datetime.fromisoformat(delivered_at)
    assert dossier.returned_at < dossier.events.order_by("-sequence").first().occurred_at
    assert services.postal_refresh_tracking() == 0  # a finished shipment is not asked about again
