from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plantwright.accounts"
    label = "accounts"
    verbose_name = "Accounts and sites"

    def ready(self) -> None:
        from plantwright.accounts import panels

        panels.register()
