from django.urls import path

from plantwright.portal import views

urlpatterns = [
    path("q/<str:code>/", views.scan, name="portal-scan"),
    path("assets/<int:asset_id>/label.svg", views.asset_label, name="asset-label"),
    path("locations/<int:location_id>/labels.pdf", views.location_labels, name="location-labels"),
]
