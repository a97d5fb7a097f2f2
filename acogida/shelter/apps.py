from django.apps import AppConfig


class ShelterConfig(AppConfig):
    name = "acogida.shelter"
    label = "shelter"
