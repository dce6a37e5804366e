"""Periodic jobs run once per period whatever the number of schedulers and task workers."""

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from plantwright.scheduling import registry, services
from plantwright.scheduling.models import ScheduledJob
from plantwright.testing.processes import REPO, database_url, run_task_worker

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def only_test_jobs(monkeypatch):
    calls: list[str] = []
    jobs = {
        "test.every_minute": (lambda: calls.append("minute") or "did it", 60),
        "test.broken": (lambda: 1 / 0, 60),
    }
    monkeypatch.setattr(registry, "_JOBS", jobs)
    return calls


@pytest.mark.django_db
def test_a_job_is_claimed_once_per_period(only_test_jobs):
    assert sorted(services.claim_due(T0)) == ["test.broken", "test.every_minute"]
    assert services.claim_due(T0) == []  # a second scheduler at the same moment
    assert services.claim_due(T0 + timedelta(seconds=30)) == []
    services.run_scheduled_job.call("test.every_minute")
    assert services.claim_due(T0 + timedelta(seconds=61)) == ["test.every_minute"]  # broken still "running"


@pytest.mark.django_db
def test_a_run_that_never_reports_back_is_claimed_again_after_a_while(only_test_jobs):
    services.claim_due(T0)
    assert "test.every_minute" not in services.claim_due(T0 + timedelta(minutes=5))  # still running
    assert "test.every_minute" in services.claim_due(T0 + timedelta(minutes=16))  # its worker died


@pytest.mark.django_db
def test_a_run_records_its_outcome_or_its_error(only_test_jobs):
    services.claim_due(T0)
    services.run_scheduled_job.call("test.every_minute")
    services.run_scheduled_job.call("test.broken")
    done, broken = ScheduledJob.objects.get(name="test.every_minute"), ScheduledJob.objects.get(name="test.broken")
    assert (done.running, done.runs, done.last_error) == (False, 1, "") and done.last_outcome.startswith("did it")
    assert (broken.running, broken.runs) == (False, 1) and broken.last_error.startswith("ZeroDivisionError")
    assert only_test_jobs == ["minute"]


@pytest.mark.django_db(transaction=True)
def test_schedulers_racing_for_the_same_period_start_each_job_once(only_test_jobs):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race is the PostgreSQL one (the claim is the same UPDATE)")
    services.claim_due(T0 - timedelta(hours=1))  # rows exist
    ScheduledJob.objects.update(running=False, next_due_at=T0)
    barrier, won = threading.Barrier(4), []

    def scheduler():
        barrier.wait()
        try:
            won.extend(services.claim_due(T0))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == ["test.broken", "test.every_minute"]


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_and_two_task_workers_run_each_real_job_once():
    def scheduler_once():
        return subprocess.Popen(
            [sys.executable, "-m", "plantwright", "scheduler", "--once"],
            cwd=REPO,
            env={**__import__("os").environ, "DATABASE_URL": database_url()},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    schedulers = [scheduler_once() for _ in range(2)]
    outputs = [process.communicate(timeout=60)[0] for process in schedulers]
    queued = [line for output in outputs for line in output.splitlines() if "queued" in line]
    registered = set(registry.periodic_jobs())
    assert sorted(line.rsplit(" ", 1)[-1] for line in queued) == sorted(registered)  # each once, between both
    workers = [threading.Thread(target=run_task_worker) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    rows = {job.name: job for job in ScheduledJob.objects.all()}
    assert set(rows) == registered
    assert {name: (job.runs, job.running, job.last_error) for name, job in rows.items()} == {
        name: (1, False, "") for name in registered
    }
