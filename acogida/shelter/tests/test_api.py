"""The shelters API: the hard rules through HTTP, occupancy numbers, who sees names."""

import json

import pytest

from acogida import testing
from acogida.shelter.models import Stay

from .factories import adult_man, check_in, make_shelter, unaccompanied_child

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def manager():
    return testing.api_client(testing.make_user("shelter"))


def test_create_shelter_and_sections(manager):
    response = post(manager, "/api/v1/shelters", {
        "name": "Unidad Deportiva Benito Juárez", "kind": "sports_centre",
        "state": "Baja California", "municipality": "Tijuana", "toilets": 40,
        "wheelchair_accessible": True, "latitude": "32.5333", "longitude": "-117.0300"})
    assert response.status_code == 201, response.json()
    shelter = response.json()["id"]
    response = post(manager, f"/api/v1/shelters/{shelter}/sections",
                    {"name": "Familias", "kind": "family", "capacity": 300})
    assert response.status_code == 201
    assert post(manager, f"/api/v1/shelters/{shelter}/sections",
                {"name": "X", "kind": "attic", "capacity": 3}).status_code == 422
    listed = manager.get("/api/v1/shelters").json()
    assert listed[0]["capacity"] == 300 and listed[0]["free"] == 300
    assert manager.get(f"/api/v1/shelters/{shelter}").json()["sections"][0]["kind"] == "family"
    assert manager.get("/api/v1/shelters/999").status_code == 404


def test_check_in_household_and_occupancy(manager):
    household = testing.make_household()
    shelter, sections = make_shelter()
    response = post(manager, "/api/v1/stays", {"household": household.number,
                                               "section": sections["Familias"].pk})
    assert response.status_code == 201 and len(response.json()) == 5
    occupancy = manager.get(f"/api/v1/shelters/{shelter.pk}/occupancy").json()
    family = next(s for s in occupancy["sections"] if s["name"] == "Familias")
    assert (family["capacity"], family["occupied"], family["free"]) == (10, 5, 5)
    assert occupancy["occupied"] == 5


def test_full_section_is_409_naming_section_and_occupancy(manager):
    shelter, sections = make_shelter(sections={"Hombres": ("men", 1)})
    check_in(sections["Hombres"], person=adult_man())
    response = post(manager, "/api/v1/stays", {"person": adult_man(given_names="Luis")
                                               .registration_number,
                                               "section": sections["Hombres"].pk})
    assert response.status_code == 409
    assert "Hombres" in response.json()["detail"] and "1 of 1" in response.json()["detail"]


def test_unaccompanied_child_in_adult_section_is_422_naming_the_rule(manager):
    _shelter, sections = make_shelter()
    response = post(manager, "/api/v1/stays", {
        "person": unaccompanied_child().registration_number, "section": sections["Familias"].pk})
    assert response.status_code == 422
    assert "child_safe" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "rules.child_safe"


def test_active_stay_elsewhere_is_409(manager):
    man = adult_man()
    _shelter, sections = make_shelter()
    _other, elsewhere = make_shelter("Otro")
    check_in(sections["Hombres"], person=man)
    response = post(manager, "/api/v1/stays", {"person": man.registration_number,
                                               "section": elsewhere["Hombres"].pk})
    assert response.status_code == 409


def test_person_and_household_both_or_neither_is_422(manager):
    _shelter, sections = make_shelter()
    assert post(manager, "/api/v1/stays", {"section": sections["Hombres"].pk}).status_code == 422


def test_shelter_role_cannot_override_caseworker_can():
    _shelter, sections = make_shelter()
    child = unaccompanied_child()
    body = {"person": child.registration_number, "section": sections["Familias"].pk,
            "override_reason": "Con su tía mientras llega la DIF"}
    assert post(testing.api_client(testing.make_user("shelter")), "/api/v1/stays",
                body).status_code == 403
    response = post(testing.api_client(testing.make_user("caseworker")), "/api/v1/stays", body)
    assert response.status_code == 201
    assert response.json()[0]["overridden_rules"] == ["child_safe"]


def test_checkout_transfer_and_roll_call(manager):
    man = adult_man()
    _shelter, sections = make_shelter()
    stay = check_in(sections["Hombres"], person=man)[0]
    response = post(manager, "/api/v1/roll-calls", {"section": sections["Hombres"].pk,
                                                    "night": "2018-11-20", "absent": [stay.pk]})
    assert response.status_code == 201 and response.json()["absent"] == 1
    response = post(manager, f"/api/v1/stays/{stay.pk}/transfer",
                    {"section": sections["Mujeres"].pk})
    assert response.status_code == 422
    response = post(manager, f"/api/v1/stays/{stay.pk}/transfer",
                    {"section": sections["Familias"].pk})
    assert response.status_code == 201
    new = response.json()["id"]
    assert post(manager, f"/api/v1/stays/{new}/checkout", {}).json()["end_reason"] == \
        "checked_out"
    assert not Stay.objects.filter(checked_out_at=None).exists()


def test_residents_names_for_shelter_role_not_for_coordinator():
    household = testing.make_household()
    shelter, sections = make_shelter()
    check_in(sections["Familias"], household=household)
    manager = testing.api_client(testing.make_user("shelter"))
    residents = manager.get(f"/api/v1/shelters/{shelter.pk}/residents")
    assert residents.status_code == 200 and len(residents.json()) == 5
    text = residents.content.decode()
    assert "Ana Yolanda" in text
    for code in ('"PG"', '"SV"', '"SM"', "specific_needs", "sensitive"):  # numbers may hold "SM"
        assert code not in text
    coordinator = testing.api_client(testing.make_user("coordinator"))
    assert coordinator.get(f"/api/v1/shelters/{shelter.pk}/residents").status_code == 403
    occupancy = coordinator.get(f"/api/v1/shelters/{shelter.pk}/occupancy")
    assert occupancy.status_code == 200 and "Ana" not in occupancy.content.decode()
    assert "Ana" not in coordinator.get(f"/api/v1/shelters/{shelter.pk}").content.decode()


def test_wheelchair_flag_through_the_api(manager):
    man = adult_man()
    response = post(manager, f"/api/v1/people/{man.registration_number}/shelter-needs",
                    {"wheelchair": True})
    assert response.status_code == 200
    _shelter, sections = make_shelter("Iglesia", accessible=False)
    response = post(manager, "/api/v1/stays", {"person": man.registration_number,
                                               "section": sections["Hombres"].pk})
    assert response.status_code == 422 and "accessible" in response.json()["detail"]


def test_list_shelters_query_count(manager, django_assert_max_num_queries):
    for n in range(5):
        make_shelter(f"Albergue {n}")
    with django_assert_max_num_queries(8):
        assert len(manager.get("/api/v1/shelters").json()) == 5
