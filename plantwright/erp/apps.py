from django.apps import AppConfig


class ErpConfig(AppConfig):
    name = "plantwright.erp"
    label = "erp"
    verbose_name = "ERP connectors"

    def ready(self) -> None:
        from plantwright.erp import connectors

        connectors.register_outbox_handlers()
