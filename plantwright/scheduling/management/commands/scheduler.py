"""`python -m plantwright scheduler`: put the periodic jobs that are due on the task queue.

Run one or several (they never start a job twice in one period); `db_worker` runs the jobs."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from plantwright.scheduling.services import schedule_due


class Command(BaseCommand):
    help = "Queue the periodic jobs that are due (PM generation, Tryton polls, KPI months, clean-ups)."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=1.0, help="Seconds between looks at the schedule.")
        parser.add_argument("--once", action="store_true", help="Look once, then stop.")

    def handle(self, *args, tick: float, once: bool, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("scheduler started")
        while not stopping:
            try:
                close_old_connections()
                for name in schedule_due():
                    self.stdout.write(f"scheduler: queued {name}")
            except Exception as exc:  # the database is away, or a bug: look again next tick
                self.stderr.write(f"scheduler: {type(exc).__name__}: {exc}")
            if once:
                break
            time.sleep(tick)
        self.stdout.write("scheduler stopped")
