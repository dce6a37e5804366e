"""Domain errors in the reader's language: the words come from the catalogue keyed by code, the
code never changes; the API speaks its caller's `Accept-Language` (English by default), pages the
reader's language."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from plantwright.core import errors
from plantwright.core.error_catalogue import MESSAGES
from plantwright.maintenance import services

ROOT = Path(settings.BASE_DIR) / "plantwright"
ERRORS = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)}


def raised_by_code() -> dict[str, list[str]]:
    """Each code an error is raised with and no words of its own: where."""
    found: dict[str, list[str]] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if len(path.suffixes) > 1:
            continue  # makemessages' passing copy of a template (x.html.py), while a test runs it beside us
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERRORS and not node.args:
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                if code is None:  # the class's own code
                    name = getattr(errors, node.func.id).code
                else:
                    name = code.value if isinstance(code, ast.Constant) else "(no literal code)"
                found.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_code_raised_without_words_has_them_in_the_catalogue():
    raised = raised_by_code()
    assert raised, "the scan finds the errors raised by code"
    assert {code: where for code, where in raised.items() if code not in MESSAGES} == {}


def test_the_words_are_read_in_the_language_where_they_are_shown():
    error = errors.Conflict(code="work_order_not_bookable", number="WO-000007", status="Kapandı")
    with translation.override("en"):
        assert error.message == "WO-000007 is Kapandı: time cannot be booked on it."
    with translation.override("tr"):
        assert error.message.startswith("WO-000007") and "time cannot" not in error.message
        assert error.as_body()["error"]["code"] == "work_order_not_bookable"
    assert errors.ValidationFailed("Plain words stay.").message == "Plain words stay."


@pytest.mark.django_db
def test_the_api_answers_in_the_callers_language(api_as, client, technician, planner, asset):
    work_order = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Seal")
    work_order = services.transition_work_order(planner, work_order, to="approved")
    token = api_as(technician).headers
    body = {"technician": technician.pk, "hours": "30", "work_date": timezone.localdate().isoformat()}
    answers = {}
    for language in ("", "tr-TR,tr;q=0.9", "de-DE", "fr-FR"):
        headers = {**token, **({"Accept-Language": language} if language else {})}
        response = client.post(f"/api/v1/work-orders/{work_order.pk}/labor", body, "application/json", headers=headers)
        assert response.status_code == 422
        answers[language] = (response.headers["Content-Language"], response.json()["error"])
    english, turkish, german, unknown = (answers[k] for k in ("", "tr-TR,tr;q=0.9", "de-DE", "fr-FR"))
    assert english[0] == "en" and english[1]["message"] == "Hours must be more than 0 and at most 24."
    assert turkish[0] == "tr" and turkish[1]["code"] == english[1]["code"] == "hours_out_of_range"
    assert turkish[1]["message"] != english[1]["message"] and "24" in turkish[1]["message"]
    assert german == ("de", {**english[1], "message": "Stunden müssen größer als 0 und höchstens 24 sein."})
    assert unknown == english  # a language we do not have: English


@pytest.mark.django_db
def test_a_page_shows_the_error_in_the_readers_language(as_user, planner, asset):
    planner.language = "tr"
    planner.save()
    work_order = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Seal")
    page = as_user(planner).post(f"/work-orders/{work_order.pk}/transition/", {"to": "closed"})
    html = page.content.decode()
    assert page.status_code == 409 and "cannot go from" not in html and "Taslak" in html
