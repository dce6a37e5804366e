from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "plantwright.inventory"
    label = "inventory"
    verbose_name = "Parts and stock"

    def ready(self) -> None:
        from plantwright.inventory import panels

        panels.register()
