"""Each desk's home page and menu: a technician's work in the order they should do it, an operator's
requests with what became of them, a planner's queue, a manager's figures; each in a fixed number of
queries whatever the number of records."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from plantwright.accounts.roles import Role
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def _menu(page: str) -> list[str]:
    menu = page.split('id="pw-menu"', 1)[1].split('class="pw-account"', 1)[0]
    return re.findall(r'<a href="([^"]+)"', menu)


def test_an_operator_sees_their_requests_with_the_answer_and_a_short_menu(as_user, requester, planner, asset):
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress", number="WO-000777")
    factories.WorkRequestFactory(asset=asset, requested_by=requester, title="Oil leak", status="approved",
                                 work_order=work_order)  # fmt: skip
    factories.WorkRequestFactory(asset=asset, requested_by=requester, title="Noise", status="rejected",
                                 rejection_reason="Normal for this pump")  # fmt: skip
    factories.WorkRequestFactory(asset=asset, requested_by=planner, title="Someone else's")
    page = as_user(requester).get("/").content.decode()
    assert "Oil leak" in page and "Work order WO-000777:" in page and "In progress" in page
    assert "Normal for this pump" in page and "Someone else&#x27;s" not in page
    assert "Requests to triage" not in page and "My work" not in page
    assert _menu(page) == ["/requests/"]


def test_a_technician_sees_their_work_overdue_first_then_by_priority(as_user, technician, planner, asset, other_site):
    today = timezone.localdate()
    make = factories.WorkOrderFactory
    make(asset=asset, title="Later low", status="approved", priority="low", due_date=today + timedelta(days=3))
    urgent = make(asset=asset, title="Urgent now", status="scheduled", priority="urgent")
    late = make(asset=asset, title="Was due", status="in_progress", priority="low", due_date=today - timedelta(days=2))
    for work_order in (urgent, late):
        work_order.assigned_to.add(technician)
    colleague = factories.UserFactory(username="tech-b", roles=[(asset.site, Role.TECHNICIAN)])
    make(asset=asset, title="Colleague's", status="approved").assigned_to.add(colleague)
    make(asset=asset, title="Still a draft", status="draft")
    make(asset=asset, title="Done already", status="completed")
    make(asset=factories.AssetFactory(site=other_site), title="Other plant", status="approved")
    page = as_user(technician).get("/").content.decode()
    shown = re.findall(r"<strong>([^<]+)</strong> <span class=\"badge", page)
    assert shown == ["Was due", "Urgent now", "Later low"], shown
    assert "overdue since" in page and page.count("assigned to you") == 2 and "not assigned yet" in page
    assert "/reliability/" not in _menu(page) and "/my-time/" in _menu(page)


def test_a_planner_sees_the_triage_queue_overdue_work_and_what_waits_for_parts(as_user, planner, asset):
    from plantwright.procurement.models import PartsRequest

    factories.WorkRequestFactory(asset=asset, title="Belt squeals")
    late = factories.WorkOrderFactory(asset=asset, title="Late job", status="approved",
                                      due_date=timezone.localdate() - timedelta(days=1))  # fmt: skip
    PartsRequest.objects.create(number="PR-000001", work_order=late, site=asset.site, status="submitted",
                                requested_by=planner)  # fmt: skip
    page = as_user(planner).get("/").content.decode()
    assert "Belt squeals" in page and "Late job" in page
    waiting = page.split('id="waiting-for-parts"', 1)[1]
    assert "PR-000001" in waiting and "Submitted to purchasing" in waiting
    assert "/reliability/" in _menu(page) and "/pm/" in _menu(page)


def test_a_manager_gets_the_figures_after_the_page(as_user, manager, asset):
    client = as_user(manager)
    page = client.get("/").content.decode()
    assert 'hx-get="/reliability/at-a-glance/"' in page
    figures = client.get("/reliability/at-a-glance/").content.decode()
    assert "MTBF" in figures and "Data to fix" in figures


@pytest.mark.parametrize("desk", ["requester", "technician", "planner", "manager"])
def test_the_home_page_reads_a_fixed_number_of_queries(as_user, asset, desk, django_assert_max_num_queries, request):
    user = request.getfixturevalue(desk)
    client = as_user(user)
    client.get("/")
    for _n in range(25):
        work_order = factories.WorkOrderFactory(asset=asset, status="approved", due_date=timezone.localdate())
        work_order.assigned_to.add(user)
        factories.WorkRequestFactory(asset=asset, requested_by=user)
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200
