"""Fixes from the review of issue 5: bad input is a 422/404 (never a 500), skipped children
are audited, ages on the cutoff, confirmation re-checks who still stays in the shelter."""

import pytest
from django.urls import reverse

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.numbers import parse_id
from acogida.schooling import proposal_selectors
from acogida.schooling.models import Enrolment

from .factories import TODAY, enrol, family, make_school, school_near, shelter_with

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def education():
    return testing.api_client(testing.make_user("education"))


def test_parse_id_takes_ascii_digits_only():
    assert parse_id("42") == 42 and parse_id(" 7 ") == 7 and parse_id(3) == 3
    for bad in ("²", "4²", "", None, "-1", "1e3", "1234567890", "٣", True):
        assert parse_id(bad) is None, bad


def test_superscript_digits_and_huge_numbers_are_not_a_500(education, client):
    shelter = shelter_with(family("Ramos", 8))
    for path in ("/api/v1/enrolments/bulk-proposals/²",
                 "/api/v1/schools/²", "/api/v1/schools/99999999999999999999"):
        assert education.get(path).status_code == 404, path
    assert education.post("/api/v1/enrolments/bulk-proposals/²/confirm",
                          content_type=JSON).status_code == 404
    assert education.post("/api/v1/enrolments/bulk-proposals", {"shelter": "²"},
                          content_type=JSON).status_code == 404
    for query in ("school=99999999999999999999", "page=1000000000000000000", "page=0",
                  "page_size=100000", "school=-1"):
        response = education.get(f"/api/v1/enrolments?{query}")
        assert response.status_code == 422, query
        assert response.json()["errors"][0]["field"]
    client.force_login(testing.make_user("caseworker"))
    assert client.post(reverse("school-bulk"), {"shelter": "²"}).status_code == 302
    kid = family("Cruz", 8).members.filter(relationship="child").first().person
    school = make_school(seats={3: 1})
    response = client.post(reverse("school-enrol"), {
        "person": kid.registration_number, "school": str(school.pk), "grade": "²"})
    assert response.status_code == 302
    assert shelter


def test_bulk_proposal_dates_outside_2000_to_2100_are_422(education):
    shelter = shelter_with(family("Ramos", 8))
    for day in ("0001-01-01", "9999-12-31", "1999-07-31"):
        response = education.post("/api/v1/enrolments/bulk-proposals",
                                  {"shelter": shelter.pk, "date": day}, content_type=JSON)
        assert response.status_code == 422, day
        assert response.json()["errors"][0]["field"] == "date"
    for year in (9999, 99999999999):
        response = education.post("/api/v1/enrolments/bulk-proposals",
                                  {"shelter": shelter.pk, "school_year": year},
                                  content_type=JSON)
        assert response.status_code == 422, year


def test_skipped_children_are_audited_and_ages_are_on_the_cutoff():
    household = family("Ramos", 8, 9)
    shelter = shelter_with(household)
    school_near("Primaria Cercana", 1.0, {3: 5, 4: 5})
    enrolled = [m.person for m in household.members.order_by("id")
                if m.relationship == "child"][0]
    enrol(enrolled, make_school("Primaria Lejos", seats={3: 1}))
    from acogida.schooling import proposals

    user = testing.make_user("education")
    proposal = proposals.create_proposal(actor=testing.SYSTEM, user=user, shelter=shelter.pk,
                                         today=TODAY)
    view = proposal_selectors.proposal_view(actor=testing.SYSTEM, user=user, proposal=proposal)
    assert [s["person"] for s in view["skipped"]] == [enrolled.registration_number]
    read = AuditEntry.objects.filter(action="school.proposal.read")
    assert set(read.values_list("subject", flat=True)) == {
        enrolled.registration_number, view["lines"][0].person}
    assert [line.age for line in view["lines"]] == [9]  # on 31 December, not today


def test_confirm_refuses_a_child_who_no_longer_stays_in_the_shelter(education):
    from acogida.shelter.models import Stay
    from acogida.shelter.services import check_out

    household = family("Ramos", 8)
    shelter = shelter_with(household)
    school_near("Primaria Cercana", 1.0, {3: 2})
    body = education.post("/api/v1/enrolments/bulk-proposals",
                          {"shelter": shelter.pk, "date": str(TODAY)}, content_type=JSON).json()
    line = body["lines"][0]
    stay = Stay.objects.get(person__registration_number=line["person"],
                            checked_out_at__isnull=True)
    check_out(actor=testing.SYSTEM, user=testing.make_user("admin"), stay_id=stay.pk)
    refused = education.post(f"/api/v1/enrolments/bulk-proposals/{body['id']}/confirm",
                             content_type=JSON)
    assert refused.status_code == 409
    assert refused.json()["errors"] == [{"field": "lines[0]", "message": (
        f"Child {line['person']}: no longer stays in the shelter.")}]
    assert Enrolment.objects.count() == 0
