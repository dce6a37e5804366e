"""Photos and documents on requests and WOs: checked by content, resized, kept through approval,
served only to those who may see the site."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from plantwright.maintenance import services
from plantwright.maintenance.models import Attachment
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(name="leak.jpg", size=(3000, 2000), fmt="JPEG", noise=False) -> SimpleUploadedFile:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, fmt, exif=exif) if fmt == "JPEG" else image.save(out, fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


PDF = SimpleUploadedFile(
    "manual.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", content_type="application/pdf"
)


def test_a_requests_photo_is_resized_stripped_and_follows_it_to_the_wo(as_user, requester, planner, asset):
    request = services.raise_work_request(requester, asset_id=asset.pk, title="Oil on the floor")
    client = as_user(requester)
    response = client.post(f"/requests/{request.pk}/attachments/", {"file": [photo(), PDF]})
    assert response.status_code == 302
    stored = Attachment.objects.get(content_type="image/jpeg")
    assert (stored.width, stored.height) == (1600, 1067) and stored.work_request == request
    with Image.open(stored.file.path) as image:
        assert image.size == (1600, 1067) and not image.getexif()  # no camera data kept
    assert f'src="/attachments/{stored.pk}/"' in client.get(f"/requests/{request.pk}/").content.decode()
    work_order = services.approve_work_request(planner, request)
    assert set(work_order.attachments.values_list("name", flat=True)) == {"leak.jpg", "manual.pdf"}
    page = as_user(planner).get(f"/work-orders/{work_order.pk}/").content.decode()
    assert f'src="/attachments/{stored.pk}/"' in page and "from the request" in page
    document = as_user(planner).get(f"/attachments/{Attachment.objects.get(name='manual.pdf').pk}/")
    assert document["Content-Type"] == "application/pdf" and "attachment;" in document["Content-Disposition"]
    assert document["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (
            SimpleUploadedFile("evil.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
            "unsupported_file_type",
        ),
        (SimpleUploadedFile("run.sh", b"#!/bin/sh\nrm -rf /\n", "text/plain"), "unsupported_file_type"),
        (SimpleUploadedFile("empty.png", b"", "image/png"), "file_empty"),
    ],
)
def test_what_is_no_photo_or_pdf_is_refused_and_nothing_stored(api_as, technician, asset, upload, code):
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress")
    status, body = api_as(technician).upload(f"/work-orders/{work_order.pk}/attachments", {"file": upload})
    assert status == 422 and body["error"]["code"] == code
    assert not Attachment.objects.exists()


def test_an_oversized_upload_is_refused(api_as, technician, asset, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 50_000
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress")
    status, body = api_as(technician).upload(
        f"/work-orders/{work_order.pk}/attachments", {"file": photo(size=(300, 300), fmt="PNG", noise=True)}
    )
    assert status == 422 and body["error"]["code"] == "file_too_large"
    assert body["error"]["details"]["max_bytes"] == 50_000
    assert not Attachment.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_the_api_attaches_lists_and_serves(api_as, technician, requester, asset):
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress")
    api = api_as(technician)
    status, body = api.upload(
        f"/work-orders/{work_order.pk}/attachments", {"file": photo("pump.png", (800, 600), "PNG")}
    )
    assert status == 201 and body["content_type"] == "image/png" and body["width"] == 800
    status, listed = api.get(f"/work-orders/{work_order.pk}/attachments")
    assert status == 200 and [a["name"] for a in listed] == ["pump.png"]
    response = api.client.get(body["url"], headers=api.headers)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    status, _ = api_as(requester).upload(f"/work-orders/{work_order.pk}/attachments", {"file": photo()})
    assert status == 403


def test_another_sites_people_never_see_the_file(as_user, api_as, technician, outsider, asset):
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress")
    attachment = services.attach(technician, photo(), source="t", work_order=work_order)
    assert as_user(outsider).get(f"/attachments/{attachment.pk}/").status_code == 404
    status, body = api_as(outsider).get(f"/attachments/{attachment.pk}")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert as_user(technician).get(f"/attachments/{attachment.pk}/").status_code == 200


def _bomb(size=(8900, 8900), fmt="PNG") -> SimpleUploadedFile:
    """A small file that claims many pixels (a single colour compresses to almost nothing)."""
    out = io.BytesIO()
    Image.new("L", size, 0).save(out, fmt)
    return SimpleUploadedFile(f"bomb.{fmt.lower()}", out.getvalue(), content_type="image/png")


@pytest.mark.parametrize("size,fmt", [((8900, 8900), "PNG"), ((4500, 4500), "PNG"), ((10000, 6000), "JPEG")])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(api_as, technician, asset, size, fmt, monkeypatch):
    bomb = _bomb(size, fmt)
    assert len(bomb.read()) < 1_000_000
    bomb.seek(0)
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress")
    status, body = api_as(technician).upload(f"/work-orders/{work_order.pk}/attachments", {"file": bomb})
    assert status == 422 and body["error"]["code"] == "image_too_large", body
    assert decoded == [] and not Attachment.objects.exists()


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(api_as, technician, asset):
    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress")
    big = _bomb((8000, 6000), "JPEG")  # a 48 MP camera's photo
    status, body = api_as(technician).upload(f"/work-orders/{work_order.pk}/attachments", {"file": big})
    assert status == 201 and (body["width"], body["height"]) == (1600, 1200)


def test_files_go_on_a_new_request_and_an_open_wo_only_through_the_api_too(
    api_as, technician, requester, planner, asset
):
    request = services.raise_work_request(requester, asset_id=asset.pk, title="Leak")
    request.status = "rejected"
    request.save()
    status, body = api_as(requester).upload(f"/work-requests/{request.pk}/attachments", {"file": photo()})
    assert status == 409 and body["error"]["code"] == "attachments_closed"
    closed = factories.WorkOrderFactory(asset=asset, status="closed")
    status, body = api_as(technician).upload(f"/work-orders/{closed.pk}/attachments", {"file": photo()})
    assert status == 409 and body["error"]["code"] == "attachments_closed"
    report = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    status, _ = api_as(planner).upload(f"/work-orders/{closed.pk}/attachments", {"file": report})
    assert status == 201  # the planner files the contractor's report after closing


def test_an_operator_sends_the_request_and_its_photo_in_one_go(as_user, requester, asset):
    from plantwright.maintenance.models import WorkRequest

    client = as_user(requester)
    form = {"asset": asset.pk, "title": "Oil on the floor", "description": "", "priority": "medium"}
    refused = client.post("/requests/new/", {**form, "photo": SimpleUploadedFile("x.jpg", b"<html>", "image/jpeg")})
    assert refused.status_code in (200, 422) and not WorkRequest.objects.exists()  # nothing half-written
    assert not Attachment.objects.exists()
    sent = client.post("/requests/new/", {**form, "photo": photo()})
    request = WorkRequest.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/requests/{request.pk}/"
    assert Attachment.objects.get().work_request == request
    page = client.get("/requests/new/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'data-searchable="Search: code, name or place"' in page
