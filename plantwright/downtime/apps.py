from django.apps import AppConfig


class DowntimeConfig(AppConfig):
    name = "plantwright.downtime"
    label = "downtime"
    verbose_name = "Downtime from the OEE platform"

    def ready(self) -> None:
        from plantwright.downtime.stops_import import KIND
        from plantwright.maintenance.import_kinds import register_import

        register_import(KIND)
        from plantwright.downtime import loopback, panels

        loopback.register_handlers()
        panels.register()
