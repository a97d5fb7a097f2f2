from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "acogida.documents"
    label = "documents"
    verbose_name = "Documents"
