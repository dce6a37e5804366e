"""Downtime services: ingesting events (HTTP and MQTT), deciding stops by rule, editing rules."""

from plantwright.downtime.services.decisions import DowntimeBatch
from plantwright.downtime.services.ingest import (
    DowntimeEventIn,
    Incoming,
    IngestResult,
    ingest,
    ingest_items,
    reject_unreadable,
    sweep,
)
from plantwright.downtime.services.rules import delete_rule, save_rule

__all__ = [
    "DowntimeBatch",
    "DowntimeEventIn",
    "Incoming",
    "IngestResult",
    "delete_rule",
    "ingest",
    "ingest_items",
    "reject_unreadable",
    "save_rule",
    "sweep",
]
