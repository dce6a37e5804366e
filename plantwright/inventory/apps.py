from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "plantwright.inventory"
    label = "inventory"
    verbose_name = "Parts and stock"

    def ready(self) -> None:
        from plantwright.inventory.parts_import import KIND
        from plantwright.maintenance.import_kinds import register_import

        register_import(KIND)
        from plantwright.inventory import panels

        panels.register()
