"""Query budgets of the hot paths (issue 25): a batch costs the same handful of queries whatever its
size. A change that adds a query per event, per message or per row fails here before any benchmark
(the ERP batch once grew to ~220 queries per 100 events: a notification per receipt)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plantwright.testing import factories
from plantwright.testing.erp_events import invoice, po_created, receipt

pytestmark = pytest.mark.django_db


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def _submitted_requests(planner, asset, count: int) -> list:
    from plantwright.procurement import services

    found = []
    for _ in range(count):
        work_order = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
        lines = [{"description": "Seal kit", "quantity": Decimal(2), "estimated_unit_cost": Decimal(10)}]
        found.append(services.submit_parts_request(planner, services.create_parts_request(planner, work_order,
                                                                                          lines=lines)))  # fmt: skip
    return found


def _erp_events(requests: list, offset: int) -> list[dict]:
    events = []
    for n, request in enumerate(requests, start=offset):
        po = f"PO{n}"
        events += [po_created(request, po=po, prices=("12.00",)), receipt({10: "2"}, po=po, number=f"GR{n}"),
                   invoice({10: ("2", "25.00")}, po=po, number=f"IN{n}")]  # fmt: skip
    return events


ERP_BATCH_BUDGET = 30


def test_an_erp_batch_of_99_events_costs_what_one_of_9_does(site, planner, asset):
    """PO, receipt (with its owner told) and invoice for 33 request lines: ~24 queries, as for 3."""
    from plantwright.procurement.events import ingest

    small, large = _submitted_requests(planner, asset, 3), _submitted_requests(planner, asset, 33)
    batches = [_erp_events(small, 0), _erp_events(large, 100)]
    counts = [_queries(lambda events=events: ingest(site, "api:north", events)) for events in batches]
    assert counts[1] <= ERP_BATCH_BUDGET, counts
    assert counts[1] - counts[0] <= 3, counts  # nothing per event


def test_a_downtime_batch_of_200_costs_what_one_of_20_does(site, asset):
    from plantwright.accounts.roles import Role
    from plantwright.downtime.models import DowntimeRule
    from plantwright.downtime.services import ingest
    from plantwright.downtime.tests.test_services import event

    oee = factories.UserFactory(username="oee", roles=[(site, Role.INTEGRATION)])
    DowntimeRule.objects.create(site=site, position=1, name="minor", action="repeated", categories=["minor_stop"],
                                repeat_count=3, repeat_window_hours=8)  # fmt: skip
    counts = [_queries(lambda n=n, base=base: ingest(oee, [event(f"m-{base + i}", base + 2 * i, base + 2 * i + 1,
                                                                  "minor_stop") for i in range(n)], source="test"))
              for n, base in ((20, 0), (200, 10_000))]  # fmt: skip
    assert counts[1] <= 30 and counts[1] - counts[0] <= 3, counts


def test_an_outbox_claim_of_50_messages_costs_what_one_of_5_does(site):
    from plantwright.outbox.registry import register
    from plantwright.outbox.services import enqueue, run_once

    register("budget.noop", lambda message: {"ok": True})
    counts = []
    for n, name in ((5, "a"), (50, "b")):
        for i in range(n):
            enqueue("budget.noop", {"i": i}, idempotency_key=f"budget-{name}-{i}", site=site)
        counts.append(_queries(lambda n=n: run_once(batch=n)))
    assert counts[1] <= 12 and counts[1] - counts[0] <= 2, counts
