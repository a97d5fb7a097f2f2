"""The schooling API added for issue 5: the age suggestion, the enrolments list, and bulk
proposals (create, read, confirm all or nothing)."""

from datetime import date

import pytest
from django.utils import timezone

from acogida import testing
from acogida.schooling import grades
from acogida.schooling.models import Enrolment

from .factories import child, enrol, family, make_school, school_near, shelter_with

pytestmark = pytest.mark.django_db

YEAR = grades.school_year_start(timezone.localdate())
JSON = "application/json"


@pytest.fixture
def education():
    return testing.api_client(testing.make_user("education"))


def _aged(age: int, year: int = YEAR, **overrides):
    return child(born=str(date(year - age, 3, 1)), **overrides)


# ---- the suggestion ------------------------------------------------------------------------------

def test_suggestion_says_level_grade_age_reference_date_and_source(education):
    kid = _aged(8)
    response = education.get(f"/api/v1/people/{kid.registration_number}/school-suggestion")
    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["grade"], body["age"]) == ("primaria", 3, 8)
    assert body["reference_date"] == f"{YEAR}-12-31" and body["school_year"] == YEAR
    assert "31 December" in body["rule"] and "SEP" in body["source"]


def test_suggestion_for_another_school_year_and_a_child_born_late_in_the_year(education):
    kid = child(born="2012-12-31")  # 6 on 31 December 2018: primaria grade 1 that year
    url = f"/api/v1/people/{kid.registration_number}/school-suggestion?school_year=2018"
    assert education.get(url).json()["level"] == "primaria"
    assert education.get(url).json()["grade"] == 1
    url = f"/api/v1/people/{kid.registration_number}/school-suggestion?school_year=2017"
    assert education.get(url).json()["level"] == "preescolar"


@pytest.mark.parametrize("age", [2, 18, 35])
def test_suggestion_outside_3_to_17_is_a_clear_422(education, age):
    person = _aged(age)
    response = education.get(f"/api/v1/people/{person.registration_number}/school-suggestion")
    assert response.status_code == 422
    assert f"{age} on 31 December {YEAR}" in response.json()["detail"]
    assert "3 to 17" in response.json()["detail"]


def test_suggestion_unknown_person_or_bad_year(education):
    assert education.get("/api/v1/people/NOPE/school-suggestion").status_code == 404
    kid = _aged(8)
    url = f"/api/v1/people/{kid.registration_number}/school-suggestion?school_year=1850"
    assert education.get(url).status_code == 422
    url = f"/api/v1/people/{kid.registration_number}/school-suggestion?school_year=x"
    assert education.get(url).status_code == 422


# ---- the list ----------------------------------------------------------------------------------

def test_enrolments_list_filters_and_pages(education):
    school = make_school(seats={3: 2})
    other = make_school("Primaria Hidalgo", seats={3: 1})
    kids = [_aged(8, given_names=f"Niño {i}") for i in range(4)]
    for kid in kids[:3]:
        enrol(kid, school, today=timezone.localdate())
    enrol(kids[3], other, today=timezone.localdate())
    everything = education.get("/api/v1/enrolments").json()
    assert everything["count"] == 4 and not everything["has_next"]
    listed = education.get(f"/api/v1/enrolments?school={school.pk}&status=waitlisted").json()
    assert [(e["person"], e["waitlist_position"]) for e in listed["items"]] == [
        (kids[2].registration_number, 1)]
    mine = education.get(f"/api/v1/enrolments?person={kids[3].registration_number}").json()
    assert [e["school_name"] for e in mine["items"]] == ["Primaria Hidalgo"]
    first = education.get("/api/v1/enrolments?page_size=3").json()
    second = education.get("/api/v1/enrolments?page_size=3&page=2").json()
    assert (len(first["items"]), first["has_next"], len(second["items"])) == (3, True, 1)
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in second["items"]})


def test_enrolments_list_bad_filters_are_422(education):
    for query in ("status=lost", "page=0", "page_size=1000", "school=abc"):
        response = education.get(f"/api/v1/enrolments?{query}")
        assert response.status_code == 422, query
        assert response.json()["detail"]


def test_enrolments_list_query_count_is_capped(education, django_assert_max_num_queries):
    schools = [make_school(f"Primaria {i}", seats={3: 3}) for i in range(3)]
    for i in range(24):
        enrol(_aged(8, given_names=f"Niño {i}"), schools[i % 3], today=timezone.localdate())
    with django_assert_max_num_queries(12):
        response = education.get("/api/v1/enrolments?page_size=50")
    assert response.status_code == 200 and response.json()["count"] == 24
    assert sum(1 for e in response.json()["items"] if e["waitlist_position"]) == 15


def test_enrolments_list_is_refused_to_roles_without_school_read():
    client = testing.api_client(testing.make_user("registration"))
    assert client.get("/api/v1/enrolments").status_code == 403


# ---- bulk proposals ----------------------------------------------------------------------------

@pytest.fixture
def shelter():
    """Two siblings in primaria grade 3 and, in another family, one more; two seats nearby."""
    shelter = shelter_with(family("Ramos", 8, 8), family("Cruz", 8))
    school_near("Primaria Cercana", 1.0, {3: 2})
    return shelter


def _propose(client, shelter, **extra):
    return client.post("/api/v1/enrolments/bulk-proposals",
                       {"shelter": shelter.pk, "date": "2018-11-15", **extra}, content_type=JSON)


def test_bulk_proposal_create_read_confirm_and_confirm_again(education, shelter):
    created = _propose(education, shelter)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["school_year"] == 2018
    assert body["reference_date"] == "2018-12-31"
    assert body["counts"] == {"enrol": 2, "waitlist": 1, "no_school": 0, "already": 0}
    outcomes = {line["full_name"].split()[1]: line["outcome"] for line in body["lines"]}
    assert outcomes == {"Ramos": "enrol", "Cruz": "waitlist"}  # siblings together, first
    waiting = next(line for line in body["lines"] if line["outcome"] == "waitlist")
    assert waiting["school_name"] == "Primaria Cercana" and "No seat" in waiting["reason"]
    assert Enrolment.objects.count() == 0

    url = f"/api/v1/enrolments/bulk-proposals/{body['id']}"
    assert education.get(url).json()["lines"] == body["lines"]
    confirmed = education.post(url + "/confirm", content_type=JSON)
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["result"] == {"enrolled": 2, "waitlisted": 1}
    again = education.post(url + "/confirm", content_type=JSON)
    assert again.status_code == 409 and "already confirmed" in again.json()["detail"]
    assert Enrolment.objects.count() == 3


def test_bulk_confirm_reports_a_line_that_no_longer_fits_and_changes_nothing(education,
                                                                             shelter):
    body = _propose(education, shelter).json()
    school = body["lines"][0]["school"]
    enrol(child(given_names="Otro"), type("S", (), {"pk": school})())  # takes a seat
    refused = education.post(f"/api/v1/enrolments/bulk-proposals/{body['id']}/confirm",
                             content_type=JSON)
    assert refused.status_code == 409
    assert "no longer fit" in refused.json()["detail"]
    assert any("no free seat" in e["message"] for e in refused.json()["errors"])
    assert Enrolment.objects.count() == 1
    assert education.get(f"/api/v1/enrolments/bulk-proposals/{body['id']}").json()[
        "status"] == "draft"


def test_bulk_proposal_bad_input_is_never_a_500(education, shelter):
    assert _propose(education, type("S", (), {"pk": 999999})()).status_code == 404
    assert education.post("/api/v1/enrolments/bulk-proposals", {},
                          content_type=JSON).status_code == 422
    assert _propose(education, shelter, school_year=1900).status_code == 422
    assert education.post("/api/v1/enrolments/bulk-proposals", {"shelter": shelter.pk,
                                                                "date": "2018-02-30"},
                          content_type=JSON).status_code == 422
    assert education.get("/api/v1/enrolments/bulk-proposals/999999").status_code == 404
    assert education.get("/api/v1/enrolments/bulk-proposals/abc").status_code == 404
    assert education.post("/api/v1/enrolments/bulk-proposals/abc/confirm",
                          content_type=JSON).status_code == 404
    by_name = education.post("/api/v1/enrolments/bulk-proposals",
                             {"shelter": "Estadio Palillo", "date": "2018-11-15"},
                             content_type=JSON)
    assert by_name.status_code == 201


def test_bulk_proposals_are_refused_to_roles_that_may_not_enrol(shelter):
    client = testing.api_client(testing.make_user("shelter"))
    assert _propose(client, shelter).status_code == 403
