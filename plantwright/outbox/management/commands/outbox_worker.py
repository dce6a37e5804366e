"""Deliver outbox messages until stopped: `python -m plantwright outbox_worker [--once]`.

Run as many as you like; they never deliver the same message at the same time.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from plantwright.outbox.registry import periodic_jobs
from plantwright.outbox.services import run_once, worker_name


class Command(BaseCommand):
    help = "Deliver outbox messages (retries with backoff, dead-letter after the last attempt)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Deliver what is due, then exit.")
        parser.add_argument("--batch", type=int, default=20)
        parser.add_argument("--idle-sleep", type=float, default=0.5, help="Seconds to wait when nothing is due.")

    def handle(self, *args, once: bool, batch: int, idle_sleep: float, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        name = worker_name()
        self.stdout.write(f"outbox worker {name} started")
        last_run: dict[str, float] = {}
        while not stopping:
            close_old_connections()
            self._run_periodic(last_run)
            try:
                delivered = run_once(batch, worker=name)
            except Exception as exc:
                self.stderr.write(f"outbox worker: {exc}; retrying in 2 s")
                time.sleep(2)
                continue
            if once:
                break
            if not delivered:
                time.sleep(idle_sleep)
        self.stdout.write(f"outbox worker {name} stopped")

    def _run_periodic(self, last_run: dict[str, float]) -> None:
        """The registered periodic jobs (PM generation ...) that are due on this worker's clock."""
        for job_name, (job, every) in periodic_jobs().items():
            if time.monotonic() - last_run.get(job_name, float("-inf")) < every:
                continue
            last_run[job_name] = time.monotonic()
            try:
                outcome = job()
            except Exception as exc:  # a failing job must not stop deliveries; it runs again next period
                self.stderr.write(f"outbox worker: periodic job {job_name} failed: {exc}")
            else:
                if outcome:
                    self.stdout.write(f"outbox worker: {job_name}: {outcome}")
