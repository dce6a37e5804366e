"""The README and the docs lead only to files of this repository: a link to a path outside it, or to a
file since moved, fails here (test_architecture.py also refuses any mention of the folders beside the
repository); so does a picture that is not there. Links to web addresses are left alone."""

import re
from pathlib import Path

from django.conf import settings

REPO = Path(settings.BASE_DIR).resolve()
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)|<(?:img|a)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"")


def _documents() -> list[Path]:
    return [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").rglob("*.md"))]


def test_every_link_of_the_docs_stays_in_the_repository_and_exists():
    broken = []
    for document in _documents():
        for target in (markdown or html for markdown, html in LINK.findall(document.read_text())):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # a web address, mail, or a place on the same page
            path = (document.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(REPO) or not path.exists():
                broken.append(f"{document.relative_to(REPO)}: {target}")
    assert broken == []
