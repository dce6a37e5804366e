"""Stock at moving-average cost; issues and returns post to the WO ledger; stock never goes negative."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from plantwright.accounts.roles import Role
from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.inventory import catalogue, selectors, services
from plantwright.inventory.models import StockLevel, StockMovement
from plantwright.maintenance import selectors as maintenance_selectors
from plantwright.maintenance import services as maintenance_services
from plantwright.maintenance.models import CostLine
from plantwright.testing import factories

D = Decimal


@pytest.fixture
def storekeeper(site):
    return factories.UserFactory(username="store", roles=[(site, Role.STOREROOM)])


@pytest.fixture
def store(site):
    return factories.storeroom(site)


@pytest.fixture
def bearing(db):
    return factories.part()


@pytest.fixture
def work_order(planner, asset):
    wo = maintenance_services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Bearing")
    return maintenance_services.transition_work_order(planner, wo, to="approved")


def receive(user, part, store, quantity, cost):
    return services.receive_stock(user, part_id=part.pk, storeroom_id=store.pk, quantity=D(quantity), unit_cost=D(cost))


def level(part, store):
    return StockLevel.objects.get(part=part, storeroom=store)


def test_receipts_move_the_average_cost(storekeeper, bearing, store):
    receive(storekeeper, bearing, store, "10", "5.00")
    receive(storekeeper, bearing, store, "30", "7.00")
    stock = level(bearing, store)
    assert (stock.quantity_on_hand, stock.average_cost) == (D("40"), D("6.5000"))


def test_issue_posts_at_average_and_return_reverses_at_issue_cost(storekeeper, technician, bearing, store, work_order):
    receive(storekeeper, bearing, store, "10", "4.00")
    issue = services.issue_part(technician, work_order, part_id=bearing.pk, storeroom_id=store.pk, quantity=D("4"))
    assert (issue.quantity, issue.unit_cost, issue.value) == (D("-4"), D("4.0000"), D("-16.0000"))
    receive(storekeeper, bearing, store, "6", "9.00")  # average now (6*4 + 6*9)/12 = 6.5
    assert level(bearing, store).average_cost == D("6.5000")
    back = services.return_part(technician, work_order, issue_id=issue.pk, quantity=D("1"))
    assert back.unit_cost == D("4.0000")  # at the cost it was issued at, not today's average
    stock = level(bearing, store)
    assert stock.quantity_on_hand == D("13")
    assert stock.average_cost == D("6.3077")  # (12*6.5 + 1*4) / 13
    lines = list(CostLine.objects.order_by("id").values_list("kind", "category", "amount"))
    assert lines == [("part_issue", "parts", D("16.0000")), ("part_return", "parts", D("-4.0000"))]
    assert maintenance_selectors.work_order_cost(work_order)["parts"] == D("12.0000")
    (row,) = selectors.work_order_issues(work_order)
    assert (row.issued_quantity, row.returned_quantity, row.returnable_quantity) == (D("4"), D("1"), D("3"))


def test_cannot_return_more_than_was_issued(storekeeper, technician, bearing, store, work_order):
    receive(storekeeper, bearing, store, "5", "1")
    issue = services.issue_part(technician, work_order, part_id=bearing.pk, storeroom_id=store.pk, quantity=D("2"))
    services.return_part(technician, work_order, issue_id=issue.pk, quantity=D("1.5"))
    with pytest.raises(Conflict) as info:
        services.return_part(technician, work_order, issue_id=issue.pk, quantity=D("1"))
    assert info.value.code == "return_exceeds_issue" and info.value.details["returnable"] == "0.5000"


def test_stock_cannot_go_negative_and_nothing_is_written(storekeeper, technician, bearing, store, work_order):
    receive(storekeeper, bearing, store, "2", "3")
    with pytest.raises(Conflict) as info:
        services.issue_part(technician, work_order, part_id=bearing.pk, storeroom_id=store.pk, quantity=D("3"))
    assert info.value.code == "insufficient_stock" and info.value.details["available"] == "2.0000"
    assert level(bearing, store).quantity_on_hand == D("2")
    assert not CostLine.objects.exists()
    assert StockMovement.objects.count() == 1


def test_issue_to_a_closed_work_order_is_refused(planner, storekeeper, technician, bearing, store, work_order):
    receive(storekeeper, bearing, store, "2", "3")
    for to in ["in_progress", "completed", "closed"]:
        work_order = maintenance_services.transition_work_order(planner, work_order, to=to)
    with pytest.raises(Conflict) as info:
        services.issue_part(technician, work_order, part_id=bearing.pk, storeroom_id=store.pk, quantity=D("1"))
    assert info.value.code == "work_order_not_open"
    assert level(bearing, store).quantity_on_hand == D("2")


def test_foreign_storeroom_and_unknown_part_are_refused(storekeeper, technician, bearing, work_order, other_site):
    foreign = factories.storeroom(other_site, "FAR")
    with pytest.raises(ValidationFailed) as info:
        services.issue_part(technician, work_order, part_id=bearing.pk, storeroom_id=foreign.pk, quantity=D("1"))
    assert info.value.details["field"] == "storeroom"
    with pytest.raises(ValidationFailed) as info:
        services.issue_part(technician, work_order, part_id=999999, storeroom_id=foreign.pk, quantity=D("1"))


def test_requesters_cannot_issue_and_technicians_cannot_receive(requester, technician, bearing, store, work_order):
    with pytest.raises(PermissionDenied):
        services.issue_part(requester, work_order, part_id=bearing.pk, storeroom_id=store.pk, quantity=D("1"))
    with pytest.raises(PermissionDenied):
        receive(technician, bearing, store, "1", "1")


def test_retried_issue_with_the_same_key_issues_once(storekeeper, technician, bearing, store, work_order):
    receive(storekeeper, bearing, store, "5", "2")
    kwargs = {"part_id": bearing.pk, "storeroom_id": store.pk, "quantity": D("1"), "idempotency_key": "tablet-42"}
    first = services.issue_part(technician, work_order, **kwargs)
    again = services.issue_part(technician, work_order, **kwargs)
    assert first.pk == again.pk
    assert level(bearing, store).quantity_on_hand == D("4") and CostLine.objects.count() == 1
    with pytest.raises(Conflict):
        services.issue_part(technician, work_order, **{**kwargs, "quantity": D("2")})


def test_adjustment_and_transfer_keep_value(storekeeper, bearing, store, site):
    spare = factories.storeroom(site, "SPARE")
    receive(storekeeper, bearing, store, "10", "3")
    services.adjust_stock(
        storekeeper, part_id=bearing.pk, storeroom_id=store.pk, quantity_delta=D("-1"), reason="count"
    )
    out, into = services.transfer_stock(
        storekeeper, part_id=bearing.pk, from_storeroom_id=store.pk, to_storeroom_id=spare.pk, quantity=D("4")
    )
    assert (out.quantity, into.quantity, into.unit_cost) == (D("-4"), D("4"), D("3.0000"))
    assert level(bearing, store).quantity_on_hand == D("5") and level(bearing, spare).quantity_on_hand == D("4")
    with pytest.raises(Conflict):
        services.adjust_stock(
            storekeeper, part_id=bearing.pk, storeroom_id=spare.pk, quantity_delta=D("-5"), reason="x"
        )


def test_stock_does_not_move_between_sites_of_different_currencies(bearing, store, site):
    other = factories.SiteFactory(code="brm", currency="EUR")
    site.currency = "TRY"
    site.save()
    storekeeper = factories.UserFactory(username="both-stores", roles=[(site, Role.STOREROOM), (other, Role.STOREROOM)])
    bremen = factories.storeroom(other, "BRM-MAIN")
    receive(storekeeper, bearing, store, "10", "300")  # TRY
    with pytest.raises(ValidationFailed) as refused:
        services.transfer_stock(
            storekeeper, part_id=bearing.pk, from_storeroom_id=store.pk, to_storeroom_id=bremen.pk, quantity=D("1")
        )
    assert refused.value.code == "currency_mismatch"
    assert level(bearing, store).quantity_on_hand == D("10")
    assert not StockLevel.objects.filter(storeroom=bremen, quantity_on_hand__gt=0).exists()


def test_reorder_list_suggests_quantity_to_max(storekeeper, bearing, store):
    receive(storekeeper, bearing, store, "2", "3")
    catalogue.set_stock_limits(
        storekeeper, part_id=bearing.pk, storeroom_id=store.pk, min_quantity=D("5"), max_quantity=D("20")
    )
    seal = factories.part("SEAL-1", "Seal")
    receive(storekeeper, seal, store, "50", "1")
    catalogue.set_stock_limits(
        storekeeper, part_id=seal.pk, storeroom_id=store.pk, min_quantity=D("5"), max_quantity=D("60")
    )
    (row,) = selectors.reorder_list(storekeeper)
    assert (row.part.part_number, row.reorder_quantity) == ("BRG-6205", D("18"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_of_the_last_unit_cannot_both_succeed(site, asset):
    """Two connections issue the last bearing at once: exactly one wins (row lock on PostgreSQL,
    the write lock of an IMMEDIATE transaction on SQLite)."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("in-memory SQLite is one connection per thread with no shared database; PostgreSQL runs this")
    planner = factories.UserFactory(username="p", roles=[(site, Role.PLANNER)])
    store_user = factories.UserFactory(username="s", roles=[(site, Role.STOREROOM)])
    bearing, store = factories.part(), factories.storeroom(site)
    receive(store_user, bearing, store, "1", "10")
    work_orders = []
    for _ in range(2):
        wo = maintenance_services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="x")
        work_orders.append(maintenance_services.transition_work_order(planner, wo, to="approved"))
    barrier = threading.Barrier(2)
    outcomes = []

    def issue(work_order):
        try:
            barrier.wait(timeout=5)
            services.issue_part(planner, work_order, part_id=bearing.pk, storeroom_id=store.pk, quantity=D("1"))
            outcomes.append("issued")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(wo,)) for wo in work_orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["insufficient_stock", "issued"]
    assert level(bearing, store).quantity_on_hand == 0
    assert CostLine.objects.count() == 1
