"""The aggregates stay exact: after any sequence of transitions they equal a recount from the raw dossiers."""

from __future__ import annotations

import pytest

from motcua.reports import aggregates
from motcua.reports.models import DailyCounter, DossierFact

from .conftest import at

pytestmark = pytest.mark.django_db


def test_every_kind_of_transition_keeps_the_aggregates_exact(province, clock):
    first = province.register()
    second = province.register(channel="postal")
    online = province.receive(province.submit_online())
    refused_at_reception = province.submit_online()
    assert aggregates.verify() == []

    clock.move_to(at(3, 10))
    first = province.resolve(first)
    second = province.request_supplement(second)
    assert aggregates.verify() == []

    clock.move_to(at(5, 14))
    first = province.return_result(first)
    second = province.submit_supplement(second)
    online = province.refuse(online)
    assert aggregates.verify() == []

    clock.move_to(at(20, 9))  # past every appointment
    second = province.resolve(second)
    province.withdraw(province.register(version=province.copy))
    province.stop(province.assign(province.register()))
    from motcua.dossiers import services

    services.dossier_refuse_reception(
        dossier=refused_at_reception, actor=province.reception, revision=refused_at_reception.revision, reason="Sai"
    )
    assert aggregates.verify() == []
    assert DossierFact.objects.count() == 6
    assert DailyCounter.objects.exists()
