"""pytest plugin: how long each transaction holds the dossier-code counter row lock, and what runs meanwhile.

Measurement only (no assertion). It wraps ``motcua.dossiers.codes.next_number``: the clock starts when the
counter row is locked and its number taken, and stops when the transaction commits; the statements run on that
connection in between are counted (the COMMIT itself is not). Per test it prints the median and mean hold, their
sum, and the median number of statements::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua PYTHONPATH=bench \\
        .venv/bin/pytest -p code_lock_probe -s -q \\
        tests/dossiers/test_concurrency.py::test_200_concurrent_submissions_to_one_agency_get_200_distinct_codes

Under concurrency the hold also contains time spent waiting for the CPU (the test's threads share one Python
process); compare the hold with the whole registration time of the same run, or run registrations one after
another, to see how much of a registration is serialised per agency.
"""

from __future__ import annotations

import statistics
import threading
import time

import pytest

_holds: list[float] = []
_statements: list[int] = []
_lock = threading.Lock()


@pytest.fixture(autouse=True)
def _code_lock_probe(monkeypatch):
    from django.db import connection, transaction

    from motcua.dossiers import codes

    original = codes.next_number

    def timed_next_number(**kwargs):
        value = original(**kwargs)
        started = time.perf_counter()
        count = [0]

        def counting(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        connection.execute_wrappers.append(counting)

        def committed():
            connection.execute_wrappers.remove(counting)
            with _lock:
                _holds.append(time.perf_counter() - started)
                _statements.append(count[0])

        transaction.on_commit(committed)
        return value

    with _lock:
        _holds.clear()
        _statements.clear()
    monkeypatch.setattr(codes, "next_number", timed_next_number)
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    if _holds:
        ms = [hold * 1000 for hold in _holds]
        print(
            f"\n[code lock] {len(ms)} codes in {elapsed:.2f} s; lock held median {statistics.median(ms):.1f} ms, "
            f"mean {statistics.mean(ms):.1f} ms, sum {sum(ms) / 1000:.2f} s; statements while held: median "
            f"{statistics.median(_statements):g} (min {min(_statements)}, max {max(_statements)})"
        )
