"""A case officer takes a claim from intake to decision in the web app."""

import pytest
from django.test import Client

from acogida import testing
from acogida.asylum.models import Claim

from .factories import FACTS, family

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    client = Client()
    client.force_login(testing.make_user("caseworker"))
    return client


def test_intake_facts_screening_and_decision_in_the_browser(officer):
    _household, head, children = family()
    page = officer.get(f"/claims/new?person={head.registration_number}")
    assert children[0].registration_number in page.content.decode()
    response = officer.post("/claims/new", {
        "registration_number": head.registration_number, "jurisdiction": "MX",
        "entered_on": "2018-10-19", "filing_place": "Tapachula",
        "dependants": [children[0].registration_number], "narrative": "Relato"})
    claim = Claim.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/claims/{claim.number}/")
    officer.post(f"/claims/{claim.number}/facts/journey", {
        "mex_entry": "2018-10-19", "mex_manner": "port_of_entry"})
    harm = FACTS["harms"][0]
    officer.post(f"/claims/{claim.number}/facts/harms", {
        "kind": harm["kind"], "actor": harm["actor"], "grounds": harm["grounds"],
        "past": "on", "feared": "on"})
    officer.post(f"/claims/{claim.number}/facts/exclusion", {"war_crimes": "no"})
    officer.post(f"/claims/{claim.number}/facts/filing", {"late_filing_reason": ""})
    claim.refresh_from_db()
    assert claim.facts["harms"][0]["kind"] == harm["kind"]
    assert claim.facts["exclusion"]["war_crimes"] is False
    assert claim.facts["exclusion"]["terrorism"] is None  # unanswered stays unknown
    assert claim.facts["harms"][0]["torture_risk"] is None
    officer.post(f"/claims/{claim.number}/screening")
    result = officer.get(f"/claims/{claim.number}/screening").content.decode()
    assert "refugee_art13_i" in result
    officer.post(f"/claims/{claim.number}/move", {"to": "lodged", "effective": "2018-10-25"})
    detail = officer.get(f"/claims/{claim.number}/").content.decode()
    assert "mx.decision_deadline" in detail
    claim.refresh_from_db()
    assert claim.status == "lodged"


def test_worklist_shows_claims_to_case_officers_only(officer):
    _household, head, _children = family()
    officer.post("/claims/new", {"registration_number": head.registration_number,
                                 "jurisdiction": "US", "entered_on": "2018-11-25"})
    assert head.first_surname in officer.get("/claims/").content.decode()
    clerk = Client()
    clerk.force_login(testing.make_user("registration"))
    assert clerk.get("/claims/").status_code == 403


def test_a_bad_step_is_explained_not_applied(officer):
    person = testing.make_person()
    officer.post("/claims/new", {"registration_number": person.registration_number,
                                 "jurisdiction": "MX"})
    claim = Claim.objects.get()
    response = officer.post(f"/claims/{claim.number}/move",
                            {"to": "lodged", "effective": "2999-01-01"}, follow=True)
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == "intake"
