"""A pseudo-locale for the tests: every string that goes through gettext comes out accented and
bracketed (`Failures` → `⟦Fáíłúŕéš⟧`), placeholders and markup untouched. A page rendered in it shows
at a glance, and to a test exactly, every visible word that never went through the catalogue:
strings built in Python, choices, badges, chart labels, history lines.

Nothing is written to disk and no catalogue is compiled: the translation object is installed in
Django's cache of translations for the code `PSEUDO`, for as long as `pseudo_locale()` lasts.
"""

import contextlib
import gettext
import re
from html.parser import HTMLParser

from django.utils.translation import trans_real

PSEUDO = "x-pseudo"
OPEN, CLOSE = "⟦", "⟧"
_ACCENTS = str.maketrans("aceilnorsuyzACEILNORSUYZ", "áçéíłñóŕšúýžÁÇÉÍŁÑÓŔŠÚÝŽ")
# What must come through as it is: placeholders of both styles, markup and entities.
_KEPT = re.compile(r"(%\([^)]*\)[sdif]|%[sdif]|\{[^{}]*\}|<[^>]*>|&[#a-z0-9]+;)")


def pseudo(text: str) -> str:
    if not text:
        return text
    pieces = _KEPT.split(text)
    return OPEN + "".join(p if n % 2 else p.translate(_ACCENTS) for n, p in enumerate(pieces)) + CLOSE


class PseudoTranslation(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        # pgettext asks for "context\x04message" and takes back whatever has no \x04 in it.
        return pseudo(message.split("\x04", 1)[-1])

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def language(self) -> str:
        return PSEUDO

    def to_language(self) -> str:
        return PSEUDO


@contextlib.contextmanager
def pseudo_locale():
    """Make `PSEUDO` a language whose translations are the pseudo ones."""
    trans_real._translations[PSEUDO] = PseudoTranslation()
    try:
        yield PSEUDO
    finally:
        trans_real._translations.pop(PSEUDO, None)


class _Text(HTMLParser):
    """The text a person sees on a page: text nodes outside scripts and styles, and the words of
    placeholders, titles, labels and buttons."""

    SKIPPED = {"script", "style", "code", "pre", "kbd", "samp"}
    ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        attributes = dict(attrs)
        for name in self.ATTRIBUTES & attributes.keys():
            self.found.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.found.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.found.append(data)


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return [text.strip() for text in parser.found if text.strip()]


# Words that are the same in every language: names, acronyms, units, formats.
NAMES = {
    "Plantwright", "MTBF", "MTTR", "OEE", "ERP", "PO", "POs", "WO", "WOs", "PM", "CSV", "XLSX", "PDF", "API", "SMRP",
    "MQTT", "Tryton", "QR", "ISO", "UTC", "ID", "URL", "HMAC", "SHA", "JSON", "OpenAPI", "Bearer", "htmx", "EUR",
    "TRY", "USD", "English", "Türkçe", "Deutsch", "h", "min", "kg", "pcs",
}  # fmt: skip
_INNERMOST = re.compile(re.escape(OPEN) + f"[^{OPEN}{CLOSE}]*" + re.escape(CLOSE))
# A token that is data rather than words: it holds a digit, or is a code (capitals, dashes, dots).
_DATA = re.compile(r"^[\W\d_]*$|.*\d.*|^[A-Z0-9][A-Z0-9_.\-/:]+$|^[\w.+-]+@[\w.-]+$|^https?://\S+$")


def untranslated(texts: list[str], user_data: set[str]) -> list[str]:
    """The texts holding a word that went through no translation and is no user data, number, code or
    name. The page's texts are read as one stream: a translated sentence may hold markup, which cuts
    it into several texts between its brackets."""
    rest, before = "\n".join(texts), None
    while rest != before:  # innermost first: a translated sentence may hold a translated word
        before, rest = rest, _INNERMOST.sub(" ", rest)
    data = sorted((value for value in user_data if len(value) > 1), key=len, reverse=True)
    found = []
    for text in rest.split("\n"):
        for value in data:
            if value in text:
                text = text.replace(value, " ")
        words = [w.strip(".,;:!?()[]«»\"'·—–-→←×/|*#…") for w in text.split()]
        if any(w and w not in NAMES and not _DATA.match(w) for w in words):
            found.append(text.strip())
    return found
