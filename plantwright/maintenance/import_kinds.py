"""The kinds of history file a plant brings, in the order it brings them: locations, then (on their
own page) the asset register, its WOs, then what was booked on them and what happened to the
machines. The apps that own a kind register it at start-up (AppConfig.ready): the import page and
its job in this app know them only through here, as pages know panels."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImportKind:
    name: str  # in URLs and the job record
    label: Any  # lazy: read in the reader's language
    help: Any
    run: Callable[..., Any]  # run(actor, site, data, *, apply, progress) -> a report dataclass
    columns: tuple[str, ...]
    required: tuple[str, ...]
    max_bytes: int
    position: int
    perm: str  # who may bring it (the run checks it too)


_KINDS: dict[str, ImportKind] = {}


def register_import(kind: ImportKind) -> None:
    _KINDS[kind.name] = kind


def import_kinds() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.position)


def import_kind(name: str) -> ImportKind | None:
    return _KINDS.get(name)
