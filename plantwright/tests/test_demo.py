"""The demo plant `make run` loads: complete, and its pages are not empty."""

from django.core.management import call_command

from plantwright.accounts.models import User
from plantwright.assets.models import Asset
from plantwright.maintenance.models import ContractorEntry, CostLine, LaborEntry, WorkOrder, WorkRequest


def test_demo_plant_loads_once_and_has_cost(db, client, capsys):
    call_command("load_demo", "--if-empty")
    out = capsys.readouterr().out
    assert "Demo plant loaded." in out and "planner" in out
    assert 55 <= Asset.objects.count() <= 70
    assert Asset.objects.filter(parent__isnull=False).exists()
    assert (
        WorkOrder.objects.filter(status="closed").exists() and WorkOrder.objects.filter(status="in_progress").exists()
    )
    assert WorkRequest.objects.filter(status="new").exists()
    assert LaborEntry.objects.exists() and ContractorEntry.objects.exists()
    assert CostLine.objects.filter(category="parts").exists()
    from plantwright.notifications.models import Notification
    from plantwright.outbox.models import OutboxMessage

    assert Notification.objects.exists()  # its past shows in the app ...
    assert not OutboxMessage.objects.filter(topic="notifications.email", status="pending").exists()  # ... unmailed
    call_command("load_demo", "--if-empty")
    assert "Demo plant loaded." not in capsys.readouterr().out

    client.force_login(User.objects.get(username="planner"))
    wo = WorkOrder.objects.filter(status="closed", site__code="ist").first()
    html = client.get(f"/work-orders/{wo.pk}/").content.decode()
    assert 'id="ledger"' in html and "No cost yet." not in html
    asset_page = client.get(f"/assets/{wo.asset_id}/").content.decode()
    assert "Maintenance cost" in asset_page and "No cost in the last 12 months." not in asset_page

    _a_year_of_pm_history(client)


def _a_year_of_pm_history(client):
    from datetime import timedelta

    from plantwright.accounts.models import Site
    from plantwright.pm.selectors import compliance, forecast

    site = Site.objects.get(code="ist")
    today = site.local_date()
    year = compliance(site, start=today - timedelta(days=365), end=today)
    assert year.due > 40 and 0.6 < year.ratio < 0.95  # some late, some missed
    overdue = WorkOrder.objects.filter(origin="pm", status="approved", due_date__lt=today - timedelta(days=30))
    assert overdue.exists()
    assert WorkOrder.objects.filter(origin="inspection").exists()  # failed checklist items had follow-ups
    assert forecast(site, today=today, days=90).occurrences
    client.force_login(User.objects.get(username="planner"))
    assert client.get(f"/pm/forecast/?site={site.pk}").status_code == 200
    dashboard = client.get(f"/reliability/?site={site.pk}").content.decode()
    assert "PM compliance" in dashboard and "No failure downtime" not in dashboard
