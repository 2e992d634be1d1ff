"""Registrations one after another, for ``code_lock_probe``: how much of a registration holds the code lock.

Not collected by the test suite (it lives in bench/); run it explicitly, with the dossier tests' province::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua PYTHONPATH=bench:tests \\
        .venv/bin/pytest -p code_lock_probe -s -q bench/code_registrations.py

One after another nothing waits for the lock, so "lock held / whole time" is the share of a registration
that concurrent registrations at one agency must take in turn, and it moves little with the machine's load.
"""

from __future__ import annotations

import time

import pytest
from dossiers.conftest import clock, world  # noqa: F401  (the dossier tests' province and frozen clock)

pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 100


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the PDFs stored for the dossiers go away with the run


@pytest.mark.parametrize("with_files", [False, True], ids=["components-only", "two-pdf-files"])
def test_registrations_one_after_another(world, with_files):  # noqa: F811
    officers = (world.reception, world.reception2)
    started = time.perf_counter()
    for n in range(COUNT):
        world.register(actor=officers[n % 2], documents=world.documents(with_files=with_files))
    print(f"\n[registrations] {COUNT} one after another in {time.perf_counter() - started:.2f} s")
