"""The HTML pages: they render, they call the same services, and their query counts stay bounded."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from plantwright.maintenance import services
from plantwright.maintenance.models import WorkOrder, WorkRequest
from plantwright.testing import factories


def test_every_page_renders_for_a_planner(as_user, planner, technician, asset, site):
    wo = services.create_work_order(
        planner, asset_id=asset.pk, type="corrective", title="Fix", assigned_to=[technician.pk]
    )
    request = services.raise_work_request(planner, asset_id=asset.pk, title="Leak")
    client = as_user(planner)
    for url in [
        reverse("home"),
        reverse("site-list"),
        reverse("site-tree", args=[site.pk]),
        reverse("asset-list"),
        reverse("asset-detail", args=[asset.pk]),
        reverse("work-request-list"),
        reverse("work-request-new"),
        reverse("work-request-detail", args=[request.pk]),
        reverse("work-order-list"),
        reverse("work-order-new"),
        reverse("work-order-detail", args=[wo.pk]),
        reverse("work-order-edit", args=[wo.pk]),
        reverse("token-list"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"P-101" in client.get(reverse("site-tree", args=[site.pk])).content


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(reverse("work-order-list"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_other_sites_pages_are_404(as_user, outsider, planner, asset):
    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Fix")
    client = as_user(outsider)
    assert client.get(reverse("work-order-detail", args=[wo.pk])).status_code == 404
    assert client.get(reverse("asset-detail", args=[asset.pk])).status_code == 404
    assert client.post(reverse("work-order-transition", args=[wo.pk]), {"to": "approved"}).status_code == 404
    WorkOrder.objects.get(pk=wo.pk, status="draft")


def test_operator_raises_a_request_from_the_form(as_user, requester, asset):
    client = as_user(requester)
    response = client.post(
        reverse("work-request-new"), {"asset": asset.pk, "title": "Belt squeals", "description": "", "priority": "high"}
    )
    request = WorkRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("work-request-detail", args=[request.pk])
    assert (request.title, request.priority, request.requested_by) == ("Belt squeals", "high", requester)
    page = client.get(response["Location"]).content.decode()
    assert "Triage" not in page  # requesters cannot triage


def test_planner_triages_from_the_page(as_user, requester, planner, technician, asset):
    approve_me = services.raise_work_request(requester, asset_id=asset.pk, title="Leak")
    reject_me = services.raise_work_request(requester, asset_id=asset.pk, title="Noise")
    client = as_user(planner)
    response = client.post(
        reverse("work-request-triage", args=[approve_me.pk, "approve"]),
        {"approve-type": "corrective", "approve-priority": "high", "approve-assigned_to": [technician.pk]},
    )
    wo = WorkOrder.objects.get()
    assert response["Location"] == reverse("work-order-detail", args=[wo.pk])
    assert list(wo.assigned_to.all()) == [technician]
    response = client.post(reverse("work-request-triage", args=[reject_me.pk, "reject"]), {"reject-reason": ""})
    assert response.status_code == 422
    client.post(reverse("work-request-triage", args=[reject_me.pk, "reject"]), {"reject-reason": "Normal noise"})
    reject_me.refresh_from_db()
    assert (reject_me.status, reject_me.rejection_reason) == ("rejected", "Normal noise")
    response = client.post(
        reverse("work-request-triage", args=[approve_me.pk, "approve"]),
        {"approve-type": "corrective", "approve-priority": "high"},
    )
    assert response.status_code == 409  # approved twice
    assert WorkOrder.objects.count() == 1


def _breakdown_in_progress(planner, technician, asset):
    """A breakdown down for two hours, started by the technician, with no failure data yet."""
    wo = services.create_work_order(
        planner, asset_id=asset.pk, type="emergency", title="Stopped", down_since=timezone.now() - timedelta(hours=2)
    )
    services.transition_work_order(planner, wo, to="approved")
    return services.transition_work_order(technician, wo, to="in_progress")


def test_completing_a_failure_from_the_page_explains_what_is_missing(as_user, planner, technician, asset):
    wo = _breakdown_in_progress(planner, technician, asset)
    client = as_user(technician)
    response = client.post(reverse("work-order-transition", args=[wo.pk]), {"to": "completed"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "To complete this failure, say when it ran again, the problem, the cause, the remedy." in page
    assert 'name="restored_at"' in page and 'list="codes-problem"' in page  # asked for in the Complete step
    restored = timezone.localtime(timezone.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    down = timezone.localtime(wo.down_since).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("work-order-execution", args=[wo.pk]),
        {
            "is_failure": "on",
            "down_since": down,
            "restored_at": restored,
            "problem": "BRD",
            "cause": "WEA",
            "remedy": "REP",
        },
    )
    assert response.status_code == 302, response.content.decode()
    response = client.post(reverse("work-order-transition", args=[wo.pk]), {"to": "completed"})
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=wo.pk).status == "completed"


def test_complete_answers_what_the_failure_lacks_in_one_step_or_writes_nothing(as_user, planner, technician, asset):
    wo = _breakdown_in_progress(planner, technician, asset)
    client = as_user(technician)
    url = reverse("work-order-transition", args=[wo.pk])
    restored = timezone.localtime(timezone.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    answer = {
        "to": "completed",
        "restored_at": restored,
        "problem": "BRD · Breakdown",
        "cause": "WEA",
        "remedy": "NOPE",
    }
    refused = client.post(url, answer)
    assert refused.status_code in (404, 409, 422), refused.status_code
    kept = WorkOrder.objects.get(pk=wo.pk)
    assert (kept.status, kept.restored_at, kept.problem_code_id) == ("in_progress", None, None)  # nothing half-written
    done = client.post(url, {**answer, "remedy": "REP"})
    assert done.status_code == 302, done.content.decode()[:3000]
    wo = WorkOrder.objects.select_related("problem_code", "cause_code", "remedy_code").get(pk=wo.pk)
    assert wo.status == "completed" and wo.restored_at is not None
    assert (wo.problem_code.code, wo.cause_code.code, wo.remedy_code.code) == ("BRD", "WEA", "REP")


def test_the_buttons_say_what_the_technician_does(as_user, planner, technician, asset):
    wo = factories.WorkOrderFactory(asset=asset, status="approved")
    page = as_user(technician).get(reverse("work-order-detail", args=[wo.pk])).content.decode()
    assert ">Start</button>" in page and ">In progress</button>" not in page
    services.transition_work_order(technician, wo, to="in_progress")
    page = as_user(technician).get(reverse("work-order-detail", args=[wo.pk])).content.decode()
    assert ">Pause</button>" in page and ">Complete</button>" in page


def test_a_move_decided_on_an_old_page_is_refused_not_guessed(as_user, planner, technician, asset):
    wo = _breakdown_in_progress(planner, technician, asset)
    services.transition_work_order(planner, wo, to="on_hold", note="waiting for a seal")
    # The technician's phone still shows "in progress" (kept offline) and sends Pause.
    url = reverse("work-order-transition", args=[wo.pk])
    response = as_user(technician).post(url, {"to": "on_hold", "from_status": "in_progress", "note": "lunch"})
    assert response.status_code == 409
    assert "was changed meanwhile: it is on hold now. Nothing was done." in response.content.decode()
    assert WorkOrder.objects.get(pk=wo.pk).transitions.filter(note="lunch").count() == 0
    response = as_user(technician).post(url, {"to": "in_progress", "from_status": "on_hold"})
    assert response.status_code == 302 and WorkOrder.objects.get(pk=wo.pk).status == "in_progress"


def test_work_order_list_page_query_count_is_bounded(
    as_user, planner, technician, asset, django_assert_max_num_queries
):
    for _ in range(25):
        wo = factories.WorkOrderFactory(asset=asset)
        wo.assigned_to.add(technician)
    client = as_user(planner)
    client.get(reverse("work-order-list"))  # session time zone cached
    with django_assert_max_num_queries(10):
        response = client.get(reverse("work-order-list"))
    assert response.status_code == 200
    assert response.content.decode().count("WO-T") == 25


def test_htmx_filter_returns_only_the_table(as_user, planner, asset):
    factories.WorkOrderFactory(asset=asset, status="approved", title="Grease")
    factories.WorkOrderFactory(asset=asset, status="closed", title="Old job")
    response = as_user(planner).get(reverse("work-order-list"), {"status": "approved"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "Grease" in html and "Old job" not in html


def test_asset_search_and_tree(as_user, planner, site, asset):
    factories.AssetFactory(site=site, code="CMP-01", name="Air compressor")
    client = as_user(planner)
    html = client.get(reverse("asset-list"), {"q": "compressor"}).content.decode()
    assert "CMP-01" in html and "P-101" not in html


def test_token_page_shows_secret_once_and_revokes(as_user, planner):
    client = as_user(planner)
    html = client.post(reverse("token-list"), {"action": "create", "name": "gateway"}).content.decode()
    assert 'id="new-token">pw_' in html
    token = planner.api_tokens.get()
    assert "pw_" not in client.get(reverse("token-list")).content.decode().replace(token.prefix, "")
    client.post(reverse("token-list"), {"action": "revoke", "token": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_history_names_related_records_instead_of_ids(planner, technician, asset):
    from plantwright.core.db.history import change_log

    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Fix")
    services.update_work_order(technician, wo, {"failure": {"problem": "VIB"}})
    (latest, created) = change_log(wo)
    assert latest["user"] == technician
    problem = {"field": "problem_code", "label": "Problem", "old": None, "new": "VIB · Vibration"}
    assert problem in latest["changes"]
    assert created["changes"] == [{"field": "", "old": None, "new": "created"}]


def test_history_lines_read_as_people_say_them(as_user, planner, asset):
    """`Status: In progress → On hold` in the reader's words, not `status: in_progress → on_hold`."""
    from plantwright.core.db.history import change_log

    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Fix")
    services.transition_work_order(planner, wo, to="approved")
    services.update_work_order(planner, wo, {"is_failure": True})
    changes = [change for entry in change_log(wo) for change in entry["changes"] if change["field"]]
    assert {"field": "status", "label": "Status", "old": "Draft", "new": "Approved"} in changes
    assert {"field": "is_failure", "label": "Failure", "old": "No", "new": "Yes"} in changes
    planner.language = "de"
    planner.save()
    page = as_user(planner).get(f"/work-orders/{wo.pk}/").content.decode()
    assert 'data-field="status">Status: Entwurf → Freigegeben' in page
    assert 'data-field="is_failure">Störung: Nein → Ja' in page


def test_work_order_page_query_count_does_not_grow_with_entries(
    as_user, planner, technician, site, asset, django_assert_max_num_queries
):
    from decimal import Decimal

    from plantwright.inventory import services as inventory_services

    factories.labor_rate(site, technician=technician)
    admin = factories.UserFactory(username="root", is_superuser=True)
    store, part = factories.storeroom(site), factories.part()
    inventory_services.receive_stock(
        admin, part_id=part.pk, storeroom_id=store.pk, quantity=Decimal(50), unit_cost=Decimal(2)
    )
    wo = services.create_work_order(
        planner, asset_id=asset.pk, type="corrective", title="Busy job", assigned_to=[technician.pk]
    )
    services.transition_work_order(planner, wo, to="approved")

    def add_entries(count):
        for _ in range(count):
            services.log_labor(
                technician, wo, technician_id=technician.pk, hours=Decimal("0.5"), work_date=timezone.localdate()
            )
            services.log_contractor_hours(
                technician,
                wo,
                vendor_id=factories.vendor().pk,
                person="Ali",
                hours=Decimal("0.5"),
                work_date=timezone.localdate(),
                agreed_rate=Decimal(10),
            )
            inventory_services.issue_part(technician, wo, part_id=part.pk, storeroom_id=store.pk, quantity=Decimal(1))

    client = as_user(planner)
    add_entries(2)
    client.get(reverse("work-order-detail", args=[wo.pk]))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("work-order-detail", args=[wo.pk]))
    add_entries(8)
    assert len(few.captured_queries) <= 34, len(few.captured_queries)  # incl. tasks, checks, reservations, files
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        response = client.get(reverse("work-order-detail", args=[wo.pk]))
    assert response.content.decode().count("Ali") >= 10


def test_history_names_assigned_technicians(planner, technician, asset):
    from plantwright.core.db.history import change_log

    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Fix")
    services.update_work_order(planner, wo, {"assigned_to": [technician.pk]})
    changes = [c for entry in change_log(wo) for c in entry["changes"] if c["field"] == "assigned_to"]
    assert changes and changes[0]["new"] == str(technician)


def test_history_is_read_in_the_same_number_of_queries_however_long(
    planner, technician, asset, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plantwright.core.db.history import change_log

    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Fix")

    def edit(times):
        for n in range(times):
            services.update_work_order(planner, wo, {"title": f"Fix {n}", "assigned_to": [technician.pk] * (n % 2)})

    edit(2)
    with CaptureQueriesContext(connection) as short:
        change_log(wo)
    edit(10)
    with django_assert_num_queries(len(short.captured_queries)):
        log = change_log(wo)
    assigned = [c for entry in log for c in entry["changes"] if c["field"] == "assigned_to"]
    assert len(assigned) == 11 and {c["new"] for c in assigned} == {str(technician), None}


def test_hours_booked_and_reversed_from_the_work_order_page(as_user, planner, technician, site, asset):
    from decimal import Decimal

    from plantwright.maintenance.models import LaborEntry

    factories.labor_rate(site, technician=technician, rate="30")
    wo = services.create_work_order(
        planner, asset_id=asset.pk, type="corrective", title="Fix", assigned_to=[technician.pk]
    )
    services.transition_work_order(planner, wo, to="approved")
    today = timezone.localdate().isoformat()
    response = as_user(technician).post(
        reverse("work-order-labor", args=[wo.pk]),
        {"technician": technician.pk, "work_date": today, "hours": "1.5", "overtime_multiplier": "1"},
    )
    assert response.status_code == 302
    entry = LaborEntry.objects.get()
    assert entry.amount == Decimal("45.0000")
    response = as_user(technician).post(
        reverse("work-order-labor", args=[wo.pk]),
        {"technician": technician.pk, "work_date": today, "hours": "23", "overtime_multiplier": "1"},
    )
    assert response.status_code == 422 and "a day has 24" in response.content.decode()
    as_user(planner).post(reverse("entry-reverse", args=["labor", entry.pk]), {"reason": "wrong job"})
    assert LaborEntry.objects.filter(reversal_of=entry).exists()
    page = as_user(planner).get(reverse("my-time"))
    assert page.status_code == 200
