"""The web process's start (wsgi.py): the URLconf imported and the startup's objects frozen out of the
garbage collector's sight, whose full collections otherwise walked them every few dashboards."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, sys
import plantwright.wsgi
print(gc.get_freeze_count(), "plantwright.reliability.views" in sys.modules)
"""


def test_a_web_process_starts_with_its_views_imported_and_its_startup_frozen():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "plantwright.settings"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    frozen, views = done.stdout.split()
    assert int(frozen) > 50_000 and views == "True"
