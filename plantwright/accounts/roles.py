"""Roles a user holds per site, and what each role may do there.

The one table of who-may-do-what. Services call `accounts.selectors.authorize`, which reads it,
so the UI and the API can never disagree.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REQUESTER = "requester", _("Requester (operator)")
    TECHNICIAN = "technician", _("Technician")
    PLANNER = "planner", _("Planner")
    STOREROOM = "storeroom", _("Storeroom")
    PURCHASING = "purchasing", _("Purchasing")
    MANAGER = "manager", _("Maintenance manager")
    ADMIN = "admin", _("Site administrator")
    INTEGRATION = "integration", _("Integration (system account of the OEE/MES platform)")


class Perm(StrEnum):
    VIEW = "view"  # see the site's assets, requests and work orders
    RAISE_REQUEST = "raise_request"
    TRIAGE_REQUEST = "triage_request"  # approve / reject / mark duplicate
    MANAGE_WORK_ORDERS = "manage_work_orders"  # create, edit, approve, schedule, cancel, close
    EXECUTE_WORK = "execute_work"  # start, hold, complete; record failure codes and times
    MANAGE_ASSETS = "manage_assets"
    MANAGE_LOCATIONS = "manage_locations"
    ISSUE_PARTS = "issue_parts"  # issue parts to a WO and take returns
    MANAGE_INVENTORY = "manage_inventory"  # catalogue, storerooms, receipts, adjustments, transfers
    MANAGE_VENDORS = "manage_vendors"
    MANAGE_RATES = "manage_rates"  # labor rates (what an hour costs)
    REQUEST_PARTS = "request_parts"  # raise parts requests on a WO
    APPROVE_PARTS_REQUESTS = "approve_parts_requests"  # requests above the site's threshold
    PURCHASE = "purchase"  # the purchasing queue, built-in POs, receipts and invoices
    MANAGE_INTEGRATIONS = "manage_integrations"  # connector settings, outbox, ERP events
    INGEST_DOWNTIME = "ingest_downtime"  # send downtime events (the OEE platform's token)
    MANAGE_DOWNTIME_RULES = "manage_downtime_rules"  # which stops open WOs
    RECORD_READINGS = "record_readings"  # meter readings (technicians by hand, the OEE platform by feed)
    MANAGE_PM = "manage_pm"  # job plans, PM schedules, generating PM WOs
    CLOSE_PERIODS = "close_periods"  # close a month: nothing is dated in it afterwards
    MANAGE_PEOPLE = "manage_people"  # accounts of the site's people, and their roles there
    MANAGE_FAILURE_CODES = "manage_failure_codes"  # the problem / cause / remedy catalogue (all sites share it)


_EVERYONE = {Perm.VIEW, Perm.RAISE_REQUEST}
_PLANNING = {
    Perm.TRIAGE_REQUEST,
    Perm.MANAGE_WORK_ORDERS,
    Perm.EXECUTE_WORK,
    Perm.MANAGE_ASSETS,
    Perm.ISSUE_PARTS,
    Perm.REQUEST_PARTS,
    Perm.RECORD_READINGS,
    Perm.MANAGE_PM,
}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.REQUESTER: frozenset(_EVERYONE),
    Role.TECHNICIAN: frozenset(_EVERYONE | {Perm.EXECUTE_WORK, Perm.ISSUE_PARTS, Perm.RECORD_READINGS}),
    Role.PLANNER: frozenset(_EVERYONE | _PLANNING),
    Role.STOREROOM: frozenset(_EVERYONE | {Perm.ISSUE_PARTS, Perm.MANAGE_INVENTORY}),
    Role.PURCHASING: frozenset(_EVERYONE | {Perm.MANAGE_VENDORS, Perm.PURCHASE}),
    Role.MANAGER: frozenset(
        _EVERYONE
        | _PLANNING
        | {
            Perm.MANAGE_LOCATIONS,
            Perm.MANAGE_INVENTORY,
            Perm.MANAGE_VENDORS,
            Perm.MANAGE_RATES,
            Perm.APPROVE_PARTS_REQUESTS,
            Perm.PURCHASE,
            Perm.MANAGE_DOWNTIME_RULES,
            Perm.CLOSE_PERIODS,
            Perm.MANAGE_FAILURE_CODES,
        }
    ),
    Role.INTEGRATION: frozenset({Perm.VIEW, Perm.INGEST_DOWNTIME, Perm.RECORD_READINGS}),
    Role.ADMIN: frozenset(set(Perm)),
}


def permissions_for(roles: set[str]) -> frozenset[Perm]:
    granted: set[Perm] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
