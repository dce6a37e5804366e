"""The scheduler: each period, exactly one process claims a due job and hands it to the task queue.

Claiming is one conditional UPDATE per job (`next_due_at <= now` and not running, or running for too
long): the database lets one of any number of schedulers win it, on SQLite and PostgreSQL alike (on
PostgreSQL the loser's UPDATE re-reads the row after the winner's commit and no longer matches). The
job then runs as a task (`db_worker`), once, and records its outcome. A run that never reports back
(its worker was killed) is claimed again after `STALE_AFTER` periods."""

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from plantwright.core.db.bounded import fit
from plantwright.scheduling.models import ScheduledJob
from plantwright.scheduling.registry import periodic_jobs

log = logging.getLogger(__name__)

STALE_AFTER = 10  # periods (at least STALE_MINIMUM) after which a run that never finished is given up
STALE_MINIMUM = timedelta(minutes=15)


def _stale(every: float) -> timedelta:
    return max(STALE_MINIMUM, timedelta(seconds=every * STALE_AFTER))


def claim_due(now: datetime | None = None) -> list[str]:
    """The registered jobs this process won for this period (marked running, next period set)."""
    now = now or timezone.now()
    jobs = periodic_jobs()
    known = set(ScheduledJob.objects.filter(name__in=jobs).values_list("name", flat=True))
    for name in jobs.keys() - known:
        ScheduledJob.objects.get_or_create(
            name=name, defaults={"every_seconds": int(jobs[name][1]), "next_due_at": now}
        )
    won = []
    for name, (_job, every) in jobs.items():
        claimed = (
            ScheduledJob.objects.filter(name=name, next_due_at__lte=now)
            .filter(Q(running=False) | Q(last_started_at__lt=now - _stale(every)))
            .update(
                running=True,
                last_started_at=now,
                next_due_at=now + timedelta(seconds=every),
                every_seconds=int(every),
            )
        )
        if claimed:
            won.append(name)
    return won


def schedule_due(now: datetime | None = None) -> list[str]:
    """Claim the due jobs and put each on the task queue (what the `scheduler` process does each tick)."""
    won = claim_due(now)
    for name in won:
        with transaction.atomic():
            run_scheduled_job.enqueue(name)
    return won


@task()
def run_scheduled_job(name: str) -> str:
    """Run one claimed job and record how it went (a failure is kept on its row and in the log)."""
    entry = periodic_jobs().get(name)
    outcome, error = "", ""
    started = time.monotonic()
    try:
        if entry is None:
            raise LookupError(f"No periodic job {name!r} is registered.")
        outcome = str(entry[0]() or "")
    except Exception as exc:
        log.exception("scheduled job %s failed", name)
        error = f"{type(exc).__name__}: {exc}"
    ScheduledJob.objects.filter(name=name).update(
        running=False,
        last_finished_at=timezone.now(),
        last_outcome=fit(ScheduledJob, "last_outcome", f"{outcome} ({time.monotonic() - started:.2f} s)".strip()),
        last_error=error,
        runs=F("runs") + 1,
    )
    return outcome or error
