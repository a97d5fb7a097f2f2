from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "acogida.reporting"
    label = "reporting"
