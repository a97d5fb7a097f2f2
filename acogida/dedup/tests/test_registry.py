"""What the registry gains: external ids (import, API, search, page), the duplicate check by the
trained model when there is one (and by the registry's rules when not)."""

import json

import pytest
from django.test import Client

from acogida import testing
from acogida.registry import imports

from .factories import caravan, trained_model

pytestmark = pytest.mark.django_db

HEADER = ("household_ref,relationship,given_names,first_surname,second_surname,sex,"
          "date_of_birth,nationality,registration_point,external_id")


def test_external_id_is_imported_kept_searchable_and_shown():
    testing.make_point()
    clerk = testing.make_user("registration")
    data = (HEADER + "\n,,Rosa Elena,Martínez,Cruz,female,1990-01-02,HND,TAP,KOBO-77\n"
            ",,Luis,Ramos,,male,1980-01-02,HND,TAP,\n").encode()
    report = imports.import_people(actor=testing.SYSTEM, user=clerk, data=data,
                                   filename="p.csv", dry_run=False)
    assert report.people == 2, report.errors
    client = testing.api_client(clerk)
    found = client.get("/api/v1/people?q=KOBO-77").json()
    assert [p["external_id"] for p in found["items"]] == ["KOBO-77"]
    number = found["items"][0]["registration_number"]
    assert client.get(f"/api/v1/people/{number}").json()["external_id"] == "KOBO-77"
    web = Client(headers={"Accept-Language": "en"})
    web.force_login(clerk)
    assert "KOBO-77" in web.get(f"/people/{number}/").content.decode()
    bad = (HEADER + "\n,,Ana,Ruiz,,female,1990-01-02,HND,TAP," + "x" * 101 + "\n").encode()
    report = imports.import_people(actor=testing.SYSTEM, user=clerk, data=bad,
                                   filename="p.csv", dry_run=True)
    assert any(e.field == "external_id" for e in report.errors)


def test_external_id_through_the_api():
    testing.make_point()
    client = testing.api_client(testing.make_user("registration"))
    values = testing.person_values(external_id="ACNUR-123")
    response = client.post("/api/v1/people", json.dumps({**values, "registration_point": "TAP"}),
                           content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["external_id"] == "ACNUR-123"


def _check(client, **values):
    return client.post("/api/v1/people/duplicates-check", json.dumps(values),
                       content_type="application/json").json()["candidates"]


def test_duplicate_check_uses_the_trained_model_when_there_is_one():
    testing.make_household()
    client = testing.api_client(testing.make_user("registration"))
    query = {"given_names": "Jose Luis", "first_surname": "Ernandes", "second_surname": "Crus",
             "date_of_birth": "1985-03-12", "sex": "male", "nationality": "HND"}
    by_rules = _check(client, **query)
    assert by_rules and not any(r["code"].startswith("model.") for r in by_rules[0]["reasons"])

    caravan(300, seed=2)
    trained_model()
    by_model = _check(client, **query)
    assert by_model[0]["full_name"] == "José Luis Hernández Cruz"
    assert by_model[0]["score"] > 0.9
    codes = {r["code"] for r in by_model[0]["reasons"]}
    assert {"model.given_names", "model.date_of_birth"} <= codes
    assert _check(client, given_names="Zoila", first_surname="Quintanilla",
                  date_of_birth="1950-01-01") == []


def test_the_duplicate_check_falls_back_to_the_rules_when_the_model_fails(monkeypatch):
    from acogida.dedup import selectors as dedup

    testing.make_household()
    caravan(60, seed=2)
    trained_model()

    def broken(*args, **kwargs):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(dedup, "score_hint", broken)
    client = testing.api_client(testing.make_user("registration"))
    found = _check(client, given_names="Jose Luis", first_surname="Ernandes",
                   second_surname="Crus", date_of_birth="1985-03-12", sex="male")
    assert found and not any(r["code"].startswith("model.") for r in found[0]["reasons"])


def test_a_survivors_trail_follows_the_merged_number_and_numbers_are_not_reused(monkeypatch):
    from acogida.accounts.selectors import person_trail
    from acogida.dedup import services as dedup_services
    from acogida.registry import services as registry_services
    from acogida.registry.models import Person

    from .factories import twins

    a, b = twins()
    admin = testing.make_user("admin")
    dedup_services.merge_people(actor=testing.SYSTEM, user=admin, survivor=a.registration_number,
                                merged=b.registration_number)
    trail = person_trail(actor=testing.SYSTEM, user=admin,
                         registration_number=a.registration_number)
    assert b.registration_number in {e.subject for e in trail}

    offered = iter([[b.registration_number], ["ZZZZ-ZZZZ-Z1"]])
    monkeypatch.setattr(registry_services.ids, "new_numbers", lambda n: next(offered))
    assert registry_services.unused_numbers(Person, 1) == ["ZZZZ-ZZZZ-Z1"]
