from django.contrib import admin
from django.urls import include, path

from plantwright import health, metrics
from plantwright.api import api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("plantwright.accounts.urls")),
    path("", include("plantwright.assets.urls")),
    path("", include("plantwright.maintenance.urls")),
    path("", include("plantwright.inventory.urls")),
    path("", include("plantwright.procurement.urls")),
    path("", include("plantwright.erp.urls")),
    path("", include("plantwright.outbox.urls")),
    path("", include("plantwright.downtime.urls")),
    path("", include("plantwright.pm.urls")),
    path("", include("plantwright.reliability.urls")),
    path("", include("plantwright.portal.urls")),
    path("", include("plantwright.notifications.urls")),
]
