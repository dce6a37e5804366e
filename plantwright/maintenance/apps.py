from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "plantwright.maintenance"
    label = "maintenance"
    verbose_name = "Work requests and work orders"

    def ready(self) -> None:
        from plantwright.maintenance import panels

        panels.register()
