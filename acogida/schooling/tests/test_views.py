"""The teacher's pages: schools and seats, a school's class lists and waiting list with the
buttons, enrolling one child, and bulk proposals for a shelter."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from acogida import testing
from acogida.schooling import grades
from acogida.schooling.models import Enrolment

from .factories import enrol, family, make_school, school_near, shelter_with

pytestmark = pytest.mark.django_db

YEAR = grades.school_year_start(timezone.localdate())
TODAY = timezone.localdate()


@pytest.fixture
def teacher(client):
    client.force_login(testing.make_user("education"))
    return client


def _kids(school, *ages, surname="Ramos"):
    """A family; its children enrolled in ``school`` (a full grade waitlists)."""
    household = family(surname, *ages, year=YEAR)
    children = [m.person for m in household.members.order_by("id")
                if m.relationship == "child"]
    return [enrol(kid, school, today=TODAY) for kid in children]


def test_school_list_shows_seats_enrolled_and_waiting_per_grade(teacher):
    school = make_school(seats={3: 1})
    _kids(school, 8, 8)
    page = teacher.get(reverse("school-list")).content.decode()
    assert school.name in page and reverse("school-detail", args=[school.pk]) in page
    page = teacher.get(reverse("school-list"), headers={"Accept-Language": "en"}).content.decode()
    assert "1 of 1 seats taken; 1 children on waiting lists." in page
    assert reverse("school-list") in page  # the nav entry


def test_class_list_shows_name_age_guardian_contact_and_nothing_sensitive(teacher):
    school = make_school(seats={3: 1})
    household = family("Ramos", 8, 8, year=YEAR)
    kids = [m.person for m in household.members.order_by("id") if m.relationship == "child"]
    enrol(kids[0], school, today=TODAY)
    enrol(kids[1], school, today=TODAY)
    response = teacher.get(reverse("school-detail", args=[school.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert kids[0].full_name in page and "Rosa Ramos" in page and "+52 55 1234 5678" in page
    assert "Waiting list" in page or "Lista de espera" in page
    assert kids[1].full_name in page  # on the waiting list
    for hidden in ("HND", "San Pedro Sula", "asylum", "asilo", "diagn"):
        assert hidden not in page
    assert "window.print()" in page


def test_teacher_marks_attending_then_left_and_the_first_waiting_child_moves_up(teacher):
    school = make_school(seats={3: 1})
    first, second = _kids(school, 8, 8)
    url = reverse("school-enrolment-transition", args=[school.pk, first.pk])
    assert teacher.post(url, {"to": "attending"}).status_code == 302
    assert Enrolment.objects.get(pk=first.pk).status == "attending"
    teacher.post(url, {"to": "left"})
    assert Enrolment.objects.get(pk=first.pk).status == "left"
    assert Enrolment.objects.get(pk=second.pk).status == "enrolled"
    again = teacher.post(url, {"to": "attending"}, follow=True,  # left is final: a message
                         headers={"Accept-Language": "en"})
    assert again.status_code == 200 and b"cannot become" in again.content
    assert teacher.post(url, {"to": "nonsense"}).status_code == 302
    missing = reverse("school-enrolment-transition", args=[school.pk, 999999])
    assert teacher.post(missing, {"to": "left"}).status_code == 404
    assert Enrolment.objects.get(pk=first.pk).status == "left"


def test_enrol_page_search_suggestion_request_and_waitlist(teacher):
    school = make_school(seats={3: 1})
    household = family("Villanueva", 8, 8, year=YEAR)
    kids = [m.person for m in household.members.order_by("id") if m.relationship == "child"]
    found = teacher.get(reverse("school-enrol"), {"q": "villanueva"}).content.decode()
    assert kids[0].full_name in found
    shown = teacher.get(reverse("school-enrol"), {"person": kids[0].registration_number})
    page = shown.content.decode()
    assert "primaria" in page and f"{YEAR}-12-31" in page and school.name in page
    done = teacher.post(reverse("school-enrol"), {"person": kids[0].registration_number,
                                                  "school": school.pk}, follow=True)
    assert Enrolment.objects.get(person=kids[0]).status == "enrolled"
    assert school.name in done.content.decode()
    waiting = teacher.post(reverse("school-enrol"), {"person": kids[1].registration_number,
                                                     "school": school.pk}, follow=True)
    assert Enrolment.objects.get(person=kids[1]).status == "waitlisted"
    assert waiting.status_code == 200


def test_enrol_override_needs_the_placement_test_and_adults_are_refused(teacher):
    school = make_school(seats={2: 1, 3: 1})
    kid = family("Ortiz", 8, year=YEAR).members.get(relationship="child").person
    refused = teacher.post(reverse("school-enrol"), {"person": kid.registration_number,
                                                     "school": school.pk, "grade": "2"},
                           follow=True)
    assert refused.status_code == 200 and not Enrolment.objects.exists()
    teacher.post(reverse("school-enrol"), {"person": kid.registration_number,
                                           "school": school.pk, "grade": "2",
                                           "placement_test": "on"})
    enrolment = Enrolment.objects.get(person=kid)
    assert (enrolment.grade, enrolment.overridden_by_test) == (2, True)
    adult = testing.make_person(date_of_birth=str(date(YEAR - 30, 1, 1)))
    page = teacher.get(reverse("school-enrol"), {"person": adult.registration_number})
    assert page.status_code == 200 and b"3" in page.content
    assert teacher.post(reverse("school-enrol"), {"person": adult.registration_number,
                                                  "school": school.pk}).status_code == 302
    assert teacher.post(reverse("school-enrol"), {"person": "nobody",
                                                  "school": "x"}).status_code == 302
    assert teacher.get(reverse("school-enrol"), {"person": "nobody"}).status_code == 404


def test_bulk_pages_create_review_confirm_and_confirm_twice(client):
    client.force_login(testing.make_user("caseworker"))
    shelter = shelter_with(family("Ramos", 8, 8, year=YEAR), family("Cruz", 8, year=YEAR))
    school_near("Primaria Cercana", 1.0, {3: 2})
    home = client.get(reverse("school-bulk")).content.decode()
    assert shelter.name in home
    made = client.post(reverse("school-bulk"), {"shelter": shelter.pk})
    assert made.status_code == 302
    page = client.get(made["Location"]).content.decode()
    assert "Primaria Cercana" in page and "Cruz" in page
    proposal_id = int(made["Location"].rstrip("/").split("/")[-1])
    confirm = reverse("school-bulk-confirm", args=[proposal_id])
    assert client.post(confirm).status_code == 302
    assert Enrolment.objects.count() == 3
    twice = client.post(confirm, follow=True)
    assert twice.status_code == 200 and Enrolment.objects.count() == 3
    assert client.post(reverse("school-bulk"), {"shelter": "nope"}).status_code == 302
    assert client.post(reverse("school-bulk-confirm", args=[999999])).status_code == 404


def test_pages_refuse_roles_without_the_action(client):
    school = make_school(seats={3: 1})
    client.force_login(testing.make_user("shelter"))
    assert client.get(reverse("school-detail", args=[school.pk])).status_code == 403
    client.force_login(testing.make_user("coordinator"))
    assert client.get(reverse("school-bulk")).status_code == 403
    assert client.post(reverse("school-enrol"), {"person": "x"}).status_code == 403
