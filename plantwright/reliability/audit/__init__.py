"""The data-integrity audit: every place where the WO/PO link broke, so the KPIs can be trusted.

Reliability and cost figures come from WO history. They go wrong in known ways (docs/architecture.md): POs
recorded as WOs (inflating the WO count and cost), contractor work paid by PO but never recorded on
a WO (hours missing), PO cost that never reached its WO (cost missing), failure WOs closed without
the data MTTR needs. Each rule below is one query that finds such records at the sites given, with
what is wrong and how to fix it. A rule says nothing on clean data: every rule is tested both with a
planted breakage and with a complete, correct procurement and repair flow.

Contractor hours and cost lines cannot exist without a WO (the columns are NOT NULL), so "contractor
entries without a WO" shows up as the entries whose PO reference points nowhere or at another WO's
request (`contractor_hours_unlinked`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from plantwright.reliability.audit.checks import (
    _closed_with_open_po_lines,
    _contractor_hours_unlinked,
    _contractor_invoice_without_hours,
    _describe_closed_with_open_po_lines,
    _describe_contractor_hours_unlinked,
    _describe_contractor_invoice_without_hours,
    _describe_downtime_without_wo,
    _describe_failure_wo_incomplete,
    _describe_po_cost_without_wo,
    _describe_po_entered_as_wo,
    _describe_wo_only_po,
    _downtime_without_wo,
    _failure_wo_incomplete,
    _po_cost_without_wo,
    _po_entered_as_wo,
    _wo_only_po,
)
from plantwright.reliability.audit.cost_checks import (
    _arrived_after_close,
    _describe_arrived_after_close,
    _describe_invoiced_never_posted,
    _describe_issue_without_cost,
    _describe_po_cost_not_posted,
    _describe_request_received_without_parts_cost,
    _invoiced_never_posted,
    _issue_without_cost,
    _po_cost_not_posted,
    _request_received_without_parts_cost,
)


class Severity:
    ERROR = "error"  # a figure is wrong until it is fixed
    WARNING = "warning"  # a figure may be wrong; a person should look


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    group: str
    title: str
    how_to_fix: str
    rows: Callable[[list[int]], QuerySet]
    describe: Callable[[dict[str, Any]], tuple[str, list[dict[str, Any]]]]


@dataclass
class RuleResult:
    rule: Rule
    count: int
    findings: list[dict[str, Any]]


RULES: tuple[Rule, ...] = (
    Rule(
        "po_cost_without_wo",
        Severity.ERROR,
        _("WO/PO conflation"),
        _("PO cost with no WO"),
        _(
            "The ERP received or invoiced a PO line that cites no Plantwright request line, so its cost reached "
            "no WO. Give the PO line the request line's reference in the ERP (or raise a parts request on the WO "
            "the purchase was for) so the next receipt or invoice event posts to that WO."
        ),
        _po_cost_without_wo,
        _describe_po_cost_without_wo,
    ),
    Rule(
        "wo_only_po",
        Severity.WARNING,
        _("WO/PO conflation"),
        _("WO whose only content is a PO"),
        _(
            "A done WO with PO cost and nothing else is a purchase recorded as maintenance work: it counts as a "
            "WO and inflates cost per asset. Record the labor, contractor hours and failure data of the work it "
            "paid for, or, if it was no maintenance work, cancel the WO and keep the purchase in the ERP."
        ),
        _wo_only_po,
        _describe_wo_only_po,
    ),
    Rule(
        "po_entered_as_wo",
        Severity.WARNING,
        _("WO/PO conflation"),
        _("PO entered as a WO"),
        _(
            "The WO is titled like a purchase order and has no hours. Raise a parts request on the WO of the "
            "work instead (its PO number comes back from the ERP), then cancel this WO."
        ),
        _po_entered_as_wo,
        _describe_po_entered_as_wo,
    ),
    Rule(
        "contractor_invoice_without_hours",
        Severity.ERROR,
        _("Contractor work with no WO"),
        _("Contractor service invoiced, no hours on any WO"),
        _(
            "The contractor was paid by PO but their hours are on no WO, so labor hours, planned-vs-reactive and "
            "active repair time miss them. Record the contractor hours on the WO with this PO number and line."
        ),
        _contractor_invoice_without_hours,
        _describe_contractor_invoice_without_hours,
    ),
    Rule(
        "contractor_hours_unlinked",
        Severity.WARNING,
        _("Contractor work with no WO"),
        _("Contractor hours citing a PO line of no request of their WO"),
        _(
            "Correct the entry's PO number and line (reverse it and record it again), or, if the PO was raised "
            "for another WO, record the hours on that WO."
        ),
        _contractor_hours_unlinked,
        _describe_contractor_hours_unlinked,
    ),
    Rule(
        "po_cost_not_posted",
        Severity.ERROR,
        _("Parts cost not posted back"),
        _("Receipts or invoices that did not reach the WO's ledger"),
        _(
            "The WO's ledger must hold unit price × (received − invoiced quantity) + invoiced amount for each PO "
            "line (for a line paid on the invoice alone, an invoice beyond the receipts counts in full). Find the "
            "ERP event of the line on the ERP events page; a parked or refused one says what it waits for. If "
            "none is pending, report it: posting a reversal-free correction by hand hides the cause."
        ),
        _po_cost_not_posted,
        _describe_po_cost_not_posted,
    ),
    Rule(
        "invoiced_never_posted",
        Severity.ERROR,
        _("Parts cost not posted back"),
        _("Invoiced but never posted to the WO"),
        _(
            "The vendor invoiced more than was received and no receipt followed, so the WO never got that "
            "cost. If the ERP posts no receipt for this kind of line (a service paid on the invoice), have "
            "the connector flag the line invoice_only: its invoices then post the cost. Otherwise post the "
            "missing receipt in the ERP."
        ),
        _invoiced_never_posted,
        _describe_invoiced_never_posted,
    ),
    Rule(
        "request_received_without_parts_cost",
        Severity.ERROR,
        _("Parts cost not posted back"),
        _("Parts request received, WO without parts cost"),
        _(
            "Goods were received against the request but the WO shows no parts cost: check the request lines "
            "were not marked for stock by mistake, and the ERP events of its PO on the ERP events page."
        ),
        _request_received_without_parts_cost,
        _describe_request_received_without_parts_cost,
    ),
    Rule(
        "issue_without_cost",
        Severity.ERROR,
        _("Parts cost not posted back"),
        _("Stock issued to a WO without a cost line"),
        _(
            "Every issue posts its value to the WO. Return the parts to stock and issue them again, which posts "
            "both movements to the ledger."
        ),
        _issue_without_cost,
        _describe_issue_without_cost,
    ),
    Rule(
        "failure_wo_incomplete",
        Severity.WARNING,
        _("Reliability data"),
        _("Failure WO done without restore time or failure codes"),
        _(
            "MTTR needs down-since and restored-at, the failure Pareto needs problem, cause and remedy codes. "
            "Enter them on the WO (a planner may edit a completed WO)."
        ),
        _failure_wo_incomplete,
        _describe_failure_wo_incomplete,
    ),
    Rule(
        "downtime_without_wo",
        Severity.WARNING,
        _("Reliability data"),
        _("Breakdown downtime linked to no WO"),
        _(
            "The OEE platform reported a breakdown of 30 minutes or more, and no WO records the repair: MTBF "
            "and MTTR miss it. Open a WO for it from the downtime page, or add a downtime rule that opens WOs "
            "for such stops."
        ),
        _downtime_without_wo,
        _describe_downtime_without_wo,
    ),
    Rule(
        "closed_with_open_po_lines",
        Severity.WARNING,
        _("Parts cost not posted back"),
        _("WO done with PO lines still open"),
        _(
            "Cost will still arrive on a done WO (flagged after close). Cancel the PO line in the ERP if the "
            "goods are no longer needed, or reopen the WO until they arrive."
        ),
        _closed_with_open_po_lines,
        _describe_closed_with_open_po_lines,
    ),
    Rule(
        "arrived_after_close",
        Severity.WARNING,
        _("Late entries"),
        _("Costs that arrived after their month was closed"),
        _(
            "A receipt, invoice or correction belonged to a month whose books were already closed, so it was "
            "posted on the first open day: the closed month's figures did not change. Nothing needs fixing; "
            "if it happens often, close months a little later, once the ERP's documents are in."
        ),
        _arrived_after_close,
        _describe_arrived_after_close,
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}


def integrity_findings(site_ids: Iterable[int], *, rules: Iterable[str] | None = None, limit: int = 100):
    """Each rule's findings at the sites (at most `limit` shown per rule) with the total count: two
    queries per rule."""
    sites = list(site_ids)
    chosen = [RULES_BY_CODE[code] for code in rules] if rules else list(RULES)
    results = []
    for rule in chosen:
        rows = rule.rows(sites)
        count = rows.count()
        findings = []
        for row in rows[:limit] if count else []:
            message, records = rule.describe(row)
            findings.append(
                {
                    "rule": rule.code,
                    "severity": rule.severity,
                    "message": message,
                    "records": records,
                    "how_to_fix": str(rule.how_to_fix),
                }
            )
        results.append(RuleResult(rule, count, findings))
    return results
