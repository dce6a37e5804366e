"""Every form of every page, saved unchanged in Turkish and in German, does to the stored data
exactly what it does in English: a value the page rendered in the reader's locale and the browser
could not read back (a day-first date, a decimal comma) would be sent empty and lost. Forms that
edit a record change nothing at all when saved unchanged, whatever the language."""

import contextlib
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from plantwright.accounts.roles import Role
from plantwright.testing import factories
from plantwright.testing.html_forms import read_forms
from plantwright.tests.test_page_authorization import DERIVED, PAGES
from plantwright.tests.test_pseudo_locale import NOT_PAGES, world  # noqa: F401  (the pages' records)

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "tr", "de")
# Forms that end the session or move the reader elsewhere; not data of the plant.
LEFT_OUT = re.compile(r"^/(logout|account/language)/")
# Forms whose purpose is to edit a record: saved unchanged, nothing stored may change.
EDITS = re.compile(r"/(edit|schedules/\d+|preferences|rules)/?$")
# New keys, tokens and unusable passwords ("!" and a random string) differ from run to run.
_TOKEN = re.compile(r"^[0-9a-f]{24,}$|^!?[A-Za-z0-9_-]{32,}$|^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")


# A key inside a text: "28", "stock_movement:28", "/work-orders/28/".
_KEY_IN_TEXT = re.compile(r"(^|[:/])([1-9]\d*)(?=$|/)")


def _normal(value):
    """What does not depend on the run: the time now, new keys and tokens."""
    now = timezone.now()
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)  # a time inside a JSON payload (an event's occurred_at)
    if isinstance(value, datetime) and abs(value - now) < timedelta(minutes=10):
        return "now"
    if isinstance(value, datetime) and abs(value - now - timedelta(hours=24)) < timedelta(minutes=10):
        return "a day from now"  # a rotated secret's old one stays valid until then
    if isinstance(value, uuid.UUID) or (isinstance(value, str) and _TOKEN.match(value)):
        return "token"
    if isinstance(value, date) and not isinstance(value, datetime) and value == timezone.localdate():
        return "today"
    return value


def _models():
    return [m for m in apps.get_models() if m.__module__.startswith("plantwright.") and m._meta.label not in DERIVED]


def _snapshot() -> dict:
    rows = {}
    for model in _models():
        rows[model._meta.label] = {row["id"] if "id" in row else row[model._meta.pk.attname]: row
                                   for row in model.objects.values()}  # fmt: skip
    return rows


def _changes(before: dict, after: dict) -> dict:
    """Per table: each kept row's changed fields, and the new rows without their keys. A link to a
    row the form added reads "new" (its key depends on the database's sequences, which PostgreSQL
    does not roll back)."""
    found = {}
    new_keys = {pk for label, rows in after.items() for pk in rows if pk not in before[label] and isinstance(pk, int)}

    def keyed(text: str) -> str:
        """A key of a new row inside a text reads "new" too."""
        return _KEY_IN_TEXT.sub(lambda m: m[1] + ("new" if int(m[2]) in new_keys else m[2]), text)

    for model in _models():
        label = model._meta.label
        keys = {f.attname for f in model._meta.concrete_fields if f.primary_key or f.name in ("id", "history_id")}
        links = {f.attname: f.related_model._meta.label for f in model._meta.concrete_fields
                 if isinstance(f, models.ForeignKey)}  # fmt: skip

        def shown(field, value, links=links):
            target = links.get(field)
            if target is not None and value is not None and target in before and value not in before[target]:
                return "new"
            return repr(deep(value))

        def deep(value):
            """A JSON payload's texts and times normalised as a column's are."""
            if isinstance(value, dict):
                return {key: deep(item) for key, item in value.items()}
            if isinstance(value, list):
                return [deep(item) for item in value]
            return _normal(keyed(value) if isinstance(value, str) else value)

        old, new = before[label], after[label]
        changed = sorted(
            (pk, field, shown(field, value))
            for pk, row in new.items()
            if pk in old
            for field, value in row.items()
            if _normal(old[pk][field]) != _normal(value)
        )
        added = sorted(
            repr(sorted((k, shown(k, v)) for k, v in row.items() if k not in keys))
            for pk, row in new.items()
            if pk not in old
        )
        gone = sorted(pk for pk in old if pk not in new)
        if changed or added or gone:
            found[label] = {"changed": changed, "added": added, "gone": gone}
    return found


def _submit(client, page_url: str, form: dict) -> tuple:
    """Send the form as it stands and undo what it did, keeping what it did."""
    action = form["action"] or page_url
    with transaction.atomic():
        before = _snapshot()
        response = client.post(action, {k: v for k, v in form["data"].items()})
        outcome = (response.status_code, _changes(before, _snapshot()))
        transaction.set_rollback(True)
    return outcome


def _difference(english: list, other: list) -> list:
    """Where another language's outcome differs from English's: the form, the table and the entries."""
    found = []
    for (action, (status, changes)), (_action, (other_status, other_changes)) in zip(english, other, strict=False):
        if status != other_status:
            found.append((action, "status", status, other_status))
        for table in sorted(set(changes) | set(other_changes)):
            mine, theirs = changes.get(table, {}), other_changes.get(table, {})
            for part in ("changed", "added", "gone"):
                left, right = set(map(str, mine.get(part, []))), set(map(str, theirs.get(part, [])))
                if left != right:
                    found.append((action, table, part, sorted(left - right), sorted(right - left)))
    return found


def _outcomes(client, user, url: str) -> dict[str, list] | None:
    """Per language, each form of the page saved unchanged: its action, status and what it stored."""
    outcomes: dict[str, list] = {}
    for language in LANGUAGES:
        type(user).objects.filter(pk=user.pk).update(language=language)
        response = client.get(url, follow=True)
        if "text/html" not in response.get("Content-Type", "") or response.status_code != 200:
            return None
        page_url = response.request["PATH_INFO"]
        forms = [f for f in read_forms(response.content.decode()).forms
                 if f["method"] == "post" and not LEFT_OUT.match(f["action"] or page_url)]  # fmt: skip
        outcomes[language] = [(f["action"], _submit(client, page_url, f)) for f in forms]
    return outcomes


@pytest.fixture
def admin(client, site):
    admin = factories.UserFactory(username="forms-admin", roles=[(site, Role.ADMIN)], first_name="Ada")
    client.force_login(admin)
    return admin


@pytest.mark.parametrize(("name", "route"), PAGES, ids=[name for name, _route in PAGES])
def test_every_form_saved_unchanged_in_each_language_stores_the_same(client, admin, world, name, route):  # noqa: F811
    if name in NOT_PAGES:
        pytest.skip("answers with a file or a redirect")
    url = reverse(name, kwargs=world.kwargs(name))
    outcomes = _outcomes(client, admin, url)
    if not outcomes or not outcomes["en"]:
        pytest.skip("no form to save on this page")
    for language in LANGUAGES[1:]:
        assert outcomes[language] == outcomes["en"], (language, _difference(outcomes["en"], outcomes[language]))
    for action, (status, changes) in outcomes["en"]:
        if EDITS.search(action or url):
            assert changes == {}, (action, status, changes)


def test_the_check_finds_a_planted_localised_date(client, admin, world, monkeypatch):  # noqa: F811
    """The bug this test exists for: a date input written in the reader's format (Django's default)."""
    from django.utils import formats

    from plantwright.core.http.widgets import DateInput

    type(world.work_order).objects.filter(pk=world.work_order.pk).update(due_date=date(2026, 12, 9))
    monkeypatch.setattr(DateInput, "format_value", lambda self, value: formats.localize_input(value))
    outcomes = _outcomes(client, admin, reverse("work-order-edit", args=[world.work_order.pk]))
    assert outcomes["en"][0][1] == (302, {})
    _status, lost = outcomes["tr"][0][1]
    assert lost["maintenance.WorkOrder"]["changed"] == [(world.work_order.pk, "due_date", "None")]
