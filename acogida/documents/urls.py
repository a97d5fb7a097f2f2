from django.urls import path

from . import views_public

urlpatterns = [
    path(".well-known/acogida/issuer-keys.json", views_public.issuer_keys, name="issuer-keys"),
]
