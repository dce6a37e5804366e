"""Deliver outbox messages until stopped: `python -m plantwright outbox_worker [--once]`.

Run as many as you like; they never deliver the same message at the same time.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

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
        while not stopping:
            close_old_connections()
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
