from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "plantwright.scheduling"
    label = "scheduling"
    verbose_name = "Scheduled jobs"
