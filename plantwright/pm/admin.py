from django.contrib import admin

from plantwright.pm.models import JobPlan, JobPlanCheck, JobPlanPart, JobPlanTask, PmOccurrence, PmSchedule, PmSettings


class TaskInline(admin.TabularInline):
    model = JobPlanTask
    extra = 1


class PartInline(admin.TabularInline):
    model = JobPlanPart
    extra = 1
    raw_id_fields = ["part"]


class CheckInline(admin.TabularInline):
    model = JobPlanCheck
    extra = 1


@admin.register(JobPlan)
class JobPlanAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "site", "active"]
    list_filter = ["site", "active"]
    search_fields = ["code", "name"]
    inlines = [TaskInline, PartInline, CheckInline]


@admin.register(PmSchedule)
class PmScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "asset", "trigger", "interval", "interval_unit", "mode", "lead_days", "active"]
    list_filter = ["site", "trigger", "mode", "active"]
    search_fields = ["name", "asset__code"]
    autocomplete_fields = ["asset", "job_plan"]
    raw_id_fields = ["meter"]


@admin.register(PmOccurrence)
class PmOccurrenceAdmin(admin.ModelAdmin):
    list_display = ["schedule", "sequence", "due_date", "work_order"]
    list_filter = ["schedule__site"]
    raw_id_fields = ["work_order"]


admin.site.register(PmSettings)
