from django.urls import path

from . import import_views, views

urlpatterns = [
    path("people/", views.person_search, name="person-search"),
    path("people/<str:registration_number>/", views.person_detail, name="person-detail"),
    path("people/<str:registration_number>/photo", views.person_photo, name="person-photo"),
    path("households/new", views.household_register, name="household-register"),
    path("households/new/row", views.member_row, name="household-member-row"),
    path("households/new/hints", views.duplicate_hints, name="duplicate-hints"),
    path("households/<str:number>/", views.household_detail, name="household-detail"),
    path("import/", import_views.people_import, name="people-import"),
    path("import/confirm", import_views.people_import_confirm, name="people-import-confirm"),
    path("import/template.<str:fmt>", import_views.people_import_template,
         name="people-import-template"),
]
