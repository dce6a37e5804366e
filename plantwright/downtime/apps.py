from django.apps import AppConfig


class DowntimeConfig(AppConfig):
    name = "plantwright.downtime"
    label = "downtime"
    verbose_name = "Downtime from the OEE platform"

    def ready(self) -> None:
        from plantwright.downtime import loopback, panels

        loopback.register_handlers()
        panels.register()
