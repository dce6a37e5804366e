"""The upkeep of `WorkOrderCount`, whose rows the WO list counts and pages deep with
(`WorkOrderCount.objects.total`, `by_month`)."""

from plantwright.maintenance.models.counts import fold


def compact() -> None:
    """Fold the +1/−1 rows into one per (site, status, month): the worker's job every minute (a reader
    also folds them when they pile up, `models.counts.fold_if_piled`)."""
    fold()
