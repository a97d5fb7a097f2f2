from django.urls import path

from . import views

urlpatterns = [
    path("summary/", views.summary, name="stats-summary"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
