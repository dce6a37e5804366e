from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "plantwright.outbox"
    label = "outbox"
    verbose_name = "Outbox (messages to other systems)"
