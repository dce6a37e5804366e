"""Fixtures for the procurement flow: a WO, a submitted request with a part and a service line,
and a helper that sends ERP events the way a connector would."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from plantwright.accounts.roles import Role
from plantwright.procurement import services
from plantwright.procurement.events import ingest_one
from plantwright.testing import factories

_ids = itertools.count(1)
BASE_TIME = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def purchaser(site):
    return factories.UserFactory(username=f"purchasing-{site.code}", roles=[(site, Role.PURCHASING)])


@pytest.fixture
def work_order(asset, planner):
    return factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)


@pytest.fixture
def bearing():
    return factories.part("BRG-6205", "Ball bearing 6205")


@pytest.fixture
def submitted(planner, work_order, bearing):
    """PR with line 1: 4 bearings at 12.50 est.; line 2: a contractor service, 1 job at 800 est."""
    request = services.create_parts_request(
        planner,
        work_order,
        lines=[
            {"part": bearing.pk, "quantity": Decimal(4), "estimated_unit_cost": Decimal("12.50")},
            {
                "kind": "service",
                "description": "Laser alignment",
                "quantity": Decimal(1),
                "estimated_unit_cost": Decimal(800),
            },
        ],
    )
    return services.submit_parts_request(planner, request)


def at(minutes: int) -> str:
    return (BASE_TIME + timedelta(minutes=minutes)).isoformat()


def po_created(request, *, po="4500001", prices=("12.00", "850.00"), minutes=0, event_id=None, currency="EUR"):
    lines = list(request.lines.order_by("line_no"))
    return {
        "event_id": event_id or f"evt-{next(_ids)}",
        "type": "po.created",
        "occurred_at": at(minutes),
        "po_number": po,
        "currency": currency,
        "vendor": {"code": "ACME", "name": "Acme Bearings"},
        "lines": [
            {"po_line": 10 * (i + 1), "request_line": line.pk, "quantity": str(line.quantity), "unit_price": price}
            for i, (line, price) in enumerate(zip(lines, prices, strict=False))
        ],
    }


def receipt(quantities: dict[int, str], *, po="4500001", number="GR-1", minutes=10, event_id=None):
    return {
        "event_id": event_id or f"evt-{next(_ids)}",
        "type": "receipt.posted",
        "occurred_at": at(minutes),
        "po_number": po,
        "receipt_number": number,
        "lines": [{"po_line": line, "quantity": quantity} for line, quantity in quantities.items()],
    }


def invoice(lines: dict[int, tuple[str, str]], *, po="4500001", number="INV-1", minutes=20, event_id=None):
    return {
        "event_id": event_id or f"evt-{next(_ids)}",
        "type": "invoice.posted",
        "occurred_at": at(minutes),
        "po_number": po,
        "invoice_number": number,
        "currency": "EUR",
        "lines": [{"po_line": line, "quantity": q, "amount": a} for line, (q, a) in lines.items()],
    }


@pytest.fixture
def send(site):
    """send(event) -> the EventResult, as the API's connector source would."""

    def _send(event, source="api:north"):
        return ingest_one(site, source, event)

    return _send
