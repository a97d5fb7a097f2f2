"""The claims API and the screening endpoints, as outside programs see them."""

import json
from datetime import date

import pytest
from django.core.management import call_command

from acogida import testing
from acogida.accounts.models import AuditEntry

from .factories import FACTS, family, move, open_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return testing.api_client(testing.make_user("caseworker"))


def _post(client, url, body):
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


def test_open_a_claim_move_it_and_read_its_deadlines(officer):
    _household, head, children = family()
    response = _post(officer, "/api/v1/claims", {
        "registration_number": head.registration_number, "jurisdiction": "MX",
        "entered_on": "2018-10-19", "filing_place": "Tapachula",
        "dependants": [children[0].registration_number],
        "narrative": "Amenazado por la MS-13."})
    assert response.status_code == 201, response.json()
    claim = response.json()
    assert claim["status"] == "intake" and claim["dependants"][0]["relationship"] == "child"
    assert claim["deadlines"][0]["rule"] == "mx.filing_deadline"
    assert claim["deadlines"][0]["due"] == "2018-12-03"
    moved = _post(officer, f"/api/v1/claims/{claim['number']}/transitions",
                  {"to": "lodged", "effective": "2018-10-25"})
    assert moved.status_code == 200
    assert moved.json()["deadlines"][0]["status"] == "met"
    assert "work_permit_basis:refugee_application_lodged" in moved.json()["document_effects"]


def test_a_forbidden_move_is_409_and_a_bad_date_422(officer):
    claim = open_claim(testing.make_person())
    refused = _post(officer, f"/api/v1/claims/{claim.number}/transitions",
                    {"to": "recognised", "effective": "2018-10-25"})
    assert refused.status_code == 409 and refused.json()["detail"]
    future = _post(officer, f"/api/v1/claims/{claim.number}/transitions",
                   {"to": "lodged", "effective": "2999-01-01"})
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "effective"


def test_bad_intake_facts_name_their_json_path_and_nothing_is_written(officer):
    person = testing.make_person()
    response = _post(officer, "/api/v1/claims", {
        "registration_number": person.registration_number, "jurisdiction": "MX",
        "facts": {"harms": [{**FACTS["harms"][0], "kind": "bad_luck"}]}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("facts.harms[0].kind")
    assert officer.get("/api/v1/claims").json()["total"] == 0


def test_screen_a_claim_stores_the_result_with_its_policy_versions(officer):
    claim = open_claim(testing.make_person(date_of_birth="1985-03-12", nationality="HND"),
                       facts={k: FACTS[k] for k in ("journey", "harms", "exclusion")})
    response = _post(officer, f"/api/v1/claims/{claim.number}/screen",
                     {"as_of": "2018-11-20", "lang": "es"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["policies_applied"] and set(body["result"]["results"]) == {"MX", "UNHCR"}
    assert "determinación" in body["result"]["disclaimer"].lower() \
        or "pre" in body["result"]["disclaimer"].lower()
    again = _post(officer, f"/api/v1/claims/{claim.number}/screen", {"as_of": "2018-11-20"})
    assert again.json()["changes"]["changed"] is False
    detail = officer.get(f"/api/v1/claims/{claim.number}").json()
    assert detail["latest_screening"]["policies_applied"] == body["policies_applied"]


def test_screening_without_facts_is_refused(officer):
    claim = open_claim(testing.make_person())
    response = _post(officer, f"/api/v1/claims/{claim.number}/screen", {})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "facts"


def test_screening_endpoint_and_schema(officer):
    response = _post(officer, "/api/v1/screening?lang=en", FACTS)
    assert response.status_code == 200
    assert set(response.json()["results"]) == {"UNHCR", "MX"}
    bad = _post(officer, "/api/v1/screening", {**FACTS, "jurisdictions": ["XX"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("jurisdictions")
    schema = officer.get("/api/v1/screening/schema").json()
    assert "harms" in json.dumps(schema)
    assert AuditEntry.objects.filter(action="screening.run").count() == 1


def test_narrative_reaches_case_officers_only(officer):
    claim = open_claim(testing.make_person(), narrative="Relato confidencial")
    assert officer.get(f"/api/v1/claims/{claim.number}").json()["narrative"] \
        == "Relato confidencial"
    shelter = testing.api_client(testing.make_user("shelter"))
    assert shelter.get(f"/api/v1/claims/{claim.number}").status_code == 403
    coordinator = testing.api_client(testing.make_user("coordinator"))
    assert coordinator.get(f"/api/v1/claims/{claim.number}").status_code == 403
    counts = coordinator.get("/api/v1/stats/claims?state=Chiapas").json()
    assert counts["total"] == "<5" and "Relato" not in json.dumps(counts)
    assert coordinator.get("/api/v1/stats/claims?state=Oaxaca").json()["total"] == 0


def test_worklist_api_sorts_and_flags(officer):
    late = open_claim(testing.make_person(given_names="Tarde"))
    move(open_claim(testing.make_person(given_names="Pronto")), "lodged", date(2018, 10, 22))
    rows = officer.get("/api/v1/claims/worklist").json()["results"]
    assert rows[0]["number"] == late.number and rows[0]["overdue"] is True
    assert rows[0]["entry_missing"] is False


def test_cli_screens_a_file_and_rescreens_open_claims(tmp_path, capsys):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(FACTS))
    call_command("screen", str(path), "--format", "text", "--lang", "en")
    out = capsys.readouterr().out
    assert "MX" in out and "policies:" in out
    open_claim(testing.make_person(date_of_birth="1985-03-12"),
               facts={k: FACTS[k] for k in ("journey", "harms", "exclusion")})
    call_command("screen", "--all")
    assert "1 claims screened" in capsys.readouterr().out


def test_cli_refuses_bad_facts(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "facts.json"
    path.write_text(json.dumps({**FACTS, "harms": [{"kind": "nope"}]}))
    with pytest.raises(CommandError, match="harms"):
        call_command("screen", str(path))


@pytest.mark.parametrize("facts", [{"claimant": "x"}, {"journey": None}, {"harms": {"a": 1}},
                                   {"weather": "rain"}, ["x"]])
def test_malformed_intake_facts_are_a_422_not_a_500(officer, facts):
    claim = open_claim(testing.make_person())
    response = officer.patch(f"/api/v1/claims/{claim.number}", json.dumps({"facts": facts}),
                             content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"].startswith(("facts", "body"))


def test_the_daily_refresh_closes_refusals_past_their_appeal_window(capsys):
    claim = move(move(open_claim(testing.make_person()), "lodged", date(2018, 10, 25)),
                 "decision_pending", date(2018, 11, 1))
    claim = move(claim, "rejected", date(2019, 1, 10))
    from acogida.asylum.models import Claim

    Claim.objects.filter(pk=claim.pk).update(open=True)  # as if recorded before the window closed
    call_command("claims", "refresh")
    assert "1 claims updated" in capsys.readouterr().out
    claim.refresh_from_db()
    assert claim.open is False
