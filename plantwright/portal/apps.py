from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "plantwright.portal"
    label = "portal"
    verbose_name = "Shop-floor request portal and asset labels"

    def ready(self) -> None:
        from plantwright.portal import panels

        panels.register()
