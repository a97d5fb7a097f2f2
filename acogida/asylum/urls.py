from django.urls import path

from . import views

urlpatterns = [
    path("claims/", views.worklist, name="claim-worklist"),
    path("claims/new", views.claim_new, name="claim-new"),
    path("claims/<str:number>/", views.claim_detail, name="claim-detail"),
    path("claims/<str:number>/move", views.claim_move, name="claim-move"),
    path("claims/<str:number>/facts/<str:topic>", views.claim_facts, name="claim-facts"),
    path("claims/<str:number>/screening", views.claim_screening, name="claim-screening"),
]
