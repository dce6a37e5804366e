"""Structured logs: with LOG_FORMAT=json each line is a JSON object carrying the id of the request it
belongs to; the id is the proxy's X-Request-ID when sane, else a new one, and answered."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from plantwright.core.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_every_answer_carries_a_request_id_and_a_sane_offered_one_is_kept(client):
    new = client.get("/healthz")["X-Request-ID"]
    assert len(new) == 32 and int(new, 16) >= 0
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-4711-abcd"})["X-Request-ID"] == "proxy-4711-abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x"\n{"level": "CRITICAL"}'})["X-Request-ID"]
    assert "\n" not in forged and len(forged) == 32  # never a way to write log lines of one's own


def test_a_line_logged_during_a_request_carries_its_id_as_json(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("plantwright.requests")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.get("/healthz", headers={"X-Request-ID": "req-0000-1111"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["request_id"] == "req-0000-1111" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200) and line["duration_ms"] >= 0


def test_log_format_json_makes_every_line_json():
    """A process started with LOG_FORMAT=json (as production would) writes JSON lines only."""
    code = "import logging; logging.getLogger('plantwright.x').warning('hello %s', 'plant')"
    done = subprocess.run(
        [sys.executable, "-m", "plantwright", "shell", "-c", code],
        capture_output=True, text=True, timeout=60, cwd=settings.BASE_DIR,
        env={**os.environ, "LOG_FORMAT": "json"},
    )  # fmt: skip
    lines = [json.loads(text) for text in done.stderr.splitlines() if text.strip()]
    assert [(line["message"], line["level"], line["request_id"]) for line in lines] == [("hello plant", "WARNING", "")]
