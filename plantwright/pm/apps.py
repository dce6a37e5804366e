from django.apps import AppConfig


class PmConfig(AppConfig):
    name = "plantwright.pm"
    label = "pm"
    verbose_name = "Preventive maintenance"

    def ready(self) -> None:
        from plantwright.maintenance.import_kinds import register_import
        from plantwright.pm.history_import import KIND

        register_import(KIND)
        from plantwright.pm.services import generate_due_work_orders
        from plantwright.scheduling.registry import register_periodic

        # Run by the outbox worker (in `make run` and in production): idempotent, safe on several workers.
        register_periodic("pm.generate", generate_due_work_orders, every_seconds=600)
