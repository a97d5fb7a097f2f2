from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "acogida.accounts"
    label = "accounts"
