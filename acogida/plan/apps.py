from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "acogida.plan"
    label = "plan"
