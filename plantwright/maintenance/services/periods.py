"""Closed periods: a manager closes a month of a site's books; afterwards nothing is dated on or
before its last day. People's entries dated there are refused (409 `period_closed`); what arrives
from the ERP for a closed day, and every reversal of a closed day's cost, posts on the first open
day instead, so the closed month's figures never move (docs/architecture.md §Business dates)."""

import calendar
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.maintenance.models import ClosedPeriod


def closed_through(site: Site) -> date | None:
    """The last day of the site's closed books (None: nothing closed)."""
    return ClosedPeriod.objects.filter(site=site).aggregate(day=Max("through"))["day"]


def check_open(site: Site, day: date, *, field: str, through: date | None = None) -> None:
    """Refuse a person's entry dated in a closed period (`through`: the site's, if known already)."""
    through = through if through is not None else closed_through(site)
    if through is not None and day <= through:
        raise Conflict(
            code="period_closed",
            details={"field": field, "closed_through": through.isoformat()},
            day=day.isoformat(),
            through=through.isoformat(),
        )


def open_day(day: date, through: date | None) -> date:
    """The day a cost of `day` posts on: itself, or the first open day after the closed books."""
    return day if through is None or day > through else through + timedelta(days=1)


@transaction.atomic
def close_period(actor: User, site: Site, *, month: date, note: str = "") -> ClosedPeriod:
    """Close the site's books through the last day of `month` (and so every month before it)."""
    authorize(actor, Perm.CLOSE_PERIODS, site.pk)
    Site.objects.select_for_update().filter(pk=site.pk).first()  # one close at a time per site
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    if last >= site.local_date():
        raise ValidationFailed(code="period_not_ended", details={"field": "month"}, month=month.strftime("%Y-%m"))
    current = closed_through(site)
    if current is not None and last <= current:
        raise Conflict(
            code="period_already_closed", details={"closed_through": current.isoformat()}, through=current.isoformat()
        )
    return ClosedPeriod.objects.create(site=site, through=last, closed_by=actor, note=note.strip()[:500])
