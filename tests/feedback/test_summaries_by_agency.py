"""The per-agency summaries in bulk (the report screens rank every agency) equal the one-agency summaries."""

from __future__ import annotations

from datetime import date

import pytest
from factories import AgencyFactory

from motcua.feedback import selectors, services

from .conftest import at
from .test_petitions import send
from .test_satisfaction_shares import MARCH, rated  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_satisfaction_of_every_agency_at_once_equals_each_agencys(rated, django_assert_num_queries):  # noqa: F811
    with django_assert_num_queries(3):
        summaries = selectors.satisfaction_summaries_by_agency(**MARCH)
    assert set(summaries) == {rated.department.pk, rated.other_department.pk}
    for agency_id, summary in summaries.items():
        assert summary == selectors.satisfaction_summary(agency=agency_id, **MARCH)
    assert summaries[rated.department.pk].forms == 5
    assert [c.criterion.code for c in summaries[rated.department.pk].criteria] == [
        c.criterion.code for c in selectors.satisfaction_summary(agency=rated.department, **MARCH).criteria
    ]


def test_petitions_of_every_agency_at_once_equal_each_agencys(world, clock, django_assert_num_queries):
    on_time, late = send(world), send(world)
    send(world)
    other = AgencyFactory()
    send(world, agency=other)
    services.petition_answer(petition=on_time, actor=world.specialist, content="Trả lời")
    clock.move_to(at(18))
    services.petition_answer(petition=late, actor=world.specialist, content="Trả lời")
    services.petition_rate_handling(petition=on_time, level=3)
    services.petition_rate_handling(petition=late, level=1)
    period = {"start": date(2026, 3, 1), "end": date(2026, 3, 31), "now": at(18)}
    with django_assert_num_queries(1):
        summaries = selectors.petition_summaries_by_agency(**period)
    assert set(summaries) == {world.department.pk, other.pk}
    for agency_id, summary in summaries.items():
        assert summary == selectors.petition_summary(agency=agency_id, **period)
    assert (summaries[world.department.pk].received, summaries[world.department.pk].handling_satisfied) == (
        3,
        1,
    )
