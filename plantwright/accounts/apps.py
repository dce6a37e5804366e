from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plantwright.accounts"
    label = "accounts"
    verbose_name = "Accounts and sites"
