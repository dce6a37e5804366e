"""The request portal behind an asset's QR label: open on the plant network without an account,
guarded against robots and floods; and the labels."""

import io
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from plantwright.maintenance.models import Attachment, WorkRequest
from plantwright.portal.models import PortalSubmission
from plantwright.portal.services import code_for, form_stamp
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _portal(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PORTAL_NETWORKS = ["127.0.0.0/8", "10.0.0.0/8"]
    settings.PORTAL_PER_ADDRESS_PER_HOUR = 3
    settings.PORTAL_PER_ASSET_PER_HOUR = 5


def stamp_for(asset, seconds_ago: int = 30) -> str:
    """A form stamp of a form shown some seconds ago (people take a while to type)."""
    return form_stamp(asset, issued_at=time.time() - seconds_ago)


def report(client, asset, *, address="10.1.2.3", **fields):
    data = {"name": "Ayşe (line 2)", "description": "Conveyor belt slipping\nsince the morning", "website": ""}
    data["stamp"] = stamp_for(asset)
    data.update(fields)
    return client.post(f"/q/{code_for(asset).code}/", data, REMOTE_ADDR=address)


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "blue").save(out, "JPEG")
    return SimpleUploadedFile("belt.jpg", out.getvalue(), content_type="image/jpeg")


def test_an_operator_without_an_account_reports_with_a_photo(client, asset):
    page = client.get(f"/q/{code_for(asset).code}/", REMOTE_ADDR="10.1.2.3")
    assert page.status_code == 200 and asset.code in page.content.decode() and 'name="website"' in page.content.decode()
    response = report(client, asset, photo=jpeg())
    assert response.status_code == 201
    request = WorkRequest.objects.get()
    assert request.origin == "portal" and request.reporter_name == "Ayşe (line 2)"
    assert request.title == "Conveyor belt slipping" and request.requested_by.username == "portal"
    assert request.number in response.content.decode()
    photo = Attachment.objects.get()
    assert photo.work_request == request and photo.source == "portal:10.1.2.3" and photo.uploaded_by is None


def test_people_with_an_account_get_the_asset_page(as_user, planner, outsider, asset):
    response = as_user(planner).get(f"/q/{code_for(asset).code}/")
    assert response.status_code == 302 and response["Location"] == f"/assets/{asset.pk}/"
    # Someone of another site scanning this label may report a problem, but sees no asset page.
    response = as_user(outsider).get(f"/q/{code_for(asset).code}/", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200 and "Report a problem" in response.content.decode()


def test_outside_the_plant_network_the_portal_is_closed(client, asset):
    response = client.get(f"/q/{code_for(asset).code}/", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 403
    assert report(client, asset, address="203.0.113.7").status_code == 403
    assert not WorkRequest.objects.exists()
    assert client.get("/q/no-such-label/", REMOTE_ADDR="10.1.2.3").status_code == 404


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"website": "http://spam.example"}, "spam_suspected"),
        ({"stamp": "forged"}, "form_expired"),
        ({"description": "?"}, "validation_failed"),
        ({"name": ""}, "validation_failed"),
    ],
)
def test_robots_and_empty_reports_are_refused(client, asset, fields, code):
    response = report(client, asset, **fields)
    assert response.status_code == 422 and f'data-code="{code}"' in response.content.decode()
    assert not WorkRequest.objects.exists() and not PortalSubmission.objects.exists()


def test_a_form_sent_faster_than_a_person_types_is_refused(client, asset):
    response = report(client, asset, stamp=stamp_for(asset, seconds_ago=0))
    assert response.status_code == 422 and 'data-code="too_fast"' in response.content.decode()


def test_a_flood_gets_429_and_writes_nothing_past_the_limit(client, asset, site):
    for _ in range(3):
        assert report(client, asset).status_code == 201
    response = report(client, asset)
    assert response.status_code == 429 and 'data-code="rate_limited"' in response.content.decode()
    assert WorkRequest.objects.count() == 3
    other = factories.AssetFactory(site=site, code="P-202")
    assert report(client, other).status_code == 429  # the limit is the device's, whatever it scans
    for n in range(2):  # other devices, same machine: the asset's limit (5)
        assert report(client, asset, address=f"10.9.9.{n}").status_code == 201
    assert report(client, asset, address="10.9.9.7").status_code == 429
    assert WorkRequest.objects.count() == 5 == PortalSubmission.objects.count()
    PortalSubmission.objects.update(created_at=PortalSubmission.objects.first().created_at - timedelta(hours=2))
    assert report(client, asset).status_code == 201  # an hour later it opens again


def test_labels_as_svg_and_a_pdf_sheet_per_location(as_user, planner, outsider, site, asset):
    hall = factories.LocationFactory(site=site, code="HALL")
    for n in range(30):  # two pages of 24
        factories.AssetFactory(site=site, location=hall, code=f"L-{n:02d}")
    client = as_user(planner)
    svg = client.get(f"/assets/{asset.pk}/label.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    pdf = client.get(f"/locations/{hall.pk}/labels.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf.content.count(b"/Type /Page\n") + pdf.content.count(b"/Type /Page ") >= 2
    assert f'src="/assets/{asset.pk}/label.svg"' in client.get(f"/assets/{asset.pk}/").content.decode()
    assert as_user(outsider).get(f"/locations/{hall.pk}/labels.pdf").status_code == 404  # (logs the client in anew)
    assert as_user(outsider).get(f"/assets/{asset.pk}/label.svg").status_code == 404


def test_the_portal_and_the_api_speak_the_browsers_language(client, asset, api_as):
    page = client.get(f"/q/{code_for(asset).code}/", REMOTE_ADDR="10.1.2.3", HTTP_ACCEPT_LANGUAGE="tr-TR,tr;q=0.9")
    html = page.content.decode()
    assert "Sorun bildir" in html and "Bakıma gönder" in html and 'lang="tr"' in html
    english = client.get(f"/q/{code_for(asset).code}/", REMOTE_ADDR="10.1.2.3", HTTP_ACCEPT_LANGUAGE="en-US")
    assert "Report a problem" in english.content.decode()
    response = client.get("/api/v1/work-orders", HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 401 and response.headers["Content-Language"] == "tr"
    assert response.json()["error"]["code"] == "unauthorized"  # the code never changes with the language
    assert client.get("/api/v1/work-orders").headers["Content-Language"] == "en"  # English by default


def test_a_user_chooses_the_language_whatever_the_browser_says(as_user, technician):
    client = as_user(technician)
    response = client.post("/account/language/", {"language": "tr", "next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    technician.refresh_from_db()
    assert technician.language == "tr"
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Bildirimler" in page and 'lang="tr"' in page
    client.post("/account/language/", {"language": "", "next": "https://evil.example/"})
    assert "Notifications" in client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert client.post("/account/language/", {"language": "xx"}).status_code == 302  # refused, with a message
    technician.refresh_from_db()
    assert technician.language == ""


def test_the_label_sheet_writes_turkish_names_in_an_embedded_unicode_font(as_user, planner, site):
    hall = factories.LocationFactory(site=site, code="SALON")
    factories.AssetFactory(site=site, location=hall, code="P-201", name="Besleme pompası ğüşİ")
    planner.language = "tr"
    planner.save()
    pdf = as_user(planner).get(f"/locations/{hall.pk}/labels.pdf").content
    assert b"/FontFile2" in pdf and b"DejaVuSans" in pdf  # a TrueType subset, embedded
    assert b"Helvetica" not in pdf  # the base-14 fonts have no ı, ş or ğ


def test_a_big_location_prints_its_labels_in_parts(as_user, planner, site, asset, monkeypatch):
    from plantwright.portal import labels

    monkeypatch.setattr(labels, "LABELS_PER_PART", 24)
    hall = factories.LocationFactory(site=site, code="BIG")
    for n in range(50):  # three parts of at most 24
        factories.AssetFactory(site=site, location=hall, code=f"B-{n:02d}")
    client = as_user(planner)
    page = client.get(f"/assets/{hall.assets.first().pk}/").content.decode()
    assert f'href="/locations/{hall.pk}/labels.pdf?part=3"' in page and "part=4" not in page
    last = client.get(f"/locations/{hall.pk}/labels.pdf?part=3")
    assert last.status_code == 200 and last.content.startswith(b"%PDF")
    assert "labels-BIG-3.pdf" in last["Content-Disposition"]
    assert client.get(f"/locations/{hall.pk}/labels.pdf?part=4").status_code == 404
    assert client.get(f"/locations/{hall.pk}/labels.pdf?part=x").status_code == 404
