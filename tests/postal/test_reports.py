"""Postal dossiers count as channel 3 (BCCI) on the day their hand-over record is signed, and a result
returned by post counts in the postal-return share."""

from __future__ import annotations

from motcua.catalog.models import Channel
from motcua.dossiers.models import ResultChannel
from motcua.postal.models import PickupMethod
from motcua.reports import aggregates
from motcua.reports.selectors import report_for

from .conftest import at


def test_postal_dossiers_are_channel_3_in_the_reports(world, clock):
    by_post = world.receive_by_post(world.request_pickup(), slip="EB1", signed_at=at(2, 8, 30))
    sent_only = world.receive_by_post(
        world.request_pickup(pickup_method=PickupMethod.POST_OFFICE, pickup_address="", return_by_post=False),
        slip="EB2",
        signed_at=at(2, 8, 45),
    )
    counter_postal_return = world.register(result_channel=ResultChannel.POSTAL)
    world.register(result_channel=ResultChannel.COUNTER)
    assert (by_post.channel, by_post.national_channel) == (Channel.POSTAL, 3)
    assert sent_only.result_channel == ResultChannel.COUNTER
    assert counter_postal_return.channel == Channel.DIRECT

    counts = report_for(period="2026-03", agency=world.department.code).total.counts
    assert counts["received"] == 4
    assert counts["received_postal"] == 2
    assert counts["received_direct"] == 2
    assert counts["received_online"] == 0
    assert counts["postal_return"] == 2  # by_post and the counter dossier returned by post
    assert aggregates.verify() == []


def test_a_record_signed_on_the_last_evening_of_a_month_counts_in_that_month(world, clock):
    clock.move_to(at(1, 8, month=4))
    world.receive_by_post(world.request_pickup(), slip="EB1", signed_at=at(31, 16, 50))
    assert report_for(period="2026-03", agency=world.department.code).total.counts["received_postal"] == 1
    assert report_for(period="2026-04", agency=world.department.code).total.counts["received_postal"] == 0
