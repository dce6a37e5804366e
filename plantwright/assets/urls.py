from django.urls import path

from plantwright.assets import views

urlpatterns = [
    path("sites/", views.site_list, name="site-list"),
    path("sites/<int:site_id>/tree/", views.site_tree, name="site-tree"),
    path("assets/", views.asset_list, name="asset-list"),
    path("assets/import/", views.asset_import, name="asset-import"),
    path("assets/<int:asset_id>/", views.asset_detail, name="asset-detail"),
    path("assets/<int:asset_id>/meter-readings/", views.meter_reading, name="asset-meter-reading"),
]
