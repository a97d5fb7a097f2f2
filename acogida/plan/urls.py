from django.urls import path

from . import views

urlpatterns = [
    path("plan/", views.plan_home, name="plan-home"),
    path("plan/figures/", views.figures, name="plan-figures"),
    path("plan/places/<str:key>/", views.plan_place, name="plan-place"),
    path("plan/places/<str:key>/bulk-offer", views.bulk_offer, name="plan-bulk-offer"),
    path("plan/offers/<int:offer_id>/decide", views.decide, name="plan-offer-decide"),
    path("people/<str:registration_number>/plan/", views.person_plan, name="person-plan"),
    path("people/<str:registration_number>/plan/application", views.person_action,
         {"what": "application"}, name="person-plan-application"),
    path("people/<str:registration_number>/plan/offer", views.person_action,
         {"what": "offer"}, name="person-plan-offer"),
    path("people/<str:registration_number>/plan/pet", views.person_action, {"what": "pet"},
         name="person-plan-pet"),
]
