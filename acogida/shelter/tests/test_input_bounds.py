"""Input a client could send by mistake or on purpose: refused with a 4xx, never a 500, and
never acted on (a roll call for a future night would release beds)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from acogida import testing


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"shelters": [2**40]}, {"shelters": [0]},
                                  {"households": ["x" * 30]}])
def test_proposal_ids_are_bounded(body):
    admin = testing.api_client(testing.make_user("admin"))
    assert post(admin, "/api/v1/placement/proposals", body).status_code == 422


@pytest.mark.django_db
def test_no_roll_call_for_a_future_night():
    admin = testing.api_client(testing.make_user("admin"))
    shelter = post(admin, "/api/v1/shelters", {"name": "Albergue", "kind": "hostel",
                                               "state": "Chiapas", "municipality": "Arriaga"})
    assert shelter.status_code == 201, shelter.json()
    section = post(admin, f"/api/v1/shelters/{shelter.json()['id']}/sections",
                   {"name": "Familias", "kind": "family", "capacity": 10})
    assert section.status_code == 201, section.json()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = post(admin, "/api/v1/roll-calls", {"section": section.json()["id"],
                                                  "night": tomorrow})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "night"


@pytest.mark.django_db
@pytest.mark.parametrize("values", [{"latitude": 500}, {"longitude": -999},
                                    {"open_from": "2018-11-20", "open_until": "2018-11-01"}])
def test_shelter_values_are_checked(values):
    admin = testing.api_client(testing.make_user("admin"))
    response = post(admin, "/api/v1/shelters", {"name": "Albergue", "kind": "hostel",
                                                "state": "Chiapas", "municipality": "Arriaga",
                                                **values})
    assert response.status_code == 422
