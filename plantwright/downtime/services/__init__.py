"""Downtime services: ingesting events (HTTP and MQTT), deciding stops by rule, editing rules."""

from plantwright.downtime.services.decisions import DowntimeBatch
from plantwright.downtime.services.ingest import (
    DowntimeEventIn,
    Incoming,
    ingest,
    ingest_items,
    reject_unreadable,
    sweep,
)
from plantwright.downtime.services.rules import delete_rule, save_rule
from plantwright.downtime.services.webhook import configure_oee_webhook, rotate_oee_secret

__all__ = [
    "DowntimeBatch",
    "DowntimeEventIn",
    "Incoming",
    "configure_oee_webhook",
    "delete_rule",
    "ingest",
    "ingest_items",
    "reject_unreadable",
    "rotate_oee_secret",
    "save_rule",
    "sweep",
]
