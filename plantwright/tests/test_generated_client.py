"""The published contract generates a clean client (issue 22): openapi-python-client (pinned in the
test requirements) builds a Python client from /api/v1/openapi.json with no warning, and that client
walks the main journey against a running server — request → WO → hours → parts request → submit →
the ERP's PO, receipt and invoice → the WO's cost."""

import importlib
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from plantwright.accounts.roles import Role
from plantwright.accounts.services import create_token
from plantwright.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def generated(client, tmp_path, monkeypatch):
    """The client package generated from the schema the server publishes, importable."""
    generator = shutil.which("openapi-python-client", path=str(VENV_BIN))
    if generator is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openapi-python-client is missing: `make install-test` installs it.")
        pytest.skip("openapi-python-client is not installed")
    schema = tmp_path / "openapi.json"
    schema.write_bytes(client.get("/api/v1/openapi.json").content)
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff post-hook
    run = subprocess.run(
        [generator, "generate", "--path", str(schema), "--output-path", str(tmp_path / "pw_client"), "--meta", "none"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "Warning" not in output, output  # the contract generates cleanly
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "pw_client" or m.startswith("pw_client.")]:
        del sys.modules[name]
    return importlib.import_module("pw_client")


def _call(module: str, name: str):
    return importlib.import_module(f"pw_client.api.{module}.{name}").sync_detailed


def test_the_generated_client_walks_request_to_cost(generated, live_server, site, asset, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    models = importlib.import_module("pw_client.models")
    users = {role: factories.UserFactory(username=f"gen-{role}", roles=[(site, role)])
             for role in (Role.REQUESTER, Role.PLANNER, Role.TECHNICIAN, Role.ADMIN)}  # fmt: skip
    factories.labor_rate(site, technician=users[Role.TECHNICIAN], rate="40")

    def as_(role):
        return generated.AuthenticatedClient(base_url=live_server.url, token=create_token(users[role], "gen").secret)

    raised = _call("work_requests", "plantwright_maintenance_api_raise_work_request")(
        client=as_(Role.REQUESTER), body=models.WorkRequestIn.from_dict({"asset": asset.pk, "title": "Pump leaks"})
    )
    assert raised.status_code == 201, raised.content
    approved = _call("work_requests", "plantwright_maintenance_api_approve_work_request")(
        raised.parsed.id, client=as_(Role.PLANNER), body=models.ApproveIn.from_dict({"type": "corrective"})
    )
    assert approved.status_code == 201, approved.content
    work_order = approved.parsed.id
    started = _call("work_orders", "plantwright_maintenance_api_transition_work_order")(
        work_order, client=as_(Role.TECHNICIAN), body=models.TransitionIn.from_dict({"to": "in_progress"})
    )
    assert started.status_code == 200, started.content
    booked = _call("hours_and_cost", "plantwright_maintenance_api_costs_log_labor")(
        work_order, client=as_(Role.TECHNICIAN),
        body=models.LaborIn.from_dict({"technician": users[Role.TECHNICIAN].pk, "hours": "2",
                                       "work_date": site.local_date().isoformat()}),
    )  # fmt: skip
    assert booked.status_code == 201, booked.content
    line = {"kind": "part", "description": "Seal kit", "quantity": "2", "estimated_unit_cost": "12"}
    requested = _call("parts_requests_and_p_os", "plantwright_procurement_api_create_parts_request")(
        work_order, client=as_(Role.PLANNER), body=models.PartsRequestIn.from_dict({"lines": [line], "submit": True})
    )
    assert requested.status_code == 201 and requested.parsed.status == "submitted", requested.content
    request_line = requested.parsed.lines[0].id

    receive = _call("erp_events", "plantwright_erp_api_receive_events")
    events = [
        models.PoChanged.from_dict({"event_id": "gen-po", "type": "po.created", "occurred_at": "2026-11-02T08:00:00Z",
                                    "po_number": "4500001", "currency": site.currency,
                                    "lines": [{"po_line": 10, "request_line": request_line, "quantity": "2",
                                               "unit_price": "12.50"}]}),
        models.ReceiptPosted.from_dict({"event_id": "gen-gr", "type": "receipt.posted",
                                        "occurred_at": "2026-11-02T09:00:00Z", "po_number": "4500001",
                                        "receipt_number": "GR-1", "lines": [{"po_line": 10, "quantity": "2"}]}),
        models.InvoicePosted.from_dict({"event_id": "gen-inv", "type": "invoice.posted",
                                        "occurred_at": "2026-11-02T10:00:00Z", "po_number": "4500001",
                                        "invoice_number": "INV-1", "currency": site.currency,
                                        "lines": [{"po_line": 10, "quantity": "2", "amount": "26.00"}]}),
    ]  # fmt: skip
    for event in events:
        answer = receive(client=as_(Role.ADMIN), body=event, site=site.code)
        assert answer.status_code == 200, answer.content

    cost = _call("hours_and_cost", "plantwright_maintenance_api_costs_work_order_cost")(
        work_order, client=as_(Role.PLANNER)
    )
    assert cost.status_code == 200, cost.content
    figures = cost.parsed.to_dict()
    assert Decimal(figures["labor"]) == 80 and Decimal(figures["parts"]) == 26  # 2 h × 40; the invoice
