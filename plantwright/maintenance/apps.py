from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "plantwright.maintenance"
    label = "maintenance"
    verbose_name = "Work requests and work orders"

    def ready(self) -> None:
        from plantwright.accounts.idempotency import purge_idempotency_keys
        from plantwright.maintenance import panels
        from plantwright.maintenance.selectors.counts import compact
        from plantwright.scheduling.registry import register_periodic

        panels.register()
        register_periodic("maintenance.compact_counts", compact, every_seconds=60)
        # Registered here, as accounts sits below the scheduler; the WO forms are its main users.
        register_periodic("accounts.purge_idempotency_keys", purge_idempotency_keys, every_seconds=3600)
