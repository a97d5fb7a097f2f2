"""The schooling API: status codes, what each role sees, and what a class list leaves out."""

from datetime import date

import pytest
from django.utils import timezone

from acogida import testing
from acogida.schooling import grades

from .factories import bulk_proposal, make_school

pytestmark = pytest.mark.django_db

YEAR = grades.school_year_start(timezone.localdate())

# Consented to registration and to being phoned: a class list shows a guardian's phone only then.
CONTACTABLE = [{"purpose": "registration", "given_on": "2018-10-21"},
               {"purpose": "contact", "given_on": "2018-10-21"}]


def _child(age: int, **overrides):
    """Aged ``age`` on 31 December of the current school year."""
    return testing.make_person(**{"given_names": "Kevin", "first_surname": "Ramos",
                                  "sex": "male", "date_of_birth": str(date(YEAR - age, 3, 1)),
                                  **overrides})


@pytest.fixture
def education():
    return testing.api_client(testing.make_user("education"))


def _school(client, **values) -> dict:
    response = client.post("/api/v1/schools", {
        "name": "Primaria Benito Juárez", "level": "primaria", "state": "Ciudad de México",
        "municipality": "Iztacalco", **values}, content_type="application/json")
    assert response.status_code == 201, response.json()
    return response.json()


def _enrol(client, person, school_id, **extra):
    return client.post("/api/v1/enrolments", {"person": person.registration_number,
                                              "school": school_id, **extra},
                       content_type="application/json")


def test_schools_seats_enrolment_and_waiting_list(education):
    school = _school(education)
    assert [g["grade"] for g in school["grades"]] == [1, 2, 3, 4, 5, 6]
    response = education.post(f"/api/v1/schools/{school['id']}/seats", {"grade": 3, "seats": 1},
                              content_type="application/json")
    assert response.status_code == 200
    assert response.json()["grades"][2] == {"grade": 3, "seats": 1, "taken": 0, "free": 1,
                                            "waiting": 0}
    first = _enrol(education, _child(8), school["id"])
    second = _enrol(education, _child(8, given_names="Luis"), school["id"])
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["status"] == "enrolled" and first.json()["grade"] == 3
    assert second.json()["status"] == "waitlisted"
    assert second.json()["waitlist_position"] == 1
    listed = education.get(f"/api/v1/schools/{school['id']}").json()["grades"][2]
    assert (listed["taken"], listed["waiting"]) == (1, 1)

    left = education.post(f"/api/v1/enrolments/{first.json()['id']}/transitions",
                          {"to": "left"}, content_type="application/json")
    assert left.status_code == 200 and left.json()["status"] == "left"
    person = education.get(f"/api/v1/people/{second.json()['person']}/schooling").json()
    assert person["suggestion"] == {"level": "primaria", "grade": 3}
    assert person["age_on_cutoff"] == 8 and person["school_year"] == YEAR
    assert [e["status"] for e in person["enrolments"]] == ["enrolled"]


def test_domain_errors_not_500(education):
    school = _school(education)
    adult = _child(30)
    assert _enrol(education, adult, school["id"]).status_code == 422
    assert _enrol(education, _child(8), 999999).status_code == 404
    kid = _child(8)
    assert _enrol(education, kid, school["id"]).status_code == 201
    assert _enrol(education, kid, school["id"]).status_code == 409
    assert _enrol(education, _child(8), school["id"], grade=5).status_code == 422
    assert education.get("/api/v1/schools/nope").status_code == 404
    assert education.post("/api/v1/enrolments/nope/transitions", {"to": "left"},
                          content_type="application/json").status_code == 404
    assert education.post("/api/v1/enrolments/1/transitions", {"to": "gone"},
                          content_type="application/json").status_code == 422
    assert education.post("/api/v1/schools", {"name": "X", "level": "universidad",
                                               "state": "CDMX", "municipality": "Y"},
                          content_type="application/json").status_code == 422
    assert _school(education, name="Primaria Hidalgo")["id"]
    assert education.post("/api/v1/schools", {
        "name": "Primaria Benito Juárez", "level": "primaria", "state": "Ciudad de México",
        "municipality": "Iztacalco"}, content_type="application/json").status_code == 409


def test_the_class_list_has_no_needs_health_or_asylum(education):
    household = testing.make_household(members=[
        {"relationship": "head", "person": testing.person_values(
            given_names="José", first_surname="Hernández", sex="male",
            date_of_birth="1985-03-12", phone="+50499887766", consents=CONTACTABLE,
            specific_needs=["SP"])},
        {"relationship": "child", "person": testing.person_values(
            given_names="Dayana", first_surname="Hernández",
            date_of_birth=str(date(YEAR - 8, 1, 5)), specific_needs=["SC"])},
    ])
    dayana = household.members.get(relationship="child").person
    school = make_school(seats={3: 2})
    assert _enrol(education, dayana, school.pk).status_code == 201
    response = education.get(f"/api/v1/schools/{school.pk}/class-list?grade=3")
    assert response.status_code == 200
    [row] = response.json()
    assert set(row) == {"registration_number", "full_name", "age", "grade", "status",
                        "guardian_name", "guardian_phone"}
    assert row["guardian_phone"] == "+50499887766"
    # no field carries a need code (a random registration number may contain "SC")
    assert not {"SC", "SP"} & {str(value) for value in row.values()}
    assert education.get(f"/api/v1/schools/{school.pk}/class-list?grade=5").json() == []


@pytest.mark.parametrize(("role", "status"), [
    ("education", 200), ("caseworker", 200), ("admin", 200),
    ("shelter", 403), ("medical", 403), ("coordinator", 403), ("registration", 403)])
def test_who_reads_class_lists(role, status):
    school = make_school(seats={3: 1})
    client = testing.api_client(testing.make_user(role))
    assert client.get(f"/api/v1/schools/{school.pk}/class-list").status_code == status


def test_the_coordinator_sees_only_counts(education):
    school = make_school(seats={3: 1})
    _enrol(education, _child(8), school.pk)
    _enrol(education, _child(8, given_names="Luis"), school.pk)
    coordinator = testing.api_client(testing.make_user("coordinator"))
    response = coordinator.get("/api/v1/stats/schooling")
    assert response.status_code == 200
    primaria = next(r for r in response.json()["levels"] if r["level"] == "primaria")
    assert (primaria["enrolled"], primaria["waitlisted"], primaria["seats"]) == ("<5", "<5", 1)
    assert "Kevin" not in response.content.decode()
    for path in ("/api/v1/schools", f"/api/v1/schools/{school.pk}",
                 f"/api/v1/schools/{school.pk}/class-list"):
        assert coordinator.get(path).status_code == 403


def test_class_list_queries_do_not_grow_with_the_class(education, django_assert_max_num_queries):
    school = make_school(seats={3: 30})
    for i in range(12):
        _enrol(education, _child(8, given_names=f"Niño {i}"), school.pk)
    with django_assert_max_num_queries(14):
        assert len(education.get(f"/api/v1/schools/{school.pk}/class-list").json()) == 12


def test_no_schooling_route_answers_500_to_an_empty_request():
    from acogida.accounts.tests.test_access_matrix import ROUTES

    school = make_school(seats={3: 1})
    client = testing.api_client(testing.make_user("admin"))
    enrolment = _enrol(client, _child(8), school.pk).json()
    proposal = bulk_proposal()
    values = {"school_id": str(school.pk), "enrolment_id": str(enrolment["id"]),
              "registration_number": enrolment["person"],
              "school_proposal_id": str(proposal.pk)}
    paths = [(m, p) for m, p, a in ROUTES if a and a.startswith("school.")]
    assert len(paths) == 14
    for method, path in paths:
        url = "/api/v1" + path.format(**values)
        response = (client.get(url) if method == "GET"
                    else client.generic(method, url, "{}", content_type="application/json"))
        assert response.status_code < 500, (method, path, response.json())
