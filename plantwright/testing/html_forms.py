"""What a browser would send for each form of a page, as it stands (nothing typed): the tests' way to
"save a form unchanged" without a browser. It applies HTML's value sanitization, so a date, time or
number input whose value the browser could not read is sent empty, as a real browser would."""

import re
from html.parser import HTMLParser

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_PATTERNS = {"date": ISO_DATE, "datetime-local": ISO_DATETIME_LOCAL, "number": NUMBER}


def sanitized(kind: str, value: str) -> str:
    pattern = _PATTERNS.get(kind)
    return "" if pattern and value and not pattern.match(value) else value


class PageForms(HTMLParser):
    """Each form as {"action", "method", "data"}; `inputs` keeps every named input's attributes.
    The first submit button that has a name is the one pressed: its name and value are sent."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.inputs: list[dict] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"action": attrs.get("action", ""), "method": method, "data": {}, "pressed": False})
        if not self.forms:
            return
        form = self.forms[-1]
        data = form["data"]
        kind = (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
        if tag in ("input", "button") and kind == "submit":
            if attrs.get("name") and not form["pressed"]:
                data.setdefault(attrs["name"], []).append(attrs.get("value", ""))
            form["pressed"] = True
        elif tag == "input" and attrs.get("name"):
            self.inputs.append(attrs)
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    data.setdefault(attrs["name"], []).append(attrs.get("value", "on"))
            elif kind not in ("button", "file", "reset", "image"):
                data.setdefault(attrs["name"], []).append(sanitized(kind, attrs.get("value") or ""))
        elif tag == "select" and attrs.get("name"):
            self._select, self._select_first = attrs["name"], None
            if "multiple" not in attrs:
                data.setdefault(self._select, [])
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                data.setdefault(self._select, []).append(value)
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            data.setdefault(self._textarea, []).append("")

    def handle_data(self, text):
        if self._textarea and self.forms:
            self.forms[-1]["data"][self._textarea][-1] += text

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            data = self.forms[-1]["data"]
            # A single select with nothing marked selected sends its first option.
            if self._select in data and not data[self._select] and self._select_first is not None:
                data[self._select].append(self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def read_forms(page: str) -> PageForms:
    parser = PageForms()
    parser.feed(page)
    return parser


def not_locale_neutral(inputs: list[dict]) -> list[str]:
    """The date, time and number inputs whose value a browser could not read."""
    wrong = []
    for attrs in inputs:
        value, kind = attrs.get("value") or "", attrs.get("type", "text")
        if value and sanitized(kind, value) != value:
            wrong.append(f"{attrs.get('name')}={value!r} ({kind})")
    return wrong
