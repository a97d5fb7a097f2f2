from django.urls import include, path

from acogida.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("acogida.accounts.urls")),
    path("", include("acogida.registry.urls")),
    path("", include("acogida.reporting.urls")),
    path("", include("acogida.documents.urls")),
    path("", include("acogida.shelter.urls")),
    path("", include("acogida.health.urls")),
    path("", include("acogida.schooling.urls")),
    path("", include("acogida.plan.urls")),
    path("", include("acogida.asylum.urls")),
    path("", include("acogida.dedup.urls")),
]
