"""Under a steady stream of bookings the Reliability page reads the months as the worker refreshed
them seconds ago (and says so) instead of rebuilding them itself; the API stays exact, and a page
refreshes them itself when the worker is behind (docs/reliability.md, How fresh)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plantwright.reliability.models import AggregatedMonths, AssetChange
from plantwright.reliability.monthly import refresh_changed
from plantwright.reliability.tests.test_kpis import plant, t  # noqa: F401 (fixture)
from plantwright.testing import factories

pytestmark = pytest.mark.django_db
JANUARY = {"from": "2026-01-01", "to": "2026-02-01"}


def failures_tile(client, site) -> int:
    html = client.get("/reliability/", {"site": site.pk, **JANUARY}).content.decode()
    return int(re.search(r'id="tile-failures">.*?<strong>(?:<a [^>]*>)?(\d+)', html, re.S).group(1))


@pytest.fixture
def window(settings):
    settings.RELIABILITY_STALE_SECONDS = 60


def another_failure(site, planner):
    asset = factories.AssetFactory(site=site, code="C", commissioned_at=t(1, 0, 1, 2020))
    failure = {"asset": asset, "type": "emergency", "is_failure": True, "created_by": planner}
    factories.WorkOrderFactory(
        **failure, down_since=t(7), restored_at=t(7, 3), status="completed", completed_at=t(7, 4)
    )


def test_the_page_reads_the_months_the_worker_refreshed_and_says_as_of_when(window, plant, site, planner, as_user):  # noqa: F811
    client = as_user(planner)
    assert failures_tile(client, site) == 4  # builds the months: refreshed now
    another_failure(site, planner)
    assert AssetChange.objects.exists()
    with CaptureQueriesContext(connection) as seen:
        page = client.get("/reliability/", {"site": site.pk, **JANUARY})
    writes = [q["sql"] for q in seen.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == [] or all("django_session" in sql for sql in writes)  # nothing rebuilt on the page
    assert failures_tile(client, site) == 4 and 'id="as-of"' in page.content.decode()
    assert refresh_changed() == site.code  # the worker's job, every 3 s
    page = client.get("/reliability/", {"site": site.pk, **JANUARY})
    assert failures_tile(client, site) == 5 and 'id="as-of"' not in page.content.decode()


def test_the_api_is_exact_within_the_window(window, plant, site, planner, as_user, api_as):  # noqa: F811
    assert failures_tile(as_user(planner), site) == 4
    another_failure(site, planner)
    status, body = api_as(planner).get("/reliability/kpis", site=site.pk, **JANUARY)
    assert status == 200 and body["failures"] == 5


def test_when_the_worker_is_behind_the_page_refreshes_itself(window, plant, site, planner, as_user):  # noqa: F811
    client = as_user(planner)
    failures_tile(client, site)
    another_failure(site, planner)
    AggregatedMonths.objects.update(refreshed_at=timezone.now() - timedelta(seconds=61))
    assert failures_tile(client, site) == 5
    assert not AssetChange.objects.exists()


def test_the_job_leaves_alone_sites_without_changes(plant, site, other_site, planner, as_user):  # noqa: F811
    failures_tile(as_user(planner), site)
    assert refresh_changed() == ""
