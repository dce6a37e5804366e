"""The layers of docs/architecture.md hold, and the checks that keep them would catch a break: a planted
upward import fails import-linter, a planted upward template link fails the template check."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plantwright.testing.architecture import ROOT, layers, upward_links


def test_the_layers_are_read_from_the_import_contract():
    ranks = layers()
    assert ranks["core"] == 0 and ranks["accounts"] < ranks["maintenance"] < ranks["reliability"]
    assert ranks["erp"] == ranks["pm"] == ranks["downtime"] == ranks["portal"]


@pytest.mark.django_db
def test_no_template_links_or_includes_up_the_layers():
    assert upward_links(ROOT / "plantwright" / "templates") == []


@pytest.mark.django_db
def test_a_planted_upward_template_link_is_found(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "planted.html").write_text(
        "<a href=\"{% url 'work-request-new' %}\">report</a>{% include 'reliability/partials/xlsx_button.html' %}"
        "<a href=\"{% url 'site-tree' 1 %}\">own</a>"
    )
    (tmp_path / "erp").mkdir()
    (tmp_path / "erp" / "sideways.html").write_text("<a href=\"{% url 'downtime-rules' 1 %}\">x</a>")
    found = upward_links(tmp_path)
    assert len(found) == 3 and all("not below" in line for line in found)
    assert any("erp/sideways.html" in line and "downtime" in line for line in found)  # siblings are independent


def test_lint_imports_fails_on_a_planted_upward_import(tmp_path):
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (make test installs it)")
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT / "plantwright",
        copy / "plantwright",
        ignore=shutil.ignore_patterns("*.pyc", "templates", "static", "locale"),
    )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    clean = subprocess.run(
        [str(lint), "--no-cache"], cwd=copy, capture_output=True, text=True, env={"PYTHONPATH": str(copy)}
    )
    assert clean.returncode == 0, clean.stdout[-2000:]
    services = copy / "plantwright" / "assets" / "services.py"
    services.write_text(services.read_text() + "\nfrom plantwright.reliability import figures  # planted\n")
    broken = subprocess.run(
        [str(lint), "--no-cache"], cwd=copy, capture_output=True, text=True, env={"PYTHONPATH": str(copy)}
    )
    assert broken.returncode != 0 and "BROKEN" in broken.stdout
    assert "plantwright.assets.services -> plantwright.reliability.figures" in broken.stdout


def test_nothing_in_the_repository_points_outside_it():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    outside = []
    for name in tracked.split():
        path = ROOT / name
        if path.suffix in (".mo", ".png", ".ttf", ".woff2", ".pdf", ".sqlite3") or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        outside += [f"{name}: {needle}" for needle in ("../shared", "DESIGN.md", "CONVENTIONS.md") if needle in text]
    assert [line for line in outside if not line.startswith("plantwright/tests/test_architecture.py")] == []


def test_no_module_grows_past_450_lines():
    """The 400-line rule of docs/architecture.md, with room to finish a thought: split by topic instead."""
    long = {
        str(path.relative_to(ROOT)): count
        for path in (ROOT / "plantwright").rglob("*.py")
        # (x.html.py: makemessages' passing copy of a template, while a test runs it beside this one)
        if "migrations" not in path.parts
        and len(path.suffixes) == 1
        and (count := len(path.read_text().splitlines())) > 450
    }
    assert long == {}
