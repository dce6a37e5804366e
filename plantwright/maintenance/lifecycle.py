"""The work order lifecycle: which status may follow which, and who may make the move.

draft → approved → scheduled → in_progress ⇄ on_hold → completed → closed, and cancelled.
"""

from django.utils.translation import gettext_lazy as _

from plantwright.accounts.roles import Perm
from plantwright.maintenance.models import WorkOrderStatus as S

# from -> {to: permission needed}
TRANSITIONS: dict[str, dict[str, Perm]] = {
    S.DRAFT: {S.APPROVED: Perm.MANAGE_WORK_ORDERS, S.CANCELLED: Perm.MANAGE_WORK_ORDERS},
    S.APPROVED: {
        S.SCHEDULED: Perm.MANAGE_WORK_ORDERS,
        # Breakdowns are started before anyone schedules them.
        S.IN_PROGRESS: Perm.EXECUTE_WORK,
        S.CANCELLED: Perm.MANAGE_WORK_ORDERS,
    },
    S.SCHEDULED: {
        S.IN_PROGRESS: Perm.EXECUTE_WORK,
        S.APPROVED: Perm.MANAGE_WORK_ORDERS,  # unschedule
        S.CANCELLED: Perm.MANAGE_WORK_ORDERS,
    },
    S.IN_PROGRESS: {S.ON_HOLD: Perm.EXECUTE_WORK, S.COMPLETED: Perm.EXECUTE_WORK},
    S.ON_HOLD: {S.IN_PROGRESS: Perm.EXECUTE_WORK, S.CANCELLED: Perm.MANAGE_WORK_ORDERS},
    S.COMPLETED: {S.CLOSED: Perm.MANAGE_WORK_ORDERS, S.IN_PROGRESS: Perm.MANAGE_WORK_ORDERS},  # reopen
    S.CLOSED: {},
    S.CANCELLED: {},
}

# Moves that must say why.
NOTE_REQUIRED: frozenset[tuple[str, str]] = frozenset(
    {
        (S.DRAFT, S.CANCELLED),
        (S.APPROVED, S.CANCELLED),
        (S.SCHEDULED, S.CANCELLED),
        (S.ON_HOLD, S.CANCELLED),
        (S.IN_PROGRESS, S.ON_HOLD),
        (S.COMPLETED, S.IN_PROGRESS),
    }
)

# Once here, the WO's fields are frozen (the record is history).
READ_ONLY_STATUSES = frozenset({S.CLOSED, S.CANCELLED})


def allowed_targets(current: str) -> dict[str, Perm]:
    return TRANSITIONS.get(current, {})


# What the button says: the technician's word for the move, not the name of the status it leads to.
VERBS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.APPROVED): _("Approve"),
    (S.APPROVED, S.SCHEDULED): _("Schedule"),
    (S.APPROVED, S.IN_PROGRESS): _("Start"),
    (S.SCHEDULED, S.IN_PROGRESS): _("Start"),
    (S.SCHEDULED, S.APPROVED): _("Unschedule"),
    (S.IN_PROGRESS, S.ON_HOLD): _("Pause"),
    (S.ON_HOLD, S.IN_PROGRESS): _("Resume"),
    (S.IN_PROGRESS, S.COMPLETED): _("Complete"),
    (S.COMPLETED, S.CLOSED): _("Close"),
    (S.COMPLETED, S.IN_PROGRESS): _("Reopen"),
}


def verb(current: str, to: str) -> str:
    return VERBS.get((current, to)) or (_("Cancel") if to == S.CANCELLED else S(to).label)
