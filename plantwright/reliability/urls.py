from django.urls import path

from plantwright.reliability import views

urlpatterns = [
    path("reliability/", views.dashboard, name="reliability-dashboard"),
    path("reliability/assets/", views.asset_table, name="reliability-assets"),
    path("reliability/behind/<slug:figure>/", views.behind, name="reliability-behind"),
    path("reliability/audit/", views.audit, name="reliability-audit"),
    path("reliability/at-a-glance/", views.at_a_glance, name="reliability-at-a-glance"),
    path("exports/", views.export_list, name="export-list"),
    path("exports/new/", views.export_start, name="export-start"),
    path("exports/<int:export_id>/", views.export_detail, name="export-detail"),
    path("exports/<int:export_id>/download/", views.export_download, name="export-download"),
]
