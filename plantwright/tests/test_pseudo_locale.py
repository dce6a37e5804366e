"""Every page of the URL conf, rendered in the pseudo-locale (plantwright.testing.pseudo): each word a
person sees went through the catalogue, or is user data, a number, a code or a name."""

import re

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import translation

from plantwright.accounts.roles import Role
from plantwright.testing import factories
from plantwright.testing.html_forms import NUMBER, not_locale_neutral, read_forms
from plantwright.testing.pseudo import PSEUDO, pseudo, pseudo_locale, untranslated, visible_text
from plantwright.tests.test_page_authorization import PAGES, PageWorld

pytestmark = pytest.mark.django_db

# Pages that answer with a file or a redirect, not a page to read.
NOT_PAGES = {"logout", "attachment-download", "export-download", "account-language", "notifications-read",
             "healthz", "readyz", "metrics"}  # fmt: skip


def user_data() -> set[str]:
    """Every text the plant's people typed (names, titles, notes, codes): not for the catalogue.
    Fields with choices are left out: their stored value is a code, and a page shows its label."""
    found: set[str] = set()
    for model in apps.get_models():
        text_fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if text_fields and model._meta.app_label in {"accounts", "assets", "maintenance", "inventory",
                                                      "procurement", "downtime", "pm", "reliability", "outbox",
                                                      "erp", "notifications", "portal", "auth"}:  # fmt: skip
            for row in model.objects.values_list(*text_fields):
                found.update(str(value) for value in row if value)
    return found


@pytest.fixture
def world(site, other_site, planner):
    """The pages' records, and what fills their sentences: a stop the rules decided on, a status
    change in the history, a PM schedule with a job plan (the forecast), an audit finding."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from plantwright.downtime.services import ingest
    from plantwright.maintenance import services
    from plantwright.maintenance.models import Craft
    from plantwright.pm.models import JobPlan, JobPlanTask, PmSchedule

    world = PageWorld(site, other_site, planner)
    oee = factories.UserFactory(username="pseudo-oee", roles=[(site, Role.INTEGRATION)])
    began = timezone.now() - timedelta(days=1)
    ingest(oee, [{"event_id": "pseudo-1", "machine_id": "matrix-m1", "category": "breakdown",
                  "started_at": began.isoformat(), "ended_at": (began + timedelta(minutes=40)).isoformat()}],
           source="test")  # fmt: skip
    services.transition_work_order(planner, world.work_order, to="on_hold", note="waiting")
    plan = JobPlan.objects.create(site=site, code="PSEUDO", name="Weekly round")
    craft = Craft.objects.get_or_create(code="mech", defaults={"name": "Mechanic"})[0]
    JobPlanTask.objects.create(plan=plan, position=10, description="Look", craft=craft, estimated_hours=Decimal(1))
    PmSchedule.objects.create(site=site, asset=world.asset, job_plan=plan, name="Weekly", interval=1,
                              interval_unit="weeks", starts_on=timezone.localdate())  # fmt: skip
    factories.WorkOrderFactory(asset=world.asset, created_by=planner, type="emergency", is_failure=True,
                               status="completed", completed_at=timezone.now())  # fmt: skip
    return world


SVG_SHAPES = re.compile(r"<(?:rect|line|circle|text|polyline|path)\b[^>]*>")
COORDINATES = re.compile(r'\s(?:x|y|x1|x2|y1|y2|width|height|r|cx|cy)="([^"]*)"')


def svg_numbers(html: str) -> list[str]:
    return [value for shape in SVG_SHAPES.findall(html) for value in COORDINATES.findall(shape)]


@pytest.mark.parametrize(("name", "route"), PAGES, ids=[name for name, _route in PAGES])
def test_every_page_in_the_pseudo_locale_and_in_turkish(client, world, site, name, route):
    """Every visible word translated (pseudo-locale); every input's value and every SVG coordinate
    locale-neutral whatever the language (Turkish: decimal commas, day-first dates)."""
    if name in NOT_PAGES:
        pytest.skip("answers with a file or a redirect")
    admin = factories.UserFactory(username="pseudo-admin", roles=[(site, Role.ADMIN)], first_name="Ada")
    client.force_login(admin)
    url = reverse(name, kwargs=world.kwargs(name))
    for language in (PSEUDO, "tr"):
        type(admin).objects.filter(pk=admin.pk).update(language=language)
        with pseudo_locale():
            response = client.get(url, follow=True)
        assert response.status_code in (200, 404, 405), (language, response.status_code)
        if "text/html" not in response.get("Content-Type", ""):
            return
        html = response.content.decode()
        if language == PSEUDO:
            found = untranslated(visible_text(html), user_data())
            assert not found, "Not through the catalogue:\n" + "\n".join(found)
        else:
            assert not_locale_neutral(read_forms(html).inputs) == [], language
            assert [value for value in svg_numbers(html) if not NUMBER.match(value)] == [], language


def test_the_check_finds_a_planted_untranslated_string():
    with pseudo_locale(), translation.override(PSEUDO):
        shown = f"<h1>{translation.gettext('Work orders')}</h1><p>{translation.gettext('Open')} Parts requests</p>"
    assert pseudo("Work orders") in shown
    assert untranslated(visible_text(shown), set()) == ["Parts requests"]
    assert untranslated(visible_text("<td>WO-000123</td><td>12,5 h</td><td>Ada Lovelace</td>"), {"Ada Lovelace"}) == []
    assert untranslated(visible_text('<input placeholder="Search…">'), set()) == ["Search…"]


def test_the_check_finds_a_planted_localised_input_and_coordinate():
    planted = '<form><input type="date" name="due" value="09.12.2026"><input type="number" name="h" value="1,5"></form>'
    assert not_locale_neutral(read_forms(planted).inputs) == ["due='09.12.2026' (date)", "h='1,5' (number)"]
    assert svg_numbers('<rect x="4" width="2,355">') == ["4", "2,355"] and not NUMBER.match("2,355")
