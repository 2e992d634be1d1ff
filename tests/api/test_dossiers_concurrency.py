"""Concurrent submissions with one Idempotency-Key make one dossier (PostgreSQL: real concurrent transactions)."""

# ruff: noqa: F811  (the fixtures api_world and clock come from test_dossiers.py)

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from motcua.dossiers.models import Dossier
from motcua.dossiers.signals import dossier_event_recorded
from motcua.integration.models import IdempotencyKey

from .test_dossiers import URL, api_world, clock  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_requests_with_one_key_make_one_dossier(api_world):
    payload = api_world.payload()
    barrier = threading.Barrier(6)

    def slow_receiver(sender, **kwargs):
        time.sleep(0.3)  # keep the first transaction open while the others arrive

    def submit(_):
        try:
            barrier.wait()
            response = api_world.token_client().post(
                URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="quay-3-0001"
            )
            return response.status_code, response.json()["code"], response.get("Idempotent-Replayed")
        finally:
            connection.close()

    dossier_event_recorded.connect(slow_receiver, dispatch_uid="test.idempotency.slow")
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(submit, range(6)))
    finally:
        dossier_event_recorded.disconnect(dispatch_uid="test.idempotency.slow")

    assert {status for status, _, _ in outcomes} == {201}
    assert len({code for _, code, _ in outcomes}) == 1
    assert sorted(str(replayed) for _, _, replayed in outcomes) == ["None"] + ["true"] * 5
    assert Dossier.objects.count() == 1
    assert IdempotencyKey.objects.get().dossier.code == outcomes[0][1]


def test_concurrent_requests_with_different_keys_make_distinct_dossiers(api_world):
    payload = api_world.payload()

    def submit(n):
        try:
            response = api_world.token_client().post(
                URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"quay-3-{n:04d}"
            )
            return response.json()["code"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(submit, range(12)))

    assert len(set(codes)) == 12
    assert Dossier.objects.count() == 12
