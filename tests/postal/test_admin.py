"""The postal admin pages are read only; the "Gửi lại" action re-queues orders the operator refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from motcua.postal.models import PostalOrder, SyncState


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser(username="quantri", password="mat-khau-dai-1")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["postalorder", "postalarrangement", "handoverrecord", "postalevent"])
def test_the_lists_open(admin_client, world, model):
    world.receive_by_post(world.request_pickup(), slip="EB1")
    response = admin_client.get(f"/admin/postal/{model}/")
    assert response.status_code == 200


def test_an_order_page_is_read_only_and_failed_orders_can_be_sent_again(admin_client, world):
    order = world.request_pickup().orders.get()
    PostalOrder.objects.filter(pk=order.pk).update(sync_state=SyncState.FAILED, attempts=3)
    page = admin_client.get(f"/admin/postal/postalorder/{order.pk}/change/")
    assert page.status_code == 200 and b'name="reference"' not in page.content
    response = admin_client.post(
        "/admin/postal/postalorder/", {"action": "retry", "_selected_action": [order.pk]}, follow=True
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.sync_state, order.attempts) == (SyncState.QUEUED, 0)
    assert admin_client.get("/admin/postal/postalorder/add/").status_code == 403
