"""Panels a higher app contributes to a lower app's page (as NetBox's template extensions do).

`assets` cannot import `maintenance`, yet the asset page shows the asset's work orders: maintenance
registers a panel for "asset" at start-up, and the asset view renders whatever is registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    order: int = 100


_PANELS: dict[str, list[Panel]] = {}


def register_panel(page: str, panel: Panel) -> None:
    _PANELS.setdefault(page, []).append(panel)
    _PANELS[page].sort(key=lambda p: p.order)


# A panel's context may say {"hidden": True} to leave the page alone (nothing to show there).
def render_context(page: str, request: HttpRequest, record: Any) -> list[dict[str, Any]]:
    return [{"title": p.title, "template": p.template, **p.context(request, record)} for p in _PANELS.get(page, [])]
