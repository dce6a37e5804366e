from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "plantwright.procurement"
    label = "procurement"
    verbose_name = "Parts requests and PO links"

    def ready(self) -> None:
        from plantwright.procurement import panels

        panels.register()
