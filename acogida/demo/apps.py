from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: seeds every app with a synthetic caravan. It may import any app; none imports it."""

    name = "acogida.demo"
    label = "demo"
