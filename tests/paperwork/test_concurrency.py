"""Concurrency on PostgreSQL: clerks printing the same slip at once get one document and one number."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from motcua.paperwork import services
from motcua.paperwork.models import DocumentCounter, PaperworkDocument

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_first_prints_keep_one_document(world):
    dossier = world.register()
    barrier = threading.Barrier(4)

    def issue(_n: int) -> int:
        try:
            barrier.wait()
            return services.paperwork_issue(dossier=dossier, form="01", actor=world.reception).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        issued = set(pool.map(issue, range(4)))

    assert len(issued) == 1
    assert PaperworkDocument.objects.filter(dossier=dossier, form="01").count() == 1
    assert DocumentCounter.objects.get(agency=world.center, series="TNHS").last_value == 1


def test_concurrent_receptions_get_distinct_register_lines(world):
    def register(_n: int) -> int:
        try:
            return world.register(documents=[]).register_entry.number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(pool.map(register, range(40)))

    assert numbers == list(range(1, 41))
