"""Security settings that hold for the whole installation: Argon2 passwords, login throttling, a
Content-Security-Policy the UI fully complies with, and `check --deploy` clean in production settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from plantwright.testing import factories

TEMPLATES = Path(settings.BASE_DIR) / "plantwright" / "templates"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = factories.UserFactory(username="argon")
    user.set_password("a long passphrase")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("a long passphrase")


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_that_username_from_that_address(client, technician):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        refused = client.post("/login/", {"username": technician.username, "password": "guess"})
        assert refused.status_code == 200  # the form again, with its error
    assert client.post("/login/", {"username": technician.username, "password": "guess"}).status_code == 429
    locked = client.post("/login/", {"username": technician.username, "password": "secret-pass"})
    assert locked.status_code == 429 and b"Too many attempts" in locked.content  # even the right one
    other = factories.UserFactory(username="colleague")
    assert client.post("/login/", {"username": other.username, "password": "secret-pass"}).status_code == 302


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, planner):
    client.force_login(planner)
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=\"", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=\"", re.I), "inline event handler"),
]


def test_no_template_holds_inline_script_or_style():
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    env = {
        **os.environ,
        "HTTPS": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "cmms.plant.example",
        "PLANTWRIGHT_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "plantwright", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.django_db
def test_api_errors_django_answers_itself_carry_the_error_body_and_nul_is_refused(api_as, planner):
    api = api_as(planner)
    status, body = api.patch("/sites", {})  # the path takes GET only
    assert status == 405 and body["error"]["code"] == "method_not_allowed"
    status, body = api.get("/no-such-thing")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = api.post("/work-requests", raw='{"title": "jam\\u0000", "asset": 1}')
    assert status == 422 and "NUL" in body["error"]["message"]
    status, body = api.get("/assets", q="pump\x00")
    assert status == 422 and body["error"]["code"] == "validation_failed"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("pragma", "code"),
    [("PRAGMA query_only = ON", "database_read_only"), ("PRAGMA max_page_count = {pages}", "disk_full")],
)
def test_a_read_only_or_full_sqlite_database_answers_503_and_stays_whole(api_as, as_user, planner, asset, pragma, code):
    from django.db import connection

    from plantwright.maintenance.models import WorkRequest

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's failure modes; PostgreSQL has its own (a hot standby is read-only)")
    api, pages = api_as(planner), as_user(planner)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM")  # no free pages left: the next row needs a new one
        pages_now = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(pragma.format(pages=pages_now))
    try:
        status, body = api.post("/work-requests", {"asset": asset.pk, "title": "Leak", "description": "y" * 4000})
        page = pages.post(
            "/requests/new/", {"asset": asset.pk, "title": "Leak", "description": "y" * 4000, "priority": "medium"}
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")
            cursor.execute("PRAGMA max_page_count = 1073741823")
    assert status == 503 and body["error"]["code"] == code
    assert page.status_code == 503
    assert not WorkRequest.objects.exists()  # nothing half-written
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
