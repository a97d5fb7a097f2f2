from django.urls import path

from . import views

urlpatterns = [
    path("health/", views.home, name="health-home"),
    path("health/stats/", views.stats, name="health-stats"),
    path("health/encounters/new", views.encounter_new, name="health-encounter-new"),
    path("health/vaccinations/new", views.vaccination_new, name="health-vaccination-new"),
    path("health/referrals/new", views.referral_new, name="health-referral-new"),
    path("health/referrals/<int:referral_id>/transition", views.referral_transition,
         name="health-referral-transition"),
    path("people/<str:registration_number>/health/", views.person_health, name="health-person"),
    path("people/<str:registration_number>/health/break-glass", views.break_glass,
         name="health-break-glass"),
]
