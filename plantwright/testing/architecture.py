"""The layers of docs/architecture.md, read from the import contract in pyproject.toml, applied to what
no import check sees: templates that link (`{% url %}`) or include (`{% include %}`) another app's pages.

A template belongs to the app of its folder (`templates/<app>/...`); the project's own (`base.html`,
the menu) sit above every app and may link anywhere; shared partials (`templates/partials/`) are the
core's. An app's template may point at its own app or at an app below it, never up or sideways: a
higher app contributes to a lower app's page through the panel registry (plantwright.core.panels)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_TAG = re.compile(r"""\{%\s*(url|include)\s+['"]([^'"]+)['"]""")


def layers(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, int]:
    """app → rank (0 is the core); apps on one line share a rank and are independent of each other."""
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    ordered = next(c for c in contracts if c["type"] == "layers")["layers"]
    ranks = {}
    for rank, line in enumerate(reversed(ordered)):
        for module in line.split("|"):
            ranks[module.strip().removeprefix("plantwright.")] = rank
    return ranks


def url_owners() -> dict[str, str]:
    """URL name → the app whose view answers it."""
    from django.urls import URLPattern, URLResolver, get_resolver

    owners: dict[str, str] = {}

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                module = getattr(pattern.callback, "__module__", "")
                parts = module.split(".")
                if len(parts) > 1 and parts[0] == "plantwright":
                    owners.setdefault(pattern.name, parts[1])

    walk(get_resolver().url_patterns)
    return owners


def upward_links(templates: Path, ranks: dict[str, int] | None = None) -> list[str]:
    """Every `{% url %}` / `{% include %}` of an app's template that points up or sideways."""
    ranks = ranks or layers()
    owners = url_owners()
    found = []
    for path in sorted(templates.rglob("*.html")):
        relative = path.relative_to(templates)
        owner = relative.parts[0] if len(relative.parts) > 1 else None
        if owner not in ranks:
            continue  # the project's own templates and the shared partials
        for kind, target in _TAG.findall(path.read_text()):
            app = owners.get(target) if kind == "url" else target.split("/")[0]
            if app is None or app == owner or app not in ranks:
                continue
            if ranks[app] >= ranks[owner]:
                found.append(f"{relative}: {kind} {target!r} points at {app}, not below {owner}")
    return found


def main() -> int:
    """`python -m plantwright.testing.architecture` (run by `make lint`): list upward template links."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plantwright.settings")
    django.setup()
    found = upward_links(ROOT / "plantwright" / "templates")
    for line in found:
        print(line)
    print(f"templates: {len(found)} upward links" if found else "templates: no upward links")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
