"""Input a client could send by mistake or on purpose: refused with a 4xx, never a 500."""

import json

import pytest

from acogida import testing

from . import factories as f

pytestmark = pytest.mark.django_db
HUGE = "9" * 30


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def client():
    return testing.api_client(testing.make_user("admin"))


def test_huge_ids_and_places(client):
    person = f.eligible_person()
    assert _post(client, f"/api/v1/plan/offers/{HUGE}/accept", {}).status_code in (404, 422)
    for place in (f"shelter:{HUGE}", "x" * 5000, "", "point:", "shelter:-1"):
        response = _post(client, "/api/v1/plan/offers",
                         {"person": person.registration_number, "place": place})
        assert response.status_code == 422, place
    assert client.get("/api/v1/plan/offers", {"place": f"shelter:{HUGE}"}).status_code == 422
    assert client.get("/api/v1/stats/plan", {"place": "x" * 5000}).status_code == 422
    assert client.get("/api/v1/plan/offers", {"page": HUGE}).status_code == 422
    assert client.get(f"/api/v1/plan/eligibility/{'X' * 5000}").status_code == 404


def test_texts_and_kinds_are_bounded(client):
    person = f.eligible_person()
    for body in ({"person": person.registration_number, "kind": "asylum_in_usa",
                  "filed_on": "2018-10-22"},
                 {"person": person.registration_number, "kind": "refugee_status",
                  "filed_on": "2018-10-22", "reference": "x" * 101},
                 {"person": person.registration_number, "kind": "refugee_status",
                  "filed_on": "2018-10-22", "reference": "bad\x00ref"},
                 {"person": person.registration_number, "kind": "refugee_status",
                  "filed_on": "1900-01-01"}):
        assert _post(client, "/api/v1/plan/applications", body).status_code == 422, body
    offer = f.offer(person)
    response = _post(client, f"/api/v1/plan/offers/{offer.pk}/decline", {"reason": "x" * 301})
    assert response.status_code == 422
    response = _post(client, f"/api/v1/plan/offers/{offer.pk}/decline",
                     {"reason": "a\x07b"})
    assert response.status_code == 422


def test_pages_refuse_bad_input_without_a_500(client):
    from django.test import Client
    from django.urls import reverse

    web = Client(headers={"Accept-Language": "en"})
    web.force_login(testing.make_user("caseworker"))
    person = f.eligible_person()
    assert web.get(reverse("plan-place", args=[f"shelter:{HUGE}"])).status_code == 404
    assert web.get(reverse("plan-place", args=["point:TAP"]), {"page": "x",
                                                               "status": "lost"}).status_code == 200
    assert web.post(reverse("plan-offer-decide", args=[10 ** 12]), {"to": "accept"},
                    follow=True).status_code == 200
    assert web.post(reverse("person-plan-offer", args=[person.registration_number]),
                    {"place": "point:TAP", "offered_on": "26-10-2018"},
                    follow=True).status_code == 200
    assert web.get(reverse("plan-figures"), {"place": "nowhere"}).status_code in (200, 403)
