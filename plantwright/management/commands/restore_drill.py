"""The backup and restore drill: a backup nobody has restored is a hope, not a backup.

Dumps the database (`pg_dump --format=custom`), restores the dump into a scratch database on the same
server, and proves the copy whole: every table holds as many rows as the original, and the copy's
migrations are current. The scratch database is dropped afterwards; the dump is kept (`--keep-in`),
so the drill also makes the nightly backup. Run it from cron or a systemd timer (docs/deploy.md).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def _conninfo(database: str | None = None) -> dict[str, str]:
    db = settings.DATABASES["default"]
    info = {
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "dbname": database or db["NAME"],
    }
    return {key: value for key, value in info.items() if value}


def _env(info: dict[str, str]) -> dict[str, str]:
    """libpq's environment for pg_dump / pg_restore (keeps the password off the command line)."""
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE"}
    return {**os.environ, **{names[key]: value for key, value in info.items()}}


def _row_counts(info: dict[str, str]) -> dict[str, int]:
    with psycopg.connect(**info) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT quote_ident(table_name) FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


class Command(BaseCommand):
    help = "Dump the PostgreSQL database, restore it into a scratch database, compare every table, drop it."

    def add_arguments(self, parser):
        parser.add_argument("--keep-in", default=str(Path(settings.VAR_DIR) / "backups"), help="Where the dump is kept")

    def handle(self, *args, keep_in: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The restore drill is for PostgreSQL (DATABASE_URL=postgres://...).")
        source = _conninfo()
        directory = Path(keep_in)
        directory.mkdir(parents=True, exist_ok=True)
        dump = directory / f"{source['dbname']}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.dump"
        started = time.monotonic()
        self._run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump)], source)
        scratch = f"restore_drill_{os.getpid()}_{int(time.time())}"
        with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{scratch}"')
            try:
                copy = {**source, "dbname": scratch}
                self._run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", scratch, str(dump)], copy)
                expected, restored = _row_counts(source), _row_counts(copy)
                if expected != restored:
                    differing = sorted(
                        t for t in expected.keys() | restored.keys() if expected.get(t) != restored.get(t)
                    )
                    raise CommandError(f"The restored copy differs in {len(differing)} tables: {differing[:10]}")
                self._check_migrations(copy)
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        self.stdout.write(
            f"restore drill passed: {len(expected)} tables, {sum(expected.values())} rows, "
            f"{dump.stat().st_size} bytes in {dump}, {time.monotonic() - started:.1f} s"
        )

    def _run(self, command: list[str], info: dict[str, str]) -> None:
        done = subprocess.run(command, env=_env(info), capture_output=True, text=True)
        if done.returncode:
            raise CommandError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")

    def _check_migrations(self, info: dict[str, str]) -> None:
        url = "postgres://{user}{password}@{host}{port}/{dbname}".format(
            user=info.get("user", ""),
            password=f":{info['password']}" if info.get("password") else "",
            host=info.get("host", ""),
            port=f":{info['port']}" if info.get("port") else "",
            dbname=info["dbname"],
        )
        done = subprocess.run(
            [sys.executable, "-m", "plantwright", "migrate", "--check"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise CommandError(f"The restored copy's migrations are not current: {done.stdout[-1000:]}")
