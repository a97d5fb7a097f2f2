"""The registry API as an outside program sees it: status codes, fields, error shapes."""

import json

import pytest
from django.db import connection

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.registry.models import Household, HouseholdMember, Person


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def clerk(db):
    testing.make_point()
    testing.make_group()
    return testing.api_client(testing.make_user("registration"))


def test_register_household_of_five(clerk):
    body = {"registration_point": "TAP", "arrival_group": "Caravana octubre 2018",
            "members": testing.family_of_five()}
    response = post(clerk, "/api/v1/households", body)
    assert response.status_code == 201, response.json()
    household = response.json()
    assert household["size"] == 5
    relationships = [m["relationship"] for m in household["members"]]
    assert relationships == ["head", "spouse", "child", "child", "child"]
    numbers = [m["person"]["registration_number"] for m in household["members"]]
    assert len(set(numbers)) == 5
    kevin = household["members"][2]["person"]
    assert kevin["date_of_birth_estimated"] is True
    assert kevin["date_of_birth"].endswith("-01-01")
    again = clerk.get(f"/api/v1/households/{household['id']}")
    assert again.status_code == 200 and again.json()["number"] == household["number"]


def test_person_round_trips_unicode_exactly(clerk):
    body = testing.person_values(given_names="Ñaqui María-José", first_surname="O'Connor",
                                 second_surname="de la Peña y Núñez", registration_point="TAP")
    created = post(clerk, "/api/v1/people", body).json()
    fetched = clerk.get(f"/api/v1/people/{created['registration_number']}").json()
    assert fetched["given_names"] == "Ñaqui María-José"
    assert fetched["first_surname"] == "O'Connor"
    assert fetched["second_surname"] == "de la Peña y Núñez"


def test_decomposed_accents_are_stored_composed(clerk):
    body = testing.person_values(given_names="Jose\u0301", registration_point="TAP")
    created = post(clerk, "/api/v1/people", body).json()
    assert created["given_names"] == "José"


def test_bad_person_gets_every_error_and_writes_nothing(clerk):
    before = Person.objects.count()
    body = testing.person_values(registration_point="TAP", given_names="x" * 201,
                                 first_surname="Lo\x07pez", date_of_birth="2999-01-01",
                                 nationality="XYZ", sex="?", specific_needs=["ZZ"])
    response = post(clerk, "/api/v1/people", body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields >= {"given_names", "first_surname", "date_of_birth", "nationality", "sex",
                      "specific_needs"}
    assert Person.objects.count() == before


@pytest.mark.parametrize("dob", ["1890-01-01", "2018-02-30", "yesterday"])
def test_impossible_dates_of_birth(clerk, dob):
    response = post(clerk, "/api/v1/people",
                    testing.person_values(registration_point="TAP", date_of_birth=dob))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "date_of_birth"


def test_household_needs_exactly_one_head(clerk):
    members = testing.family_of_five()
    members[1]["relationship"] = "head"
    response = post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                                   "members": members})
    assert response.status_code == 422
    assert "exactly one head" in response.json()["errors"][0]["message"]
    members[0]["relationship"] = members[1]["relationship"] = "child"
    response = post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                                   "members": members})
    assert response.status_code == 422
    assert Household.objects.count() == 0 and Person.objects.count() == 0


def test_member_errors_name_the_row(clerk):
    members = testing.family_of_five()
    members[3]["person"]["nationality"] = "ZZZ"
    response = post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                                   "members": members})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "members[3].nationality",
         "message": "Unknown nationality code 'ZZZ' (use ISO 3166-1 alpha-3, e.g. HND, SLV, GTM)."}]


def test_a_person_is_in_one_household_at_a_time(clerk):
    first = post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                                "members": testing.family_of_five()}).json()
    child = first["members"][2]["person"]["registration_number"]
    response = post(clerk, "/api/v1/households", {"registration_point": "TAP", "members": [
        {"relationship": "head", "person": testing.person_values()},
        {"relationship": "child", "registration_number": child}]})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "members[1].registration_number"
    assert HouseholdMember.objects.filter(person__registration_number=child).count() == 1
    assert Household.objects.count() == 1


def test_existing_person_joins_a_new_household(clerk):
    lone = post(clerk, "/api/v1/people", testing.person_values(registration_point="TAP")).json()
    response = post(clerk, "/api/v1/households", {"registration_point": "TAP", "members": [
        {"relationship": "head", "registration_number": lone["registration_number"].lower()}]})
    assert response.status_code == 201
    assert response.json()["members"][0]["person"]["household"] == response.json()["number"]


def test_unknown_registration_point(clerk):
    response = post(clerk, "/api/v1/people", testing.person_values(registration_point="NOPE"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "registration_point"


def test_missing_fields_are_422_with_paths(clerk):
    response = post(clerk, "/api/v1/households", {"members": [{"relationship": "head"}]})
    assert response.status_code == 422
    assert {"field": "registration_point", "message": "Field required"} in response.json()["errors"]


def test_malformed_json_is_not_a_500(clerk):
    response = clerk.post("/api/v1/people", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_patch_person(clerk):
    created = post(clerk, "/api/v1/people", testing.person_values(registration_point="TAP")).json()
    url = f"/api/v1/people/{created['registration_number']}"
    response = patch(clerk, url, {"first_surname": "Hernández", "phone": "+504 9999 1234"})
    assert response.status_code == 200
    assert response.json()["first_surname"] == "Hernández"
    found = clerk.get("/api/v1/people", {"q": "hernandez"}).json()
    assert [p["registration_number"] for p in found["items"]] == [created["registration_number"]]
    bad = patch(clerk, url, {"date_of_birth": "2999-01-01"})
    assert bad.status_code == 422
    assert clerk.get(url).json()["date_of_birth"] == "1990-05-01"


def test_patch_unknown_person_is_404(clerk):
    response = patch(clerk, "/api/v1/people/0000-0000-00", {"phone": "123456"})
    assert response.status_code == 404
    assert response.json()["detail"]


def test_duplicates_check_reports_score_and_reasons(clerk):
    post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                        "members": testing.family_of_five()})
    response = post(clerk, "/api/v1/people/duplicates-check", {
        "given_names": "Jose Luis", "first_surname": "Ernandes", "second_surname": "Crus",
        "date_of_birth": "1985-03-12", "sex": "male", "nationality": "HND"})
    assert response.status_code == 200
    candidates = response.json()["candidates"]
    assert candidates[0]["full_name"] == "José Luis Hernández Cruz"
    assert candidates[0]["score"] > 0.8
    assert {r["code"] for r in candidates[0]["reasons"]} >= {"dob.exact", "surnames.same"}


def test_duplicates_check_finds_swapped_surnames_and_dates(clerk):
    post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                        "members": testing.family_of_five()})
    response = post(clerk, "/api/v1/people/duplicates-check", {
        "given_names": "Ana", "first_surname": "Peña", "second_surname": "Mejia",
        "date_of_birth": "1988-07-30", "sex": "female"})
    codes = {r["code"] for r in response.json()["candidates"][0]["reasons"]}
    assert "surnames.swapped" in codes
    response = post(clerk, "/api/v1/people/duplicates-check", {
        "given_names": "Dayana", "first_surname": "Hernandez", "date_of_birth": "2012-05-01"})
    top = response.json()["candidates"][0]
    assert top["full_name"].startswith("Dayana") and "dob.swapped" in {
        r["code"] for r in top["reasons"]}


def test_duplicates_check_is_quiet_for_strangers(clerk):
    post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                        "members": testing.family_of_five()})
    response = post(clerk, "/api/v1/people/duplicates-check", {
        "given_names": "Wilmer", "first_surname": "Zelaya", "date_of_birth": "1985-03-12"})
    assert response.json()["candidates"] == []


def test_registering_despite_hints_needs_a_reason(clerk):
    existing = post(clerk, "/api/v1/people", testing.person_values(registration_point="TAP"))
    number = existing.json()["registration_number"]
    body = testing.person_values(registration_point="TAP",
                                 duplicate_review={"candidates": [number], "reason": ""})
    assert post(clerk, "/api/v1/people", body).status_code == 422
    body["duplicate_review"]["reason"] = "Different mother's name; twin sister"
    assert post(clerk, "/api/v1/people", body).status_code == 201
    twin = Person.objects.exclude(registration_number=number).get()
    assert twin.duplicate_review["candidates"] == [number]


def test_reads_and_writes_are_audited(clerk):
    created = post(clerk, "/api/v1/people", testing.person_values(registration_point="TAP")).json()
    number = created["registration_number"]
    clerk.get(f"/api/v1/people/{number}")
    clerk.get("/api/v1/people", {"q": "lopez"})
    actions = list(AuditEntry.objects.filter(object_id=number).values_list("action", flat=True))
    assert actions == ["person.create", "person.read", "person.read", "person.list"]
    entry = AuditEntry.objects.filter(object_id=number).last()
    assert entry.actor.startswith("registration-") and entry.client_address == "127.0.0.1"


def test_sensitive_needs_are_encrypted_at_rest(clerk):
    post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                        "members": testing.family_of_five()})
    with connection.cursor() as cursor:
        cursor.execute("SELECT sensitive_needs FROM registry_person WHERE sensitive_needs <> ''")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 1
    # AES-GCM under a key in the data dir: the column holds no JSON, only what decrypts to it.
    assert stored[0].startswith("v1:") and '"SV"' not in stored[0] and "[" not in stored[0]
    from acogida.core.crypto import key_ring

    assert key_ring().decrypt(stored[0]) == '["SV"]'


@pytest.mark.parametrize(("role", "sees_sv"), [("caseworker", True), ("medical", True),
                                               ("admin", True), ("shelter", False),
                                               ("registration", False), ("education", False)])
def test_sensitive_needs_only_for_roles_that_need_them(clerk, role, sees_sv):
    household = post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                                    "members": testing.family_of_five()}).json()
    spouse = household["members"][1]["person"]["registration_number"]
    needs = testing.api_client(testing.make_user(role)).get(
        f"/api/v1/people/{spouse}").json()["specific_needs"]
    assert "PG" in needs
    assert ("SV" in needs) is sees_sv


def test_search_lists_are_bounded_in_queries(clerk, django_assert_max_num_queries):
    for _ in range(3):
        post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                            "members": testing.family_of_five()})
    with django_assert_max_num_queries(16):
        response = clerk.get("/api/v1/people", {"q": "hernandez"})
    assert response.json()["count"] == 12


def test_openapi_and_docs_are_served(clerk):
    spec = clerk.get("/api/v1/openapi.json").json()
    for path in ["/api/v1/people", "/api/v1/people/{registration_number}", "/api/v1/households",
                 "/api/v1/households/{id}", "/api/v1/people/duplicates-check", "/api/v1/audit",
                 "/api/v1/stats/summary"]:
        assert path in spec["paths"], path
    assert clerk.get("/api/v1/docs").status_code == 200


def test_api_docs_load_no_script_from_another_host(clerk):
    import re

    html = clerk.get("/api/v1/docs").content.decode()
    # every script and style comes from this server: no absolute or protocol-relative address
    assert not re.findall(r'(?:src|href)\s*=\s*["\'](?:https?:)?//', html)
    assert "/static/ninja/swagger-ui-bundle.js" in html


def test_a_clerk_cannot_erase_needs_they_cannot_see(clerk):
    household = post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                                    "members": testing.family_of_five()}).json()
    spouse = household["members"][1]["person"]["registration_number"]
    url = f"/api/v1/people/{spouse}"
    assert clerk.get(url).json()["specific_needs"] == ["PG"]
    assert patch(clerk, url, {"specific_needs": ["PG", "CR"]}).status_code == 200
    assert patch(clerk, url, {"specific_needs": None}).status_code == 200
    caseworker = testing.api_client(testing.make_user("caseworker"))
    assert caseworker.get(url).json()["specific_needs"] == ["CR", "PG", "SV"]
    assert patch(caseworker, url, {"specific_needs": ["CR"]}).status_code == 200
    assert caseworker.get(url).json()["specific_needs"] == ["CR"]


@pytest.mark.parametrize("given", ["Maximiliano" * 18, "ﬃ" * 200])
def test_long_single_word_names_are_stored_and_editable(clerk, given):
    created = post(clerk, "/api/v1/people", testing.person_values(registration_point="TAP",
                                                                 given_names=given))
    assert created.status_code == 201, created.json()
    url = f"/api/v1/people/{created.json()['registration_number']}"
    assert patch(clerk, url, {"phone": "+52 55 1234 5678"}).status_code == 200
    assert clerk.get(url).json()["given_names"] == given


def test_the_same_person_twice_in_one_household_is_422(clerk):
    lone = post(clerk, "/api/v1/people", testing.person_values(registration_point="TAP")).json()
    number = lone["registration_number"]
    response = post(clerk, "/api/v1/households", {"registration_point": "TAP", "members": [
        {"relationship": "head", "registration_number": number},
        {"relationship": "child", "registration_number": number.lower()}]})
    assert response.status_code == 422
    assert Household.objects.count() == 0


@pytest.mark.parametrize("values", [{"age": 5000}, {"date_of_birth": "9999-12-31"},
                                    {"age": -1}, {"date_of_birth": "31/31/2000"}])
def test_duplicates_check_takes_impossible_dates_as_no_date(clerk, values):
    post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                        "members": testing.family_of_five()})
    response = post(clerk, "/api/v1/people/duplicates-check", {
        "given_names": "José Luis", "first_surname": "Hernández", "second_surname": "Cruz",
        **values})
    assert response.status_code == 200


def test_audit_trail_of_garbage_is_422(db):
    admin = testing.api_client(testing.make_user("admin"))
    response = admin.get("/api/v1/audit", {"person": "x" * 100, "limit": -1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "person"


def test_consent_dates_explain_themselves(clerk):
    body = testing.person_values(registration_point="TAP",
                                 consents=[{"purpose": "registration", "given_on": "soon"}])
    response = post(clerk, "/api/v1/people", body)
    assert response.status_code == 422
    assert "Not a date" in response.json()["errors"][0]["message"]


def test_household_reads_are_bounded_in_queries(clerk, django_assert_max_num_queries):
    members = testing.family_of_five() + [
        {"relationship": "child", "person": testing.person_values(
            given_names=f"Hijo {i}", first_surname="Hernández", date_of_birth="2015-01-01")}
        for i in range(10)]
    number = post(clerk, "/api/v1/households", {"registration_point": "TAP",
                                                 "members": members}).json()["number"]
    with django_assert_max_num_queries(14):
        response = clerk.get(f"/api/v1/households/{number}")
    assert response.json()["size"] == 15
