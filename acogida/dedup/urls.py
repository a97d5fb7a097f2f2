from django.urls import path

from . import views

urlpatterns = [
    path("duplicates/", views.queue, name="dedup-queue"),
    path("duplicates/runs/", views.runs, name="dedup-runs"),
    path("duplicates/runs/start", views.start_run, name="dedup-run-start"),
    path("duplicates/bulk-accept", views.bulk_accept, name="dedup-bulk-accept"),
    path("duplicates/pairs/<int:pair_id>/", views.pair_detail, name="dedup-pair"),
    path("duplicates/pairs/<int:pair_id>/decide", views.decide, name="dedup-pair-decide"),
    path("people/<str:registration_number>/unmerge", views.unmerge, name="person-unmerge"),
]
