from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plantwright.maintenance.models import FailureCode, WorkOrder, WorkOrderTransition, WorkRequest


@admin.register(FailureCode)
class FailureCodeAdmin(admin.ModelAdmin):
    list_display = ["kind", "code", "description", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "description"]


class TransitionInline(admin.TabularInline):
    model = WorkOrderTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(SimpleHistoryAdmin):
    # Support staff look; state changes go through the services (UI/API), so status is read-only here.
    list_display = ["number", "title", "site", "asset", "type", "status", "priority"]
    list_filter = ["site", "status", "type"]
    search_fields = ["number", "title"]
    readonly_fields = ["number", "status", "completed_at", "created_by"]
    list_select_related = ["site", "asset"]
    raw_id_fields = ["asset"]
    inlines = [TransitionInline]


@admin.register(WorkRequest)
class WorkRequestAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "site", "asset", "status", "requested_by"]
    list_filter = ["site", "status"]
    readonly_fields = ["number", "status", "work_order", "triaged_by", "triaged_at"]
    list_select_related = ["site", "asset", "requested_by"]
    raw_id_fields = ["asset"]
