"""The cost ledger is append-only (in code and in the database) and rolls up the asset tree in SQL."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.accounts.roles import Role
from plantwright.core.errors import Conflict
from plantwright.maintenance import selectors, services
from plantwright.maintenance.models import CostLine
from plantwright.testing import factories

D = Decimal


def post(work_order, amount, key, category="parts", cost_date=date(2026, 3, 15)):
    return services.post_cost_line(
        work_order,
        kind="po_receipt",
        category=category,
        amount=D(amount),
        cost_date=cost_date,
        source_type="test",
        source_id=key,
        idempotency_key=key,
    )[0]


def test_cost_lines_cannot_be_edited_or_deleted_through_the_orm(asset):
    line = post(factories.WorkOrderFactory(asset=asset), "10", "k1")
    line.amount = D("1")
    with pytest.raises(Conflict):
        line.save()
    with pytest.raises(Conflict):
        line.delete()
    with pytest.raises(Conflict):
        CostLine.objects.filter(pk=line.pk).update(amount=D("2"))
    with pytest.raises(Conflict):
        CostLine.objects.all().delete()
    assert CostLine.objects.get().amount == D("10.0000")


def test_the_database_refuses_updates_of_cost_lines(asset):
    line = post(factories.WorkOrderFactory(asset=asset), "10", "k1")
    table = CostLine._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET amount = 0 WHERE id = %s", [line.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [line.pk])
    assert CostLine.objects.get().amount == D("10.0000")


def test_running_total_and_category_split(asset):
    wo = factories.WorkOrderFactory(asset=asset)
    post(wo, "10", "a", "labor")
    post(wo, "5.5", "b", "parts")
    post(wo, "-2", "c", "parts")
    post(wo, "100", "d", "contractor")
    assert [line.running_total for line in selectors.cost_lines(wo)] == [D("10"), D("15.5"), D("13.5"), D("113.5")]
    cost = selectors.work_order_cost(wo)
    assert (cost["labor"], cost["parts"], cost["contractor"], cost["total"]) == (
        D("10"),
        D("3.5"),
        D("100"),
        D("113.5"),
    )


def test_asset_cost_rolls_up_components_and_respects_the_period(site):
    line = factories.AssetFactory(site=site, code="LINE")
    filler = factories.AssetFactory(site=site, code="FIL", parent=line)
    motor = factories.AssetFactory(site=site, code="MOT", parent=filler)
    other = factories.AssetFactory(site=site, code="OTHER")
    post(factories.WorkOrderFactory(asset=line), "1", "l")
    post(factories.WorkOrderFactory(asset=filler), "10", "f", "labor")
    post(factories.WorkOrderFactory(asset=motor), "100", "m")
    post(factories.WorkOrderFactory(asset=motor), "1000", "m-old", cost_date=date(2025, 12, 31))
    post(factories.WorkOrderFactory(asset=other), "5000", "o")
    period = {"date_from": date(2026, 1, 1), "date_to": date(2027, 1, 1)}
    assert selectors.asset_cost(line.pk, **period)["total"] == D("111")
    assert selectors.asset_cost(line.pk, rollup=False, **period)["total"] == D("1")
    assert selectors.asset_cost(filler.pk, **period) == {
        "labor": D("10"),
        "parts": D("100"),
        "contractor": 0,
        "total": D("110"),
    }
    assert selectors.asset_cost(motor.pk)["total"] == D("1100")
    months = selectors.asset_cost_by_month(motor.pk)
    assert [(m["month"].isoformat()[:7], m["total"]) for m in months] == [("2025-12", D("1000")), ("2026-03", D("100"))]


def test_location_cost_covers_sub_locations_and_components(site):
    plant = factories.LocationFactory(site=site, code="PLANT")
    hall = factories.LocationFactory(site=site, code="HALL", parent=plant)
    elsewhere = factories.LocationFactory(site=site, code="ELSE")
    machine = factories.AssetFactory(site=site, location=hall)
    component = factories.AssetFactory(site=site, parent=machine)  # no location of its own
    post(factories.WorkOrderFactory(asset=machine), "7", "a")
    post(factories.WorkOrderFactory(asset=component), "3", "b")
    post(factories.WorkOrderFactory(asset=factories.AssetFactory(site=site, location=elsewhere)), "50", "c")
    assert selectors.location_cost(plant.pk)["total"] == D("10")
    assert selectors.location_cost(elsewhere.pk)["total"] == D("50")


amounts = st.decimals(min_value=D("-5000"), max_value=D("5000"), places=2, allow_nan=False, allow_infinity=False)


class TestLedgerProperties(TestCase):
    """Whatever is posted, in whatever order, the ledger equals its sources and roll-ups add up."""

    @settings(max_examples=30, deadline=None)
    @given(
        postings=st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from(["labor", "parts", "contractor"]), amounts, st.integers(0, 5)),
            max_size=25,
        ),
        reverse_every=st.integers(2, 5),
    )
    def test_ledger_equals_its_sources_and_rollups_add_up(self, postings, reverse_every):
        site = factories.SiteFactory(code="prop")
        root = factories.AssetFactory(site=site, code="ROOT")
        child = factories.AssetFactory(site=site, code="CHILD", parent=root)
        grandchild = factories.AssetFactory(site=site, code="GRAND", parent=child)
        sibling = factories.AssetFactory(site=site, code="SIB", parent=root)
        assets = [root, child, grandchild, sibling]
        work_orders = [factories.WorkOrderFactory(asset=a) for a in assets]
        expected = {a.pk: D(0) for a in assets}
        posted = []
        for index, (target, category, amount, source) in enumerate(postings):
            key = f"src-{target}-{source}"  # the same source twice adds nothing
            line, created = services.post_cost_line(
                work_orders[target],
                kind="labor",
                category=category,
                amount=amount,
                cost_date=date(2026, 1, 1),
                source_type="prop",
                source_id=key,
                idempotency_key=key,
            )
            if created:
                expected[assets[target].pk] += line.amount
                posted.append(line)
            if index % reverse_every == 0 and created:
                services.reverse_cost_line(line, cost_date=date(2026, 1, 2), reason="prop")
                expected[assets[target].pk] -= line.amount

        for asset in assets:
            assert selectors.asset_cost(asset.pk, rollup=False)["total"] == expected[asset.pk]
        own = {a.pk: selectors.asset_cost(a.pk, rollup=False)["total"] for a in assets}
        rolled = {a.pk: selectors.asset_cost(a.pk)["total"] for a in assets}
        assert rolled[grandchild.pk] == own[grandchild.pk]
        assert rolled[child.pk] == own[child.pk] + rolled[grandchild.pk]
        assert rolled[root.pk] == own[root.pk] + rolled[child.pk] + rolled[sibling.pk]
        total = selectors.asset_cost(root.pk)
        assert total["total"] == total["labor"] + total["parts"] + total["contractor"]
        assert CostLine.objects.filter(kind="reversal").count() == sum(
            1 for line in posted if CostLine.objects.filter(reverses=line).exists()
        )


def test_role_fixture_sanity():
    assert Role.ADMIN == "admin"
