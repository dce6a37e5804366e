"""The WO lifecycle: the transition table, who may move what, and what completion needs."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.accounts.roles import Role
from plantwright.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from plantwright.maintenance import services
from plantwright.maintenance.lifecycle import NOTE_REQUIRED, TRANSITIONS
from plantwright.maintenance.models import WorkOrder, WorkOrderStatus, WorkOrderTransition
from plantwright.testing import factories


def make_wo(planner, asset, **fields):
    return services.create_work_order(
        planner, asset_id=asset.pk, type=fields.pop("type", "corrective"), title="Fix it", **fields
    )


def test_new_wo_is_draft_numbered_and_records_its_creation(planner, asset):
    first = make_wo(planner, asset)
    second = make_wo(planner, asset)
    assert first.status == WorkOrderStatus.DRAFT
    assert first.number.startswith("WO-") and len(first.number) == 9
    assert int(second.number[3:]) == int(first.number[3:]) + 1
    (created,) = first.transitions.all()
    assert (created.from_status, created.to_status, created.actor) == ("", "draft", planner)


def test_emergency_wo_is_a_failure_by_default_and_reactive(planner, asset):
    wo = make_wo(planner, asset, type="emergency")
    assert wo.is_failure is True
    assert wo.planned is False
    assert make_wo(planner, asset, type="preventive").planned is True
    assert make_wo(planner, asset, type="emergency", is_failure=False).is_failure is False


def test_full_happy_path_records_every_step(planner, technician, asset):
    wo = make_wo(planner, asset)
    for actor, to in [
        (planner, "approved"),
        (planner, "scheduled"),
        (technician, "in_progress"),
        (technician, "completed"),
        (planner, "closed"),
    ]:
        wo = services.transition_work_order(actor, wo, to=to)
    assert wo.status == "closed"
    assert wo.completed_at is not None
    steps = list(wo.transitions.values_list("from_status", "to_status"))
    assert steps == [
        ("", "draft"),
        ("draft", "approved"),
        ("approved", "scheduled"),
        ("scheduled", "in_progress"),
        ("in_progress", "completed"),
        ("completed", "closed"),
    ]


def test_illegal_transition_is_refused_and_changes_nothing(planner, asset):
    wo = make_wo(planner, asset)
    with pytest.raises(InvalidTransition) as info:
        services.transition_work_order(planner, wo, to="completed")
    assert info.value.status == 409
    assert info.value.details["allowed"] == ["approved", "cancelled"]
    wo.refresh_from_db()
    assert wo.status == "draft"
    assert wo.transitions.count() == 1


def test_closed_wo_is_final_and_read_only(planner, technician, asset):
    wo = make_wo(planner, asset)
    for to in ["approved", "in_progress", "completed", "closed"]:
        wo = services.transition_work_order(planner, wo, to=to)
    with pytest.raises(InvalidTransition):
        services.transition_work_order(planner, wo, to="in_progress")
    with pytest.raises(Conflict):
        services.update_work_order(planner, wo, {"title": "Rewrite history"})


def test_technician_cannot_approve_or_cancel(planner, technician, asset):
    wo = make_wo(planner, asset)
    with pytest.raises(PermissionDenied):
        services.transition_work_order(technician, wo, to="approved")
    wo = services.transition_work_order(planner, wo, to="approved")
    with pytest.raises(PermissionDenied):
        services.transition_work_order(technician, wo, to="cancelled", note="not needed")
    assert services.transition_work_order(technician, wo, to="in_progress").status == "in_progress"


def test_requester_can_do_nothing_to_a_wo(planner, requester, asset):
    wo = make_wo(planner, asset)
    with pytest.raises(PermissionDenied):
        services.transition_work_order(requester, wo, to="approved")
    with pytest.raises(PermissionDenied):
        make_wo(requester, asset)


def test_cancel_and_hold_need_a_note(planner, technician, asset):
    wo = make_wo(planner, asset)
    with pytest.raises(ValidationFailed):
        services.transition_work_order(planner, wo, to="cancelled")
    wo = services.transition_work_order(planner, wo, to="approved")
    wo = services.transition_work_order(technician, wo, to="in_progress")
    with pytest.raises(ValidationFailed):
        services.transition_work_order(technician, wo, to="on_hold", note="   ")
    wo = services.transition_work_order(technician, wo, to="on_hold", note="Waiting for seal kit")
    assert wo.transitions.last().note == "Waiting for seal kit"


def test_completing_a_failure_wo_needs_restore_time_and_codes(planner, technician, asset):
    down = timezone.now() - timedelta(hours=3)
    wo = make_wo(planner, asset, type="emergency", down_since=down)
    services.transition_work_order(planner, wo, to="approved")
    services.transition_work_order(technician, wo, to="in_progress")
    with pytest.raises(Conflict) as info:
        services.transition_work_order(technician, wo, to="completed")
    assert info.value.code == "completion_requirements_unmet"
    assert info.value.details["missing"] == ["restored_at", "failure.problem", "failure.cause", "failure.remedy"]
    for kind, code in [("problem", "VIB"), ("cause", "MIS"), ("remedy", "ADJ")]:
        factories.failure_code(kind, code)
    services.update_work_order(
        technician,
        wo,
        {"restored_at": down + timedelta(hours=2), "failure": {"problem": "VIB", "cause": "MIS", "remedy": "ADJ"}},
    )
    finished = timezone.now() - timedelta(minutes=20)
    wo = services.transition_work_order(technician, wo, to="completed", completed_at=finished)
    assert wo.status == "completed" and wo.completed_at == finished
    assert (wo.problem_code.code, wo.cause_code.code, wo.remedy_code.code) == ("VIB", "MIS", "ADJ")


def test_reopening_clears_completion_time(planner, asset):
    wo = make_wo(planner, asset)
    for to in ["approved", "in_progress", "completed"]:
        wo = services.transition_work_order(planner, wo, to=to)
    wo = services.transition_work_order(planner, wo, to="in_progress", note="Leak came back")
    assert wo.completed_at is None


def test_restored_before_down_is_refused(planner, asset):
    now = timezone.now()
    with pytest.raises(ValidationFailed):
        make_wo(planner, asset, down_since=now - timedelta(hours=1), restored_at=now - timedelta(hours=2))
    with pytest.raises(ValidationFailed):
        make_wo(planner, asset, down_since=now + timedelta(days=2))


def test_unknown_failure_code_is_refused(planner, asset):
    with pytest.raises(ValidationFailed) as info:
        make_wo(planner, asset, failure={"problem": "NOPE"})
    assert info.value.details["field"] == "failure.problem"
    assert not WorkOrder.objects.exists()


def test_only_site_technicians_can_be_assigned(planner, technician, outsider, asset):
    wo = make_wo(planner, asset, assigned_to=[technician.pk])
    assert list(wo.assigned_to.all()) == [technician]
    with pytest.raises(ValidationFailed) as info:
        make_wo(planner, asset, assigned_to=[outsider.pk])
    assert info.value.details["users"] == [outsider.pk]


def test_every_change_is_in_the_history(planner, technician, asset):
    wo = make_wo(planner, asset)
    services.update_work_order(planner, wo, {"title": "Replace seal", "priority": "high"})
    latest = wo.history.latest()
    assert latest.title == "Replace seal" and latest.history_user == planner
    previous = latest.prev_record
    changed = {c.field for c in latest.diff_against(previous).changes}
    assert {"title", "priority"} <= changed


class TestTransitionSequences(TestCase):
    """Whatever moves anyone tries, the WO only ever follows the table, and each move is recorded."""

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.sampled_from(WorkOrderStatus.values), max_size=12))
    def test_random_moves_follow_the_table(self, targets):
        site = factories.SiteFactory(code="prop")
        admin = factories.UserFactory(username="prop-admin", roles=[(site, Role.ADMIN)])
        asset = factories.AssetFactory(site=site)
        wo = make_wo(admin, asset)
        expected = 1
        for to in targets:
            before = wo.status
            try:
                wo = services.transition_work_order(admin, wo, to=to, note="because")
            except InvalidTransition:
                assert to not in TRANSITIONS[before]
                continue
            assert to in TRANSITIONS[before]
            expected += 1
        assert WorkOrderTransition.objects.filter(work_order=wo).count() == expected
        chain = list(
            WorkOrderTransition.objects.filter(work_order=wo).order_by("id").values_list("from_status", "to_status")
        )
        for (_, previous_to), (next_from, _) in itertools.pairwise(chain):
            assert previous_to == next_from


def test_note_required_moves_are_all_legal_moves():
    for from_status, to_status in NOTE_REQUIRED:
        assert to_status in TRANSITIONS[from_status]
