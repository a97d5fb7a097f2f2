from django.urls import path

from . import views

urlpatterns = [
    path("schools/", views.school_list, name="school-list"),
    path("schools/<int:school_id>/", views.school_detail, name="school-detail"),
    path("schools/<int:school_id>/enrolments/<int:enrolment_id>/transition",
         views.enrolment_transition, name="school-enrolment-transition"),
    path("schooling/enrol/", views.enrol, name="school-enrol"),
    path("schooling/bulk/", views.bulk_home, name="school-bulk"),
    path("schooling/bulk/<int:proposal_id>/", views.bulk_proposal, name="school-bulk-proposal"),
    path("schooling/bulk/<int:proposal_id>/confirm", views.bulk_confirm,
         name="school-bulk-confirm"),
]
