from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DedupConfig(AppConfig):
    name = "acogida.dedup"
    label = "dedup"
    verbose_name = _("Identity resolution")
    default_auto_field = "django.db.models.BigAutoField"
