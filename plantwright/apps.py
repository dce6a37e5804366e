from django.apps import AppConfig


class PlantwrightConfig(AppConfig):
    """The project package as an app: shared templates, static files and template tags."""

    name = "plantwright"
    label = "plantwright"
    verbose_name = "Plantwright"
