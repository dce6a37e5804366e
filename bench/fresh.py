"""The benchmarks' own database, built from scratch: `fresh_database()` before `django.setup()`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(url: str) -> None:
    """Drop and recreate the PostgreSQL database named in `url` (or delete the SQLite file), then migrate."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "-m", "plantwright", "migrate", "-v0"], cwd=ROOT, check=True)
