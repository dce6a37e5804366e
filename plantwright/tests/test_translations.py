"""English and Turkish: every string a person reads is marked, translated, compiled, and shown in the
reader's language (dates too); notifications are written in the recipient's language."""

import gettext
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from plantwright.maintenance import services as maintenance
from plantwright.notifications.models import Notification
from plantwright.testing import factories
from plantwright.testing.untranslated import catalogue_gaps, unmarked_in_templates, unmarked_strings

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "plantwright" / "templates"


def test_every_template_string_is_marked_for_translation():
    assert unmarked_in_templates(TEMPLATES) == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("<p>Open work orders</p>", ["Open work orders"]),
        ('<input placeholder="Why?">', ['placeholder="Why?"']),
        ('{{ x|default:"never" }}', ['"never"']),
        ("{% block title %}Today{% endblock %}", ["Today"]),
        ('<p>{% translate "Open work orders" %}</p>', []),
        ("<p>{% blocktranslate %}Page {{ n }}{% endblocktranslate %}</p>", []),
        ('{{ x|default:_("never") }} <code>GET /api/v1/x</code> MTBF · 12 h', []),
        ("<script>let label = 'not for people';</script>", []),
    ],
)
def test_the_check_finds_unmarked_text_and_only_that(source, found):
    assert unmarked_strings(source) == found


# Every language but English has a catalogue: adding a language is one here, in settings.LANGUAGES.
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
PROBE = {"tr": "Durum değişiklikleri", "de": "Statusänderungen"}


def test_every_language_of_the_settings_has_a_catalogue():
    assert {"tr", "de"} <= set(TRANSLATED)
    assert all(code in PROBE for code in TRANSLATED), "add the new language's word for 'Status changes'"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogue_is_complete_and_compiled(tmp_path, language):
    folder = ROOT / "plantwright" / "locale" / language / "LC_MESSAGES"
    po, mo = folder / "django.po", folder / "django.mo"
    assert catalogue_gaps(po) == []
    with mo.open("rb") as compiled:
        committed = gettext.GNUTranslations(compiled)
    assert committed.gettext("Status changes") == PROBE[language]
    if not shutil.which("msgfmt"):
        assert not os.environ.get("CI"), "gettext tools (msgfmt) are missing"
        return
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as compiled:
        expected = gettext.GNUTranslations(compiled)
    assert committed._catalog == expected._catalog, f"run: manage.py compilemessages -l {language} -i .venv"


@pytest.mark.skipif(
    not shutil.which("xgettext") and not os.environ.get("CI"), reason="gettext tools (xgettext) not installed"
)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_in_the_catalogue(tmp_path, language):
    folder = ROOT / "plantwright" / "locale" / language / "LC_MESSAGES"
    (tmp_path / language / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(folder / "django.po", tmp_path / language / "LC_MESSAGES" / "django.po")
    before = (folder / "django.po").stat().st_mtime_ns
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with override_settings(LOCALE_PATHS=[str(tmp_path)]):
            call_command(
                "makemessages",
                locale=[language],
                ignore_patterns=[".venv/*", "bench/*", "var/*", "plantwright/locale"],
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    assert (folder / "django.po").stat().st_mtime_ns == before  # the catalogue in the tree is left alone
    missing = catalogue_gaps(tmp_path / language / "LC_MESSAGES" / "django.po")
    assert missing == [], f"translate them in plantwright/locale/{language}/LC_MESSAGES/django.po, then compilemessages"


@pytest.mark.django_db
def test_a_german_reader_gets_pages_dates_and_numbers_in_german(as_user, planner, asset):
    planner.language = "de"
    planner.save()
    work_order = factories.WorkOrderFactory(asset=asset, due_date=timezone.localdate().replace(month=3, day=9))
    page = as_user(planner).get(f"/work-orders/{work_order.pk}/").content.decode()
    assert "Statusänderungen" in page and "Aufträge" in page and "Status changes" not in page
    assert "09.03." in page  # German date order
    assert 'lang="de"' in page


@pytest.mark.django_db
def test_a_turkish_reader_gets_the_work_order_page_in_turkish(as_user, planner, asset):
    reader = planner
    reader.language = "tr"
    reader.save()
    work_order = factories.WorkOrderFactory(asset=asset, due_date=timezone.localdate().replace(month=3, day=9))
    client = as_user(reader)
    page = client.get(f"/work-orders/{work_order.pk}/").content.decode()
    assert "Durum değişiklikleri" in page and "Status changes" not in page
    assert "Yazdır" in page and "İş emirleri" in page  # the page and the menu
    assert "09 Mar" in page or "09 Mart" in page  # Turkish date order, not 2026-03-09
    reader.language = "en"
    reader.save()
    page = client.get(f"/work-orders/{work_order.pk}/").content.decode()
    assert "Status changes" in page and f"{work_order.due_date:%Y-%m-%d}" in page


@pytest.mark.django_db
def test_each_person_is_notified_in_their_own_language(requester, planner, asset):
    requester.language = "tr"
    requester.save()
    request = maintenance.raise_work_request(requester, asset_id=asset.pk, title="Pompa kaçırıyor")
    work_order = maintenance.approve_work_request(planner, request)
    (note,) = Notification.objects.filter(user=requester)
    assert note.title == f"{planner.display_name}, {request.number} talebini onayladı: {work_order.number}"
