from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo seeds every app with a synthetic caravan: it imports any app, none imports it."""

    name = "acogida.demo"
    label = "demo"
