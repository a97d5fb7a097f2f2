from django.apps import AppConfig


class SchoolingConfig(AppConfig):
    name = "acogida.schooling"
    label = "schooling"
