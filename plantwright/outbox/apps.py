from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "plantwright.outbox"
    label = "outbox"
    verbose_name = "Outbox (messages to other systems)"

    def ready(self) -> None:
        from plantwright.outbox import events, panels

        events.register_handlers()
        panels.register()
