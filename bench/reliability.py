"""Time the reliability reads on the data `python -m bench.generate` made, next to a floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plantwright_bench .venv/bin/python -m bench.reliability

Figures (median, p95, max of --repeat runs after a warm-up, in-process; pages and API through
Django's test client, so they include routing, auth, templates and serialisation):

- the full KPI report of every asset for one year, and the floor: the same per-asset figures from
  one hand-written SQL statement through psycopg (PostgreSQL only), whose results are checked equal;
- one asset's KPIs (the worst asset, with its components) and `GET /api/v1/reliability/kpis`;
- the Reliability page; the data-integrity audit (API);
- the WO list, API and page, filtered by site and status, 50 per page, at deep offsets too, with
  the number of queries of each.
"""

import argparse
import functools
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import plantwright.wsgi  # noqa: E402, F401  (pages run here as in a web process: its startup frozen)
from bench.timing import timed  # noqa: E402
from plantwright.accounts.models import Site, User  # noqa: E402
from plantwright.accounts.services import create_token  # noqa: E402
from plantwright.assets.models import Asset  # noqa: E402
from plantwright.maintenance.models import WorkOrder  # noqa: E402
from plantwright.maintenance.selectors import asset_tree_ids  # noqa: E402
from plantwright.reliability.kpis import asset_report, kpis  # noqa: E402
from plantwright.reliability.models import AssetChange  # noqa: E402
from plantwright.reliability.monthly import parts_by_asset, refresh, refresh_all  # noqa: E402
from plantwright.reliability.periods import Period, Scope  # noqa: E402

YEAR = (date(2025, 11, 1), date(2026, 11, 1))  # twelve whole months: read from the monthly aggregates
ROLLING_YEAR = (date(2025, 11, 20), date(2026, 11, 20))  # a year from any day: two partial months read raw


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


FLOOR_SQL = """
WITH p AS (SELECT %(start)s::timestamptz AS s, %(end)s::timestamptz AS e, %(d0)s::date AS d0, %(d1)s::date AS d1),
svc AS (
  SELECT a.id, EXTRACT(EPOCH FROM LEAST(COALESCE(a.decommissioned_at, p.e), p.e)
                                - GREATEST(COALESCE(a.commissioned_at, p.s), p.s)) AS secs
  FROM assets_asset a, p WHERE a.site_id = %(site)s
   AND LEAST(COALESCE(a.decommissioned_at, p.e), p.e) > GREATEST(COALESCE(a.commissioned_at, p.s), p.s)),
wo AS (
  SELECT w.asset_id,
         COUNT(*) FILTER (WHERE w.is_failure AND w.down_since >= p.s AND w.down_since < p.e) AS failures,
         COUNT(*) FILTER (WHERE w.is_failure AND w.down_since >= p.s AND w.down_since < p.e
                          AND w.restored_at IS NOT NULL) AS restored,
         SUM(EXTRACT(EPOCH FROM w.restored_at - w.down_since)) FILTER (WHERE w.is_failure AND w.down_since >= p.s
                          AND w.down_since < p.e AND w.restored_at IS NOT NULL) AS repair,
         COUNT(*) FILTER (WHERE w.completed_at >= p.s AND w.completed_at < p.e) AS completed,
         COUNT(*) FILTER (WHERE w.completed_at >= p.s AND w.completed_at < p.e
                          AND w.type IN ('preventive', 'predictive', 'inspection', 'improvement')) AS planned
  FROM maintenance_workorder w, p
  WHERE w.site_id = %(site)s AND w.status <> 'cancelled'
    AND ((w.is_failure AND w.down_since >= p.s AND w.down_since < p.e)
         OR (w.completed_at >= p.s AND w.completed_at < p.e))
  GROUP BY w.asset_id),
clipped AS (
  SELECT w.asset_id, EXTRACT(EPOCH FROM GREATEST(w.down_since, p.s)) AS s,
         EXTRACT(EPOCH FROM LEAST(COALESCE(w.restored_at, p.e), p.e)) AS e
  FROM maintenance_workorder w, p
  WHERE w.site_id = %(site)s AND w.is_failure AND w.status <> 'cancelled' AND w.down_since IS NOT NULL
    AND w.down_since < p.e AND (w.restored_at IS NULL OR w.restored_at > p.s)),
ordered AS (
  SELECT asset_id, s, e, MAX(e) OVER (PARTITION BY asset_id ORDER BY s, e
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM clipped),
dt AS (
  SELECT asset_id, SUM(CASE WHEN before IS NULL THEN e - s WHEN e > GREATEST(s, before)
                            THEN e - GREATEST(s, before) ELSE 0 END) AS secs
  FROM ordered GROUP BY asset_id),
hours AS (
  SELECT w.asset_id, x.hours, x.work_date, w.type, w.is_failure, w.down_since, w.restored_at
  FROM (SELECT work_order_id, hours, work_date FROM maintenance_laborentry
        UNION ALL SELECT work_order_id, hours, work_date FROM maintenance_contractorentry) x
  JOIN maintenance_workorder w ON w.id = x.work_order_id, p
  WHERE w.site_id = %(site)s AND w.status <> 'cancelled'
    AND ((x.work_date >= p.d0 AND x.work_date < p.d1)
         OR (w.is_failure AND w.down_since >= p.s AND w.down_since < p.e AND w.restored_at IS NOT NULL))),
h AS (
  SELECT asset_id,
         SUM(hours) FILTER (WHERE is_failure AND down_since >= p.s AND down_since < p.e
                            AND restored_at IS NOT NULL) AS active,
         SUM(hours) FILTER (WHERE work_date >= p.d0 AND work_date < p.d1) AS booked,
         SUM(hours) FILTER (WHERE work_date >= p.d0 AND work_date < p.d1
                            AND type IN ('preventive', 'predictive', 'inspection', 'improvement')) AS planned
  FROM hours, p GROUP BY asset_id),
c AS (
  SELECT w.asset_id, SUM(l.amount) FILTER (WHERE l.category = 'labor') AS labor,
         SUM(l.amount) FILTER (WHERE l.category = 'parts') AS parts,
         SUM(l.amount) FILTER (WHERE l.category = 'contractor') AS contractor
  FROM maintenance_costline l JOIN maintenance_workorder w ON w.id = l.work_order_id, p
  WHERE w.site_id = %(site)s AND l.cost_date >= p.d0 AND l.cost_date < p.d1 GROUP BY w.asset_id),
pm AS (
  SELECT w.asset_id, COUNT(*) AS due,
         COUNT(*) FILTER (WHERE w.status IN ('completed', 'closed')
                          AND (w.completed_at AT TIME ZONE %(tz)s)::date <= o.due_date + %(grace)s) AS on_time
  FROM pm_pmoccurrence o JOIN maintenance_workorder w ON w.id = o.work_order_id, p
  WHERE w.site_id = %(site)s AND o.due_date >= p.d0 AND o.due_date < p.d1 AND w.status <> 'cancelled'
  GROUP BY w.asset_id)
SELECT svc.id, svc.secs, COALESCE(dt.secs, 0), COALESCE(wo.failures, 0), COALESCE(wo.restored, 0),
       COALESCE(wo.repair, 0), COALESCE(wo.completed, 0), COALESCE(wo.planned, 0), COALESCE(h.active, 0),
       COALESCE(h.booked, 0), COALESCE(h.planned, 0), COALESCE(c.labor, 0), COALESCE(c.parts, 0),
       COALESCE(c.contractor, 0), COALESCE(pm.due, 0), COALESCE(pm.on_time, 0)
FROM svc LEFT JOIN wo ON wo.asset_id = svc.id LEFT JOIN dt ON dt.asset_id = svc.id
LEFT JOIN h ON h.asset_id = svc.id LEFT JOIN c ON c.asset_id = svc.id LEFT JOIN pm ON pm.asset_id = svc.id
"""


def floor_months(site: Site, period: Period) -> list[tuple]:
    """The report's floor of the same design: one statement over the monthly running totals (each
    asset's row of the last month less its row of the month before the first, joined), beside each
    asset's columns the report shows and its time in service, read as tuples through psycopg."""

    from plantwright.reliability.monthly import COLUMNS, _month_before

    differences = ", ".join(f"m.{c} - COALESCE(b.{c}, 0)" for _p, c, _s in COLUMNS)
    sql = f"""
      SELECT a.id, a.code, a.name, a.criticality, l.code, l.name,
             EXTRACT(EPOCH FROM LEAST(COALESCE(a.decommissioned_at, %(end)s), %(end)s)
                                - GREATEST(COALESCE(a.commissioned_at, %(start)s), %(start)s)),
             m.asset_id, {differences}
      FROM assets_asset a LEFT JOIN assets_location l ON l.id = a.location_id
      LEFT JOIN reliability_assetmonth m ON m.asset_id = a.id AND m.site_id = a.site_id AND m.month = %(last)s
      LEFT JOIN reliability_assetmonth b ON b.asset_id = a.id AND b.site_id = a.site_id AND b.month = %(before)s
      WHERE a.site_id = %(site)s ORDER BY a.code"""
    params = {"site": site.pk, "start": period.start, "end": period.end,
              "before": _month_before(period.day_from), "last": _month_before(period.day_to)}  # fmt: skip
    return _floor_connection().execute(sql, params).fetchall()


@functools.cache
def _floor_connection():
    """One psycopg connection the floors keep (as the report keeps Django's), autocommit."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
    )


def floor(site: Site, period: Period, grace: int) -> list[tuple]:
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    ) as conn:
        params = {
            "start": period.start,
            "end": period.end,
            "d0": period.day_from,
            "d1": period.day_to,
            "site": site.pk,
            "tz": site.timezone,
            "grace": grace,
        }
        return conn.execute(FLOOR_SQL, params).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--report-only", action="store_true", help="the KPI report and its floors, nothing else")
    args = parser.parse_args()
    repeat = args.repeat
    from plantwright.pm.services import grace_days

    site = Site.objects.get(code="bench")
    user = User.objects.get(username="bench")
    token = create_token(user, "bench").secret
    api = Client(headers={"Authorization": f"Bearer {token}"})
    page = Client()
    page.force_login(user)
    period = Period.of(*YEAR, site.timezone)
    scope = Scope((site.pk,))
    print(
        f"database: {connection.vendor}; {Asset.objects.count()} assets, {WorkOrder.objects.count()} WOs; "
        f"period {YEAR[0]} – {YEAR[1]} ({site.timezone})"
    )

    refresh_all()  # as the worker keeps them: built, up to date
    ours = parts_by_asset(scope, period)
    report = timed("full KPI report, every asset, one year (asset_report)", lambda: asset_report(scope, period), repeat)
    if connection.vendor == "postgresql":
        grace = grace_days(site)
        rows = floor(site, period, grace)
        for row in rows:  # the floor computes the same figures
            parts = ours[row[0]]
            assert abs(parts.downtime_seconds - Decimal(str(round(float(row[2]), 3)))) < 1, row
            counts = (parts.failures, parts.restored_failures, parts.completed, parts.completed_planned)
            assert counts == (*row[3:5], row[6], row[7]), row
            assert (parts.labor, parts.parts, parts.contractor) == (row[11], row[12], row[13]), row
            assert (parts.pm_due, parts.pm_on_time) == (row[14], row[15]), row
        print(f"  the floor returns the same figures for all {len(rows)} assets")
        best = timed(
            "floor: the same figures, one SQL statement via psycopg", lambda: floor(site, period, grace), repeat
        )
        print(f"  report / floor = {report / best:.2f}  (a floor of another design: the raw history)")
        from plantwright.reliability.monthly import COLUMNS, _stored_values

        rows = floor_months(site, period)
        for row in rows:  # the same sums as the report's, to the unit
            if row[7] is not None and row[0] in ours:  # row[7]: the months' asset id, then their sums
                assert list(row[8:]) == [_stored_values(ours[row[0]])[c] for _p, c, _s in COLUMNS], row
        print(f"  the floor over the months returns the same sums for all {len(rows)} assets")
        months = timed("floor of the same design: one statement over the monthly running totals, tuples",
                       lambda: floor_months(site, period), repeat)  # fmt: skip
        print(f"  report / floor of the same design = {report / months:.2f}  (target <= 1.5)")
    if args.report_only:
        return
    rolling = Period.of(*ROLLING_YEAR, site.timezone)
    timed(
        f"full KPI report, every asset, {ROLLING_YEAR[0]} – {ROLLING_YEAR[1]} (edges raw)",
        lambda: asset_report(scope, rolling),
        max(3, repeat // 4),
    )
    changed = list(Asset.objects.filter(site=site).order_by("?").values_list("pk", flat=True)[:100])

    def change_and_read(since=None):
        AssetChange.objects.bulk_create([AssetChange(asset_id=pk, since=since) for pk in changed])
        refresh(site)

    timed("refresh after changes to 100 random assets, any month", change_and_read, max(3, repeat // 4))
    this_month = site.local_date().replace(day=1)
    timed(
        "refresh after changes to 100 random assets this month (labor today)",
        lambda: change_and_read(this_month),
        max(3, repeat // 4),
    )
    worst = max(ours, key=lambda pk: ours[pk].failures)
    machine = Asset.objects.get(pk=worst)
    while machine.parent_id:
        machine = machine.parent
    tree = Scope.of_assets(asset_tree_ids(machine.pk))
    timed(
        f"one asset's KPIs ({machine.code}, {len(tree.asset_ids)} with components)", lambda: kpis(tree, period), repeat
    )
    query = {"asset": machine.pk, "from": YEAR[0], "to": YEAR[1]}
    timed(
        "GET /api/v1/reliability/kpis?asset= (with components)",
        lambda: api.get("/api/v1/reliability/kpis", query),
        repeat,
    )
    dash = {"site": site.pk, "from": YEAR[0], "to": YEAR[1]}
    timed("Reliability page (tiles, trends, Pareto)", lambda: page.get("/reliability/", dash), repeat)
    print(f"  {queries(lambda: page.get('/reliability/', dash))} queries")
    timed("Per-asset KPI page, first 50 of every asset", lambda: page.get("/reliability/assets/", dash), repeat)
    timed(
        "every asset's KPIs made from the report (what the export does)",
        lambda: [row.kpis for row in asset_report(scope, period)[0]],
        max(3, repeat // 4),
    )
    timed("GET /api/v1/audit/integrity (11 rules)", lambda: api.get("/api/v1/audit/integrity"), max(3, repeat // 4))
    total = WorkOrder.objects.filter(site=site, status="closed").count()
    for offset in (0, 10_000, total // 2, max(0, total - 50)):
        params = {"site": site.pk, "status": "closed", "limit": 50, "offset": offset}
        n = queries(lambda params=params: api.get("/api/v1/work-orders", params))
        timed(f"GET /api/v1/work-orders site+closed, 50 at offset {offset:,} ({n} q)",
              lambda params=params: api.get("/api/v1/work-orders", params), repeat)  # fmt: skip
    for number in (1, 200, total // 50 // 2, total // 25):
        params = {"site": site.pk, "status": "closed", "page": number}
        n = queries(lambda params=params: page.get("/work-orders/", params))
        timed(f"WO list page site+closed, 25 a page, page {number:,} ({n} q)",
              lambda params=params: page.get("/work-orders/", params), repeat)  # fmt: skip


if __name__ == "__main__":
    main()
