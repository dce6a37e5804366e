"""The installable app's parts: manifest, service worker and offline page (docs/shop-floor.md §Offline)."""

import json

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_the_manifest_makes_plantwright_installable(client, db):
    response = client.get(reverse("web-manifest"))
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_the_service_worker_is_served_at_the_root_and_always_revalidated(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]  # a release reaches phones at their next visit
    script = response.content.decode()
    assert '"/offline/"' in script and "/static/plantwright/plantwright-offline-0.1.js" in script
    assert '["/api/", "/admin/", "/login/", "/logout/"]' in script  # never kept: sign-in and machine calls


def test_every_page_links_the_manifest_and_the_offline_queue(as_user, technician):
    page = as_user(technician).get(reverse("home")).content.decode()
    assert 'rel="manifest"' in page and "plantwright-offline-0.1.js" in page
    assert 'id="pw-outbox"' in page and f'data-user="{technician.pk}"' in page
    assert "data-keep-offline" in page  # My work is kept for offline use


def test_the_offline_page_needs_no_sign_in(client, db):
    response = client.get(reverse("offline"))
    assert response.status_code == 200 and "No connection" in response.content.decode()
    assert 'data-user=""' in response.content.decode()
