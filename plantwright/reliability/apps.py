from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    name = "plantwright.reliability"
    label = "reliability"
    verbose_name = "Reliability and cost KPIs"

    def ready(self) -> None:
        from plantwright.reliability import panels
        from plantwright.reliability.export_jobs import delete_old_exports
        from plantwright.reliability.monthly import refresh_all
        from plantwright.scheduling.registry import register_periodic

        panels.register()
        register_periodic("reliability.delete_old_exports", delete_old_exports, every_seconds=3600)
        # Readers rebuild what changed themselves; the worker does it first, so that they seldom have to.
        register_periodic("reliability.refresh_months", refresh_all, every_seconds=60)
