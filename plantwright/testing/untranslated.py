"""Finds template text a person would read that is not marked for translation.

Django's own tags and variables are blanked out first (a `{% blocktranslate %}` region entirely, as it is
marked), then what is left is read as HTML: visible text and the attributes a browser shows (title,
placeholder, alt, aria-label, hx-confirm) must not contain words. Acronyms (all capitals), the
product's name and code (`<code>`, `<pre>`) are the same in every language.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

SHOWN_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "hx-confirm"}
SAME_IN_EVERY_LANGUAGE = {"Plantwright", "htmx"}
# Code, paths and commands are read as they are typed, in every language.
RAW_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}

_BLOCKS_MARKED = re.compile(
    r"{%\s*(blocktranslate|blocktrans|comment|verbatim)\b.*?%}.*?{%\s*end(blocktranslate|blocktrans|comment|verbatim)\s*%}",
    re.DOTALL,
)
_DJANGO = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+")
# A filter's literal argument shown instead of a value: `|default:"never"` must be `|default:_("never")`.
_SHOWN_ARGUMENT = re.compile(r"(?<!LANGUAGE_CODE)\|default(?:_if_none)?:(\"[^\"]*\"|'[^']*')")


def _words(text: str) -> list[str]:
    return [
        word
        for word in _WORD.findall(text)
        if len(word) > 1 and not word.isupper() and word not in SAME_IN_EVERY_LANGUAGE
    ]


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag, attrs):
        if tag in RAW_ELEMENTS:
            self._raw += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value and _words(value):
                self.found.append(f'{name}="{value.strip()}"')

    def handle_endtag(self, tag):
        if tag in RAW_ELEMENTS:
            self._raw = max(0, self._raw - 1)

    def handle_data(self, data):
        if not self._raw and _words(data):
            self.found.append(" ".join(data.split()))


def unmarked_strings(source: str) -> list[str]:
    source = _BLOCKS_MARKED.sub(" ", source)
    arguments = [argument for argument in _SHOWN_ARGUMENT.findall(source) if _words(argument)]
    source = _DJANGO.sub(" ", source)
    reader = _Reader()
    reader.feed(source)
    reader.close()
    return arguments + reader.found


def unmarked_in_templates(root: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(root.rglob("*.html")):
        strings = unmarked_strings(path.read_text())
        if strings:
            found[str(path.relative_to(root))] = strings
    return found


def catalogue_gaps(po_path: Path) -> list[str]:
    """The msgids of a .po file still untranslated or marked fuzzy (a guess nobody checked)."""
    gaps = []
    for block in po_path.read_text().split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line):
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if not fields.get("msgid"):
            continue  # the header
        translations = [value for key, value in fields.items() if key.startswith("msgstr")]
        if "#, fuzzy" in block or ", fuzzy" in block or not all(translations):
            gaps.append(fields["msgid"])
    return gaps
