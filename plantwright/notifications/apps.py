from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "plantwright.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from plantwright.notifications import email  # noqa: F401 (registers the outbox handler)
        from plantwright.notifications.services import tell_admins_of_dead_letter
        from plantwright.outbox.registry import on_dead_letter

        on_dead_letter(tell_admins_of_dead_letter)
