from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plantwright.assets.models import Asset, AssetClass, Location, Meter


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "site", "parent"]
    list_filter = ["site"]
    list_select_related = ["site", "parent"]


@admin.register(AssetClass)
class AssetClassAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Asset)
class AssetAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "site", "location", "asset_class", "criticality", "oee_machine_id"]
    list_filter = ["site", "criticality", "asset_class"]
    search_fields = ["code", "name", "oee_machine_id"]
    list_select_related = ["site", "location"]
    raw_id_fields = ["parent"]


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["asset", "code", "name", "unit", "kind"]
    search_fields = ["code", "name", "asset__code"]
    list_filter = ["kind"]
