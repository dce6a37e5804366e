"""Closed periods over HTTP: which months of a site's books are closed, and closing one."""

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from plantwright.accounts.selectors import get_site
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Day, PathId, Text
from plantwright.maintenance.models import ClosedPeriod
from plantwright.maintenance.schemas import Strict
from plantwright.maintenance.services.periods import close_period

router = Router(tags=["closed periods"])


class ClosedPeriodOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    through: date = Field(description="The last day closed: nothing may be dated on or before it")
    closed_by: int = Field(validation_alias="closed_by_id")
    closed_at: datetime
    note: str


class CloseIn(Strict):
    month: Day = Field(description="Any day of the month to close (it must have ended); earlier months close too")
    note: Text(500, 0) = ""


@router.get("/sites/{site_id}/closed-periods", response={200: list[ClosedPeriodOut], **errors(404)})
def list_closed_periods(request: HttpRequest, site_id: PathId):
    """The site's closes, latest first; the first is how far its books are closed."""
    return ClosedPeriod.objects.filter(site=get_site(request.user, site_id)).order_by("-through")


@router.post("/sites/{site_id}/closed-periods", response={201: ClosedPeriodOut, **errors(403, 404, 409, 422)})
def close(request: HttpRequest, site_id: PathId, payload: CloseIn):
    """Close the site's books through the end of `month`. Afterwards an entry dated there is refused
    (409 `period_closed`); ERP costs and reversals for those days post on the first open day."""
    return Status(
        201, close_period(request.user, get_site(request.user, site_id), month=payload.month, note=payload.note)
    )
