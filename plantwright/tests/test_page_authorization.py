"""Who may open which page: every page of the URL conf, GET and POST, without a session and as
another site's administrator, with nothing of the owning site changed (every table's row count and
the site's records compared) and none of its data in the answer."""

from datetime import date
from typing import Any

import pytest

from plantwright.accounts.roles import Role
from plantwright.testing import factories
from plantwright.tests.test_authorization_matrix import SECRET, World, _body

pytestmark = pytest.mark.django_db

# The installable app's parts hold no data: the browser fetches them before anyone signs in.
PWA = {"web-manifest", "service-worker", "offline"}

# --- pages --------------------------------------------------------------------------------------
# Pages call the same services as the API (their `authorize` is the one table of who may do what,
# checked role by role above), so here every page is checked from outside the owning site: without
# a session (to the login page), and as an administrator of another site, for GET and POST.
# Load balancers ask these without signing in; they answer JSON with nothing of a site.
HEALTH = {"healthz", "readyz", "metrics"}  # metrics: a token or an allowed address (test_metrics.py)
# The company sign-in's doors: off to the identity provider and back (404 where none is configured).
SIGN_IN = {"oidc-sign-in", "oidc-callback"}
PUBLIC_PAGES = {"login", "logout", "account-language", "portal-scan", *PWA, *HEALTH, *SIGN_IN}
# The request portal shows an asset's name to anyone on the plant network: that is what it is for.
SHOWS_ASSET_NAMES = {"portal-scan"}
# One's own clock, notifications and preferences: posting there changes one's own rows.
OWN_PAGES = {"my-time", "notification-preferences", "notifications-read", "account-language", "logout"}
# Rows a read may add by itself (the KPI months it builds), not data of the site.
DERIVED = {"reliability.AssetMonth", "reliability.AggregatedMonths", "reliability.AssetChange"}


def _fingerprint(world: "PageWorld") -> tuple:
    """How many rows every table holds, and every field of the owning site's records."""
    from django.apps import apps

    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model.__module__.startswith("plantwright.") and model._meta.label not in DERIVED
    }
    records = [type(obj).objects.filter(pk=obj.pk).values().first() for obj in world.records()]
    return counts, records


def _pages() -> list[tuple[str, str]]:
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if not str(pattern.pattern).startswith(("api/", "admin/")):
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield pattern.name, prefix + str(pattern.pattern)

    return sorted(walk(get_resolver().url_patterns))


PAGES = _pages()


class PageWorld(World):
    def __init__(self, site, other_site, planner):
        from plantwright.downtime.models import DowntimeRule
        from plantwright.pm.models import PmSchedule
        from plantwright.reliability.models import Export

        super().__init__(site, other_site, planner)
        self.rule = DowntimeRule.objects.create(site=site, name=SECRET, action="open_wo")
        self.schedule = PmSchedule.objects.create(site=site, asset=self.asset, name=SECRET, interval=1,
                                                  starts_on=date(2026, 1, 5))  # fmt: skip
        self.export = Export.objects.create(requested_by=planner, kind="kpis", name=SECRET)
        from plantwright.accounts.models import DirectoryRoleMapping

        self.mapping = DirectoryRoleMapping.objects.create(group=SECRET, site=site, role="planner")
        from django.core.files.base import ContentFile

        from plantwright.maintenance.models import ImportJob

        self.import_job = ImportJob(site=site, kind="work_orders", requested_by=planner, file_name=SECRET,
                                    status="checked", report={"rows": 1, "created": 1})  # fmt: skip
        self.import_job.file.save("work_orders.csv", ContentFile(b"number\n"), save=False)
        self.import_job.save()

    def records(self) -> list:
        return [self.asset, self.location, self.request, self.work_order, self.labor, self.contractor,
                self.parts_request, self.line, self.po, self.message, self.attachment, self.rule, self.schedule,
                self.export, self.import_job, self.mapping]  # fmt: skip

    def kwargs(self, route: str) -> dict[str, Any]:
        from django.urls import get_resolver

        values = {
            **self.path_ids(),
            "site_id": self.site.pk,
            "action": "approve",
            "check_id": 0,
            "task_id": 0,
            "kind": "labor",
            "entry_id": self.labor.pk,
            "po_id": self.po.pk,
            "line_number": 1,
            "rule_id": self.rule.pk,
            "schedule_id": self.schedule.pk,
            "figure": "failures",
            "export_id": self.export.pk,
            "job_id": self.import_job.pk,
            "mapping_id": self.mapping.pk,
            "code": self.asset.code,
        }
        if route.startswith("parts-request"):
            values["request_id"] = self.parts_request.pk
        pattern = next(p for p in get_resolver().reverse_dict.getlist(route))
        names = pattern[0][0][1]
        return {name: values[name] for name in names}


def test_every_page_has_a_route_rule():
    """A new page must be decided: public, or behind the login (the default)."""
    assert {name for name, _route in PAGES} >= PUBLIC_PAGES | OWN_PAGES


@pytest.mark.parametrize(("name", "route"), PAGES, ids=[name for name, _route in PAGES])
def test_no_page_opens_to_outsiders(client, site, other_site, planner, name, route):
    from django.urls import reverse

    world = PageWorld(site, other_site, planner)
    url = reverse(name, kwargs=world.kwargs(name))
    outsider = factories.UserFactory(username="page-outsider", roles=[(other_site, Role.ADMIN)])
    before = _fingerprint(world)
    for signed_in in (False, True):
        if signed_in:
            client.force_login(outsider)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            body = _body(response)
            seen = (signed_in, method, response.status_code, body[:300])
            if not signed_in and name not in PUBLIC_PAGES:
                assert response.status_code == 302 and response["Location"].startswith("/login/"), seen
            assert SECRET not in body or name in SHOWS_ASSET_NAMES, seen
            if name not in OWN_PAGES:  # whatever it answered, nothing of the site changed
                assert _fingerprint(world) == before, seen
