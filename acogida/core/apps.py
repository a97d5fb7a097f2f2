from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "acogida.core"
    label = "core"
