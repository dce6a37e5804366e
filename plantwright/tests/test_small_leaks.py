"""The low findings of issue 24: nothing of another site named, rates for planners only, no open
redirect, a private secret key file."""

import os
import stat
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from plantwright.accounts.roles import Role
from plantwright.maintenance import services
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def _rate(site, technician):
    services.set_labor_rate(
        factories.UserFactory(username=f"rates-{site.code}", roles=[(site, Role.MANAGER)]),
        site_id=site.pk,
        technician_id=technician.pk,
        craft_code=None,
        hourly_rate=Decimal("42.00"),
        effective_from=date(2026, 1, 1),
    )


def test_reversing_another_sites_labor_entry_names_nothing_of_it(api_as, planner, technician, asset, other_site):
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress")
    _rate(asset.site, technician)
    entry = services.log_labor(
        planner, work_order, technician_id=technician.pk, hours=Decimal("1"), work_date=date(2026, 11, 20)
    )
    stranger = factories.UserFactory(username="planner-south", roles=[(other_site, Role.PLANNER)])
    status, body = api_as(stranger).post(f"/labor/{entry.pk}/reverse", {"reason": "probe"})
    assert status == 404 and body["error"]["message"] == f"Entry {entry.pk} does not exist."
    assert str(work_order.pk) not in body["error"]["message"].replace(str(entry.pk), "")
    status, missing = api_as(stranger).post("/labor/999999/reverse", {"reason": "probe"})
    assert missing["error"]["message"] == "Entry 999999 does not exist."


def test_labor_rates_are_for_those_who_plan_the_work(api_as, requester, technician, planner, site):
    _rate(site, technician)
    for user in (requester, technician):
        status, body = api_as(user).get("/labor-rates")
        assert status == 403 and "42" not in str(body)
    status, rates = api_as(planner).get("/labor-rates")
    assert status == 200 and [r["hourly_rate"] for r in rates] == ["42.0000"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_no_form_redirects_to_another_host(as_user, site, target):
    from plantwright.outbox.services import enqueue

    admin = factories.UserFactory(username="redirect-admin", roles=[(site, Role.ADMIN)])
    message = enqueue("erp.parts_request", {"x": 1}, idempotency_key="redirect-1", site=site)
    client = as_user(admin)
    response = client.post(f"/integrations/outbox/{message.pk}/retry/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/integrations/outbox/"
    response = client.post("/account/language/", {"language": "en", "next": target})
    assert (
        response.status_code == 302 and "evil" not in response["Location"] and "javascript" not in response["Location"]
    )


def test_the_generated_secret_key_file_is_private_from_its_first_byte(tmp_path):
    env = {**os.environ, "PLANTWRIGHT_VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": ""}
    env.pop("SECRET_KEY")
    subprocess.run(
        [sys.executable, "-c", "import os; os.umask(0o022); import plantwright.settings"], env=env, check=True
    )
    key = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text()) > 50
