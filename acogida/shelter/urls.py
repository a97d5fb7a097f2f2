from django.urls import path

from . import views

urlpatterns = [
    path("shelters/", views.shelter_list, name="shelter-list"),
    path("shelters/<int:shelter_id>/", views.shelter_detail, name="shelter-detail"),
    path("shelters/<int:shelter_id>/check-in/search", views.check_in_search,
         name="shelter-check-in-search"),
    path("shelters/<int:shelter_id>/check-in", views.check_in, name="shelter-check-in"),
    path("shelters/<int:shelter_id>/stays/<int:stay_id>/check-out", views.check_out,
         name="shelter-check-out"),
    path("shelters/<int:shelter_id>/sections/<int:section_id>/roll-call", views.roll_call,
         name="shelter-roll-call"),
    path("placement/", views.placement_home, name="placement-home"),
    path("placement/<int:proposal_id>/", views.placement_proposal, name="placement-proposal"),
    path("placement/<int:proposal_id>/lines", views.placement_line, name="placement-line"),
    path("placement/<int:proposal_id>/confirm", views.placement_confirm,
         name="placement-confirm"),
]
