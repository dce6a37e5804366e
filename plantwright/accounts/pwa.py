"""The installable app (docs/shop-floor.md §Offline): the web manifest, the service worker that keeps
the pages a technician opened (and their My work) for use without a connection, and the page shown
offline when a page was never kept. Changes made offline wait in the phone's IndexedDB
(plantwright-offline-*.js) and are sent, each with its Idempotency-Key, when the connection returns."""

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

# What a page needs to draw offline; the service worker keeps these at install.
STATIC_FILES = (
    "vendor/pico-2.1.1.min.css",
    "vendor/htmx-2.0.11.min.js",
    "vendor/idb-8.0.4.umd.js",
    "plantwright/plantwright-0.1.css",
    "plantwright/plantwright-0.1.js",
    "plantwright/plantwright-offline-0.1.js",
    "plantwright/icon-192.png",
)
THEME = "#1e4078"


def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": "Plantwright",
            "short_name": "Plantwright",
            "description": _("Maintenance work orders, requests and parts"),
            "lang": request.LANGUAGE_CODE,
            "start_url": reverse("home"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": THEME,
            "icons": [
                {"src": static("plantwright/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("plantwright/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("plantwright/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
    )


@cache_control(no_cache=True)  # a new release must reach phones at their next visit
def service_worker(request: HttpRequest) -> HttpResponse:
    keep = [static(name) for name in STATIC_FILES] + [reverse("offline")]
    # Static URLs carry their content hash in production, so the version changes with any of them.
    version = hashlib.sha256("\n".join(keep).encode()).hexdigest()[:12]
    context = {
        "version": version,
        "keep": json.dumps(keep),
        "offline": json.dumps(reverse("offline")),
        "never": json.dumps(["/api/", "/admin/", reverse("login"), reverse("logout")]),
    }
    return render(request, "pwa/sw.js", context, content_type="text/javascript")


def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "pwa/offline.html")
