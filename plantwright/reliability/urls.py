from django.urls import path

from plantwright.reliability import views

urlpatterns = [
    path("reliability/", views.dashboard, name="reliability-dashboard"),
    path("reliability/assets/", views.asset_table, name="reliability-assets"),
    path("reliability/behind/<slug:figure>/", views.behind, name="reliability-behind"),
    path("reliability/audit/", views.audit, name="reliability-audit"),
]
