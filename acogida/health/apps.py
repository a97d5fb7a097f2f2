from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "acogida.health"
    label = "health"
