from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    name = "plantwright.reliability"
    label = "reliability"
    verbose_name = "Reliability and cost KPIs"

    def ready(self) -> None:
        from plantwright.outbox.registry import register_periodic
        from plantwright.reliability.export_jobs import delete_old_exports

        register_periodic("reliability.delete_old_exports", delete_old_exports, every_seconds=3600)
