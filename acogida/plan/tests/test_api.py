"""The plan's API: status codes, shapes, and what each role sees."""

from datetime import date

import pytest

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.plan.models import Offer

from . import factories as f

pytestmark = pytest.mark.django_db


def _client(role: str = "caseworker"):
    return testing.api_client(testing.make_user(role))


def _post(client, url: str, body: dict):
    import json

    return client.post(url, json.dumps(body), content_type="application/json")


def test_eligibility_explains_rule_by_rule():
    person = f.eligible_person()
    client = _client()
    url = f"/api/v1/plan/eligibility/{person.registration_number}"
    before = client.get(url, {"on": "2018-10-25"}).json()
    assert before["result"] == "not_eligible"
    assert before["rules"][0]["rule"] == "in_force" and before["rules"][0]["status"] == "failed"
    on = client.get(url, {"on": "2018-10-26"}).json()
    assert on["eligible"] is True
    assert [r["status"] for r in on["rules"]] == ["passed"] * 4
    location = on["rules"][2]
    assert location["version"] == "2018-10-26" and "Chiapas" in location["why"]
    assert "26 Oct 2018" in location["source"] or "Chiapas" in location["source"]


def test_eligibility_bad_input():
    person = f.eligible_person()
    client = _client()
    assert client.get("/api/v1/plan/eligibility/XXXX-XXXX-XX").status_code == 404
    url = f"/api/v1/plan/eligibility/{person.registration_number}"
    assert client.get(url, {"on": "2999-01-01"}).status_code == 422
    bad = client.get(url, {"on": "26/10/2018"})
    assert bad.status_code == 422 and set(bad.json()) == {"detail", "errors"}


def test_record_an_application_then_offer():
    person = f.person_in()
    client = _client()
    refused = _post(client, "/api/v1/plan/offers",
                    {"person": person.registration_number, "place": "point:TAP",
                     "offered_on": "2018-10-26"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["rules.application"]
    applied = _post(client, "/api/v1/plan/applications",
                    {"person": person.registration_number, "kind": "regular_entry",
                     "filed_on": "2018-10-21", "reference": "INM/TAP/2018/0042"})
    assert applied.status_code == 201 and applied.json()["authority"] == "INM"
    made = _post(client, "/api/v1/plan/offers",
                 {"person": person.registration_number, "place": "Punto TAP",
                  "offered_on": "2018-10-26"})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "offered" and body["place"]["key"] == "point:TAP"
    assert body["members"][0]["registration_number"] == person.registration_number


def test_offer_bad_input():
    person = f.eligible_person()
    client = _client()
    for body, status in [
        ({"person": "XXXX-XXXX-XX", "place": "point:TAP"}, 404),
        ({"person": person.registration_number, "place": "point:TAP",
          "offered_on": "2018-10-25"}, 422),
        ({"person": person.registration_number, "place": "point:TAP",
          "offered_on": "2999-10-25"}, 422),
        ({"place": "point:TAP"}, 422),
        ({"person": person.registration_number, "place": "nowhere"}, 422),
    ]:
        response = _post(client, "/api/v1/plan/offers", body)
        assert response.status_code == status, (body, response.json())
        assert response.json()["detail"]


def test_accepting_twice_is_409_and_nothing_changes():
    offer = f.offer(f.eligible_person())
    client = _client()
    url = f"/api/v1/plan/offers/{offer.pk}/accept"
    first = _post(client, url, {"on": "2018-10-28"})
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    second = _post(client, url, {"on": "2018-10-29"})
    assert second.status_code == 409 and "already" in second.json()["detail"]
    offer.refresh_from_db()
    assert offer.decided_on == date(2018, 10, 28)
    assert _post(client, "/api/v1/plan/offers/999999/accept", {}).status_code == 404


def test_decline_withdraw_and_moved_on():
    client = _client()
    for path, status in [("decline", "declined"), ("withdraw", "withdrawn"),
                         ("moved-on", "moved_on")]:
        person = f.eligible_person(given_names=f"Persona {path}")
        offer = f.offer(person)
        response = _post(client, f"/api/v1/plan/offers/{offer.pk}/{path}",
                         {"on": "2018-10-27", "reason": "Sigue hacia Tijuana"})
        assert response.status_code == 200 and response.json()["status"] == status


def test_bulk_offer_reports_counts():
    f.eligible_person()
    f.person_in(given_names="Elvin", first_surname="Mejía", sex="male",
                date_of_birth="1995-04-04")
    response = _post(_client(), "/api/v1/plan/offers/bulk",
                     {"place": "point:TAP", "on": "2018-10-27"})
    assert response.status_code == 200
    assert response.json() | {"place": None} == {
        "place": None, "on": "2018-10-27", "dry_run": False, "offers": 1, "offered": 1,
        "skipped": 1, "skipped_why": {"rules.application": 1}}


def test_offer_list_filters_and_pages(django_assert_max_num_queries):
    for n in range(12):
        f.offer(f.eligible_person(given_names=f"Persona {n}"))
    household = f.household_in()
    f.apply(household.members.order_by("id").first().person)
    f.decide(f.offer(household=household), "accepted")
    client = _client()
    with django_assert_max_num_queries(14):
        page = client.get("/api/v1/plan/offers", {"page_size": 10}).json()
    assert page["count"] == 13 and len(page["items"]) == 10 and page["has_next"]
    accepted = client.get("/api/v1/plan/offers", {"status": "accepted"}).json()
    assert accepted["count"] == 1 and accepted["items"][0]["people"] == 5
    assert client.get("/api/v1/plan/offers", {"status": "lost"}).status_code == 422
    assert client.get("/api/v1/plan/offers", {"place": "point:TAP", "date_from": "2018-10-27"}
                      ).json()["count"] == 0
    assert client.get("/api/v1/plan/offers", {"person": "XXXX-XXXX-XX"}).status_code == 404


def test_pet_enrolment_end_before_start_is_422():
    person = f.eligible_person()
    f.decide(f.offer(person), "accepted")
    client = _client()
    body = {"person": person.registration_number, "employer": "Vivero El Palmar",
            "starts_on": "2018-11-05", "ends_on": "2018-11-01"}
    assert _post(client, "/api/v1/plan/pet-enrolments", body).status_code == 422
    body["ends_on"] = "2019-02-05"
    assert _post(client, "/api/v1/plan/pet-enrolments", body).status_code == 201
    assert _post(_client("registration"), "/api/v1/plan/pet-enrolments", body).status_code == 403


def test_the_persons_plan_at_a_glance():
    person = f.eligible_person()
    f.decide(f.offer(person), "accepted")
    plan = _client().get(f"/api/v1/people/{person.registration_number}/plan").json()
    assert plan["status"] == "accepted"
    # today, weeks after registering in Tapachula, where the person is is not recorded
    assert plan["eligibility"]["result"] == "unknown"
    benefits = {b["benefit"]: b for b in plan["benefits"]}
    assert set(benefits) == {"temporary_id", "work_permit", "medical_care", "shelter", "pet"}
    assert benefits["temporary_id"]["status"] == "pending"
    assert _client().get("/api/v1/people/XXXX-XXXX-XX/plan").status_code == 404
    assert _client("coordinator").get(
        f"/api/v1/people/{person.registration_number}/plan").status_code == 403


def _encounter(person):
    from acogida.health import services as health

    health.record_encounter(actor=testing.SYSTEM, user=testing.make_user("medical"),
                            registration_number=person.registration_number,
                            date=date.today(), facility_kind="imss_clinic",
                            reason="respiratory", triage="routine")


def test_medical_care_is_confidential_to_roles_without_health_read():
    person = f.eligible_person()
    f.decide(f.offer(person), "accepted")
    _encounter(person)
    url = f"/api/v1/people/{person.registration_number}/plan"
    for role in ("caseworker", "registration", "admin"):
        response = _client(role).get(url)
        medical = next(b for b in response.json()["benefits"] if b["benefit"] == "medical_care")
        assert medical == {"benefit": "medical_care", "status": "pending", "detail": None,
                           "confidential": True}, role
        assert "encounter" not in response.content.decode()
    medical = next(b for b in _client("medical").get(url).json()["benefits"]
                   if b["benefit"] == "medical_care")
    assert medical["status"] == "received" and medical["detail"] == "1 encounter at an IMSS clinic"
    # a count from the health app (audited as such), never the record itself
    assert AuditEntry.objects.filter(action="health.plan",
                                     subject=person.registration_number).exists()
    assert not AuditEntry.objects.filter(action="health.plan", details__via="break_glass")


def test_stats_are_aggregates_without_names():
    household = f.household_in()
    f.apply(household.members.order_by("id").first().person)
    f.decide(f.offer(household=household), "accepted", on=date(2018, 10, 28))
    lone = f.eligible_person(given_names="Wilmer", first_surname="Castro", sex="male",
                             date_of_birth="1992-03-03")
    f.decide(f.offer(lone), "moved_on", on=date(2018, 10, 29))
    response = _client("coordinator").get("/api/v1/stats/plan")
    assert response.status_code == 200
    body = response.json()
    # small cells (1 to 4 people) are "<5"
    assert body["totals"] == {"offered": 6, "accepted": 5, "declined": 0, "withdrawn": 0,
                              "moved_on": "<5"}
    assert body["accepted_mexicos_offer"] == 5
    assert body["by_day"][0] == {"date": "2018-10-26", "offered": 6, "accepted": 0,
                                 "declined": 0, "withdrawn": 0, "moved_on": 0}
    assert body["by_place"][0]["key"] == "point:TAP" and body["by_place"][0]["accepted"] == 5
    assert lone.first_surname not in response.content.decode()
    assert lone.registration_number not in response.content.decode()
    narrowed = _client("coordinator").get("/api/v1/stats/plan", {
        "date_from": "2018-10-29", "state": "Chiapas"}).json()
    assert narrowed["totals"]["moved_on"] == "<5" and narrowed["totals"]["offered"] == 0
    assert _client("coordinator").get("/api/v1/stats/plan", {"state": "Oaxaca"}).json()[
        "totals"]["offered"] == 0
    assert _client("coordinator").get("/api/v1/stats/plan", {
        "date_from": "2018-11-01", "date_to": "2018-10-01"}).status_code == 422
    assert _client("registration").get("/api/v1/stats/plan").status_code == 403
    assert Offer.objects.count() == 2
