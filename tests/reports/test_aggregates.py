"""The aggregates stay exact: after any sequence of transitions they equal a recount from the raw dossiers."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta

import pytest

from motcua.core.errors import ApplicationError
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import SYSTEM
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
    services.dossier_refuse_reception(
        dossier=refused_at_reception,
        actor=province.reception,
        revision=refused_at_reception.revision,
        reason="Sai",
    )
    assert aggregates.verify() == []
    assert DossierFact.objects.count() == 6

    # A payment wait and an apology move the appointment; the overdue day moves with it.
    third = province.assign(province.register())
    third = services.dossier_request_payment(
        dossier=third, actor=province.specialist, revision=third.revision, amount=50000, description="Lệ phí"
    )
    clock.move_to(at(23, 9))
    third = services.dossier_confirm_payment(dossier=third, actor=SYSTEM, revision=None)  # payments confirms
    assert aggregates.verify() == []
    third = services.dossier_propose_extension(
        dossier=third,
        actor=province.specialist,
        revision=third.revision,
        reason="Cần xác minh thêm",
        new_appointment=third.appointment_at + timedelta(days=10),
    )
    third = services.dossier_approve_extension(dossier=third, actor=province.leader, revision=third.revision)
    assert aggregates.verify() == []
    clock.move_to(at(15, 9, month=4))
    province.resolve(third)
    assert aggregates.verify() == []
    assert DailyCounter.objects.exists()


def _actions(province, dossier):
    """The moves this helper knows for ``dossier`` in its current state: (name, callable)."""
    status, substate = dossier.status, dossier.substate
    moves = []
    if status == 1:
        moves += [
            ("receive", lambda d: province.receive(d)),
            (
                "refuse_reception",
                lambda d: services.dossier_refuse_reception(
                    dossier=d, actor=province.reception, revision=d.revision, reason="Sai"
                ),
            ),
        ]
    if status == 2:
        moves.append(("assign", province.assign))
    if status in (2, 4) and substate in ("awaiting_assignment", "in_step"):
        moves += [("resolve", province.resolve), ("refuse", province.refuse)]
    if status == 4 and substate == "in_step":
        moves += [
            ("request_supplement", province.request_supplement),
            (
                "request_payment",
                lambda d: services.dossier_request_payment(
                    dossier=d,
                    actor=province.specialist,
                    revision=d.revision,
                    amount=50000,
                    description="Lệ phí",
                ),
            ),
        ]
        if not d_extended(dossier):
            moves.append(
                (
                    "extend",
                    lambda d: services.dossier_approve_extension(
                        dossier=services.dossier_propose_extension(
                            dossier=d,
                            actor=province._staff(d)[1],
                            revision=d.revision,
                            reason="Cần xác minh",
                            new_appointment=d.appointment_at + timedelta(days=7),
                        ),
                        actor=province._staff(d)[0],
                        revision=d.revision + 1,
                    ),
                )
            )
    if status == 5:
        moves.append(("submit_supplement", province.submit_supplement))
    if status == 6:
        moves.append(
            (
                "confirm_payment",
                lambda d: services.dossier_confirm_payment(dossier=d, actor=SYSTEM, revision=None),
            )
        )
    if status == 9:
        moves.append(("return", province.return_result))
    if status in (1, 2, 4, 5, 6):
        moves.append(("withdraw", province.withdraw))
    if status in (2, 4, 5, 6):
        moves.append(("stop", province.stop))
    return moves


def d_extended(dossier) -> bool:
    return dossier.extension_count > 0 or dossier.extensions.exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_of_transitions_keep_the_aggregates_exact(province, clock, seed):
    rng = random.Random(seed)
    done: set[str] = set()
    moment = at(2, 9)
    for _step in range(60):
        moment += timedelta(hours=rng.choice([1, 3, 8, 30, 75]))
        clock.move_to(moment)
        dossiers = list(Dossier.objects.filter(status__in=[1, 2, 4, 5, 6, 9]))
        if len(dossiers) < 4 or rng.random() < 0.25:
            channel = rng.choice(["direct", "postal", "online"])
            if channel == "online":
                province.submit_online()
            else:
                version = rng.choice([province.judicial, province.copy])
                province.register(version=version, channel="direct" if version == province.copy else channel)
            continue
        dossier = rng.choice(dossiers)
        moves = _actions(province, dossier)
        if not moves:
            continue
        fresh = [(name, move) for name, move in moves if name not in done]
        name, move = rng.choice(fresh if fresh and rng.random() < 0.7 else moves)  # favour moves not seen yet
        with contextlib.suppress(ApplicationError):  # a guard said no (e.g. too late to apologise)
            move(dossier)
            done.add(name)
    assert aggregates.verify() == []
    assert {"resolve", "withdraw", "stop", "return"} <= done and len(done) >= 8, done
