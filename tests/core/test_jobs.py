"""core.jobs: periodic jobs registered by apps and run by the outbox worker."""

from __future__ import annotations

import logging

import pytest

from motcua.core import jobs


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    monkeypatch.setattr(jobs, "_jobs", {})


def test_a_job_runs_once_per_interval():
    calls = []
    jobs.register_periodic_job("t.count", every_seconds=60, run=lambda: calls.append(1))
    assert jobs.run_due_jobs(now=1000.0) == ["t.count"]
    assert jobs.run_due_jobs(now=1030.0) == []
    assert jobs.run_due_jobs(now=1060.0) == ["t.count"]
    assert len(calls) == 2


def test_an_interval_of_zero_turns_a_job_off_and_a_callable_interval_is_read_each_time():
    calls = []
    interval = {"value": 0}
    jobs.register_periodic_job("t.off", every_seconds=lambda: interval["value"], run=lambda: calls.append(1))
    assert jobs.run_due_jobs(now=10.0) == []
    interval["value"] = 5
    assert jobs.run_due_jobs(now=11.0) == ["t.off"]
    assert calls == [1]


def test_a_failing_job_is_logged_without_secrets_and_does_not_stop_the_others(caplog):
    calls = []

    def broken():
        raise RuntimeError("provider said no; password=hunter2")

    jobs.register_periodic_job("t.broken", every_seconds=1, run=broken)
    jobs.register_periodic_job("t.fine", every_seconds=1, run=lambda: calls.append(1))
    with caplog.at_level(logging.ERROR, logger="motcua.jobs"):
        assert jobs.run_due_jobs(now=5.0) == ["t.fine"]
    assert calls == [1]
    assert "t.broken" in caplog.text and "hunter2" not in caplog.text
    assert jobs.registered_jobs() == ["t.broken", "t.fine"]
