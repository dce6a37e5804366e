"""Periodic jobs, registered by the apps that own them at start-up (AppConfig.ready).

A job is a function of no arguments that is idempotent: it runs once per period, whatever the number
of scheduler and task-worker processes (see services.claim_due), but a run that dies half-way is run
again, and a job may find nothing to do."""

from collections.abc import Callable
from typing import Any

Job = Callable[[], Any]

_JOBS: dict[str, tuple[Job, float]] = {}


def register_periodic(name: str, job: Job, *, every_seconds: float) -> None:
    _JOBS[name] = (job, every_seconds)


def periodic_jobs() -> dict[str, tuple[Job, float]]:
    return dict(_JOBS)
