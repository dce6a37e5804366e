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


def test_piled_up_deltas_are_folded_by_the_reader_without_a_worker(site, planner, asset):
    """No worker has run: the first read after the deltas pile up folds them itself, exactly."""
    from datetime import date

    from plantwright.maintenance.models import counts as count_rows

    made = [factories.WorkOrderFactory(asset=asset, created_by=planner, status="draft") for _ in range(3)]
    month = date(made[0].created_at.year, made[0].created_at.month, 1)
    WorkOrderCount.objects.bulk_create(  # what a bulk load's triggers leave: a +1 and a −1 per row, unfolded
        [WorkOrderCount(site_id=site.pk, status="draft", month=month, delta=d) for d in (1, -1) * 400]
    )
    assert count_rows.piled_up() > count_rows.PILE_LIMIT
    count_rows._looked_at[0] = 0.0  # as if this process had not looked for a while
    assert WorkOrderCount.objects.total([site.pk], ["draft"]) == 3 == real([site.pk], ["draft"])
    assert WorkOrderCount.objects.count() == 1 and count_rows.piled_up() == 0  # folded by the read
    WorkOrderCount.objects.bulk_create([WorkOrderCount(site_id=site.pk, status="draft", month=month, delta=0)] * 600)
    assert WorkOrderCount.objects.total([site.pk], ["draft"]) == 3  # looked a moment ago: not again yet
    assert WorkOrderCount.objects.count() == 601


def test_a_history_import_leaves_the_counts_folded(site, planner, asset):
    from plantwright.maintenance.history_import import import_history
    from plantwright.maintenance.models import counts as count_rows

    rows = "number,asset,type,title,created_at,completed_at,is_failure\n" + "".join(
        f"OLD-{n},{asset.code},corrective,Fix {n},2024-0{1 + n % 6}-10,2024-0{1 + n % 6}-11,false\n" for n in range(40)
    )
    import_history(planner, site, rows.encode(), apply=True)
    assert count_rows.piled_up() == 0
    assert WorkOrderCount.objects.total([site.pk], ["closed"]) == 40
