"""The KPI registry: each figure of the reliability pages, the API and the exports, declared once.

A figure is a quotient of additive **parts** (docs/reliability.md). So a KPI is declared as
- the `Part`s it needs (how each is stored in the monthly aggregates, and its definition's version),
- the `Source` that sums them per asset and bucket from the history (one grouped query), with the
  columns whose changes change them (the change triggers must watch those: a test checks it),
- the `Kpi` itself: its formula over the parts, label, unit, how a page shows it, the words of its
  formula, its drill-down, its export column,
- the `Drill` that lists the exact WOs behind it.

`figures` builds `Parts` and `Kpis` from this, `monthly` the stored columns and the definition stamp
(`stamp`), `api` the `KpisOut` schema, `exports` the columns, `display` the tiles and table cells,
and the views the drill-downs. The declarations live in `reliability/definitions/`, one module per
subject; adding a figure is a module there (plus, when it needs a new stored column or watches a new
table, a migration).
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from plantwright.reliability.periods import HOUR, HOURS, Period, Scope

Unit = Literal["count", "hours", "ratio", "money"]
CellKind = Literal["text", "date", "datetime", "hours", "money"]


@dataclass(frozen=True)
class Part:
    name: str
    column: str | None  # its AssetMonth column; None: computed for every period (time in service)
    scale: int | None = None  # a decimal's column counts in 10**-scale; None: a count
    version: int = 1  # raise it when the definition changes: the stored months are rebuilt

    @property
    def zero(self):
        return 0 if self.scale is None else Decimal(0)


@dataclass(frozen=True)
class Source:
    """One grouped query over the history: (asset id, bucket index, {part: sum}) for a scope and
    disjoint buckets; a bucket index of None (a row between buckets) is dropped."""

    parts: tuple[str, ...]
    rows: Callable[[Scope, list[Period]], Iterable[tuple[int, int | None, dict[str, Any]]]]
    # table → the columns whose change changes these parts (inserts and deletes always do)
    watches: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Kpi:
    name: str  # the attribute of `Kpis`, the API field and the export column
    label: str
    unit: Unit
    formula: Callable[[Any], Any]  # Parts → the value (None where it has no meaning)
    help: str = ""  # the formula in words, under the tile; `%(name)s` shows another figure
    description: str = ""  # for the API
    decimals: int = 0  # on the pages (the API and exports keep every digit)
    none: str | None = None  # what a page shows for None; None: the figure always has a value
    short: str | None = None  # its column header in the per-asset table; None: not a column
    drill: str | None = None  # the key of the `Drill` its tile opens
    tile: bool = True
    export: bool = True  # a column of the per-asset export
    group: str | None = None  # nested in the API under this name, as `key`
    key: str = ""

    @property
    def nullable(self) -> bool:
        return self.none is not None


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any, Period], Any]  # (WO, period) → the cell
    kind: CellKind = "text"


@dataclass(frozen=True)
class Drill:
    key: str
    title: str
    explanation: str
    rows: Callable[[Scope, Period, Any], Any]  # (scope, period, site) → a WO queryset
    columns: tuple[Column, ...]
    note: Callable[[Any], str] | None = None  # site → a line under the explanation


PARTS: list[Part] = []
SOURCES: list[Source] = []
KPIS: list[Kpi] = []
DRILLS: dict[str, Drill] = {}


def parts(*declared: Part) -> None:
    for part in declared:
        if any(p.name == part.name for p in PARTS):
            raise ValueError(f"The part {part.name} is declared twice.")
        PARTS.append(part)


def source(*, parts: tuple[str, ...], watches: Mapping[str, tuple[str, ...]]):
    """Declare the decorated function as the source of `parts`."""

    def register(rows):
        SOURCES.append(Source(parts, rows, watches))
        return rows

    return register


def kpi(name: str, label: str, unit: Unit, formula, **options) -> None:
    if any(k.name == name for k in KPIS):
        raise ValueError(f"The KPI {name} is declared twice.")
    KPIS.append(Kpi(name, label, unit, formula, key=options.pop("key", name), **options))


def drill(key: str, title: str, explanation: str, *, columns: tuple[Column, ...], note=None):
    """Declare the decorated function as the WOs behind the figures whose drill is `key`."""

    def register(rows):
        DRILLS[key] = Drill(key, title, explanation, rows, columns, note)
        return rows

    return register


def stored_parts() -> list[Part]:
    return [part for part in PARTS if part.column is not None]


def stamp() -> str:
    """What the stored months were computed with: another column, scale or version, and they are
    rebuilt before anyone reads them."""
    text = ";".join(f"{p.name}:{p.column}:{p.scale}:{p.version}" for p in stored_parts())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def watched() -> dict[str, set[str]]:
    """Each table a source reads, with the columns the change triggers must watch on it."""
    result: dict[str, set[str]] = {}
    for declared in SOURCES:
        for table, columns in declared.watches.items():
            result.setdefault(table, set()).update(columns)
    return result


# Formula helpers: hours kept to four decimals; ratios at full precision (28 significant digits: a
# client recomputes and adds them; pages round).


def hours(seconds: Decimal) -> Decimal:
    return (seconds / HOUR).quantize(HOURS)


def mean_hours(seconds: Decimal, n: int) -> Decimal | None:
    return (seconds / HOUR / n).quantize(HOURS) if n else None


def ratio(part, whole) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None
