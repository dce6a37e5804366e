from django.apps import AppConfig


class ErpConfig(AppConfig):
    name = "plantwright.erp"
    label = "erp"
    verbose_name = "ERP connectors"

    def ready(self) -> None:
        from plantwright.erp import connectors, panels
        from plantwright.erp.tryton.poller import poll_due_connections
        from plantwright.scheduling.registry import register_periodic

        connectors.register_outbox_handlers()
        panels.register()
        # Tryton has no webhooks: the worker asks it what changed (each connection at its own interval).
        register_periodic("erp.tryton.poll", poll_due_connections, every_seconds=15)
