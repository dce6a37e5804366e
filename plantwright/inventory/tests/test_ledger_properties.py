"""Any sequence of labor, contractor hours, issues, returns and reversals: the ledger equals its sources."""

from decimal import Decimal

from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.accounts.roles import Role
from plantwright.core.errors import DomainError
from plantwright.inventory import services as inventory
from plantwright.inventory.models import StockLevel, StockMovement
from plantwright.maintenance import selectors
from plantwright.maintenance import services as maintenance
from plantwright.maintenance.models import ContractorEntry, CostLine, LaborEntry
from plantwright.testing import factories

operations = st.lists(
    st.one_of(
        st.tuples(st.just("labor"), st.integers(1, 16)),
        st.tuples(st.just("contractor"), st.integers(1, 16)),
        st.tuples(st.just("receive"), st.integers(1, 5), st.integers(1, 5000)),
        st.tuples(st.just("issue"), st.integers(1, 4)),
        st.tuples(st.just("return"), st.integers(0, 9), st.integers(1, 3)),
        st.tuples(st.just("reverse"), st.integers(0, 9)),
    ),
    max_size=20,
)


class TestLedgerEqualsSources(TestCase):
    @settings(max_examples=25, deadline=None)
    @given(operations)
    def test_ledger_sum_equals_sum_of_sources(self, ops):
        site = factories.SiteFactory(code="prop")
        planner = factories.UserFactory(username="prop-planner", roles=[(site, Role.PLANNER), (site, Role.STOREROOM)])
        factories.labor_rate(site, technician=planner, rate="37.33")
        asset = factories.AssetFactory(site=site)
        wo = maintenance.create_work_order(planner, asset_id=asset.pk, type="corrective", title="prop")
        maintenance.transition_work_order(planner, wo, to="approved")
        store, part, vendor = factories.storeroom(site), factories.part(), factories.vendor()
        today = timezone.localdate()
        for op in ops:
            try:
                if op[0] == "labor":
                    maintenance.log_labor(
                        planner, wo, technician_id=planner.pk, hours=Decimal(op[1]) / 4, work_date=today
                    )
                elif op[0] == "contractor":
                    maintenance.log_contractor_hours(
                        planner,
                        wo,
                        vendor_id=vendor.pk,
                        person="P",
                        hours=Decimal(op[1]) / 4,
                        work_date=today,
                        agreed_rate=Decimal("55.55"),
                    )
                elif op[0] == "receive":
                    inventory.receive_stock(
                        planner,
                        part_id=part.pk,
                        storeroom_id=store.pk,
                        quantity=Decimal(op[1]),
                        unit_cost=Decimal(op[2]) / 100,
                    )
                elif op[0] == "issue":
                    inventory.issue_part(planner, wo, part_id=part.pk, storeroom_id=store.pk, quantity=Decimal(op[1]))
                elif op[0] == "return":
                    issues = list(StockMovement.objects.filter(kind="issue").order_by("id"))
                    if issues:
                        inventory.return_part(
                            planner, wo, issue_id=issues[op[1] % len(issues)].pk, quantity=Decimal(op[2])
                        )
                else:
                    entries = list(LaborEntry.objects.filter(reversal_of__isnull=True).order_by("id")) + list(
                        ContractorEntry.objects.filter(reversal_of__isnull=True).order_by("id")
                    )
                    if entries:
                        entry = entries[op[1] % len(entries)]
                        reverse = (
                            maintenance.reverse_labor
                            if isinstance(entry, LaborEntry)
                            else maintenance.reverse_contractor_hours
                        )
                        reverse(planner, entry, reason="prop")
            except DomainError:
                pass  # refused operations (not enough stock, already reversed, 24 h) must leave no trace

        labor = sum((e.amount for e in LaborEntry.objects.all()), Decimal(0))
        contractor = sum((e.amount for e in ContractorEntry.objects.all()), Decimal(0))
        parts = -sum((m.value for m in StockMovement.objects.filter(work_order=wo)), Decimal(0))
        cost = selectors.work_order_cost(wo)
        assert (cost["labor"], cost["contractor"], cost["parts"]) == (labor, contractor, parts)
        assert cost["total"] == sum((line.amount for line in CostLine.objects.all()), Decimal(0))
        level = StockLevel.objects.filter(part=part, storeroom=store).first()
        on_hand = sum((m.quantity for m in StockMovement.objects.all()), Decimal(0))
        assert (level.quantity_on_hand if level else 0) == on_hand >= 0
