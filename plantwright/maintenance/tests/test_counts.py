"""The WO list's counts and deep pages from WorkOrderCount: always the real count and the real rows."""

from datetime import UTC, datetime, timedelta

import pytest

from plantwright.core.http.paging import keys_first
from plantwright.maintenance.models import WorkOrder, WorkOrderCount
from plantwright.maintenance.selectors import counts, list_work_orders
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def real(site_ids, statuses) -> int:
    rows = WorkOrder.objects.all()
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    return rows.count()


def assert_counts(sites) -> None:
    for site_ids in (None, [s.pk for s in sites], [sites[0].pk]):
        for statuses in (None, ["draft"], ["closed", "in_progress"]):
            assert WorkOrderCount.objects.total(site_ids, statuses) == real(site_ids, statuses), (site_ids, statuses)


def test_every_change_of_a_work_order_keeps_the_counts_exact(site, other_site, planner, asset):
    elsewhere = factories.AssetFactory(site=other_site, code="S-1")
    made = [factories.WorkOrderFactory(asset=asset, created_by=planner, status="draft") for _ in range(5)]
    made += [factories.WorkOrderFactory(asset=elsewhere, created_by=planner, status="closed") for _ in range(3)]
    assert_counts([site, other_site])
    WorkOrder.objects.filter(pk__in=[w.pk for w in made[:3]]).update(status="in_progress")  # bulk: no signal
    made[3].status = "closed"
    made[3].save()
    WorkOrder.objects.filter(pk=made[4].pk).update(created_at=datetime(2024, 3, 5, tzinfo=UTC))  # backdated
    assert_counts([site, other_site])
    WorkOrder.objects.filter(pk=made[5].pk).delete()
    counts.compact()
    assert_counts([site, other_site])
    assert WorkOrderCount.objects.count() <= 6  # folded: one row per site, status and month
    counts.compact()  # again: nothing changes
    assert_counts([site, other_site])


def test_deep_pages_are_the_same_rows_as_a_plain_offset(site, planner, asset, settings, monkeypatch):
    monkeypatch.setattr(WorkOrder.objects._queryset_class, "SHALLOW", 0)  # every page through the months
    first = datetime(2026, 1, 1, tzinfo=UTC)
    made = [factories.WorkOrderFactory(asset=asset, created_by=planner, status="closed") for _ in range(23)]
    for n, work_order in enumerate(made):  # spread over five months, some at the same instant
        WorkOrder.objects.filter(pk=work_order.pk).update(created_at=first + timedelta(days=7 * (n // 2)))
    counts.compact()
    listed = list_work_orders(planner, status="closed", site_id=site.pk)
    plain = list(
        WorkOrder.objects.filter(site=site, status="closed").order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    assert listed.count() == 23
    for offset in range(0, 26):
        for limit in (1, 4, 50):
            assert listed.page_keys(offset, limit) == plain[offset : offset + limit], (offset, limit)
    assert [w.pk for w in keys_first(listed, 10, 5)] == plain[10:15]


def test_a_filter_beyond_sites_and_statuses_counts_the_rows(site, planner, asset):
    factories.WorkOrderFactory(asset=asset, created_by=planner, status="draft", title="pump seal")
    factories.WorkOrderFactory(asset=asset, created_by=planner, status="draft", title="belt")
    listed = list_work_orders(planner, status="draft", site_id=site.pk)
    assert listed._counted is not None and listed.count() == 2
    assert listed.filter(title__icontains="seal").count() == 1  # a further filter drops the counts
    assert list_work_orders(planner, status="draft", q="seal").count() == 1
    assert listed[:1].count() == 1 and listed.none().count() == 0


def test_the_api_and_page_count_from_the_counts(api_as, as_user, planner, site, asset, outsider):
    for _ in range(3):
        factories.WorkOrderFactory(asset=asset, created_by=planner, status="closed")
    status, body = api_as(planner).get("/work-orders", site=site.pk, status="closed", limit=2, offset=0)
    assert status == 200 and body["count"] == 3 and len(body["items"]) == 2
    status, body = api_as(outsider).get("/work-orders", site=site.pk, status="closed")
    assert status == 200 and body["count"] == 0 and body["items"] == []  # not counted from another site's WOs
    html = as_user(planner).get(f"/work-orders/?site={site.pk}&status=closed").content.decode()
    assert html.count('href="/work-orders/') >= 3
