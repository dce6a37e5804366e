from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    name = "plantwright.reliability"
    label = "reliability"
    verbose_name = "Reliability and cost KPIs"

    def ready(self) -> None:
        from plantwright.reliability import panels
        from plantwright.reliability.export_jobs import delete_old_exports
        from plantwright.reliability.monthly import refresh_all, refresh_changed
        from plantwright.scheduling.registry import register_periodic

        panels.register()
        register_periodic("reliability.delete_old_exports", delete_old_exports, every_seconds=3600)
        # The worker keeps the months within seconds of the history, so that readers never rebuild them
        # (monthly._readable: they do only when the worker is behind by RELIABILITY_STALE_SECONDS).
        register_periodic("reliability.refresh_months", refresh_all, every_seconds=60)
        register_periodic("reliability.refresh_changed_months", refresh_changed, every_seconds=3)
