from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "acogida.registry"
    label = "registry"
