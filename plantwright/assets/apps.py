from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "plantwright.assets"
    label = "assets"
    verbose_name = "Locations and assets"
