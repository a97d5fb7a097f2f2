"""The plan's pages, for the roles that use them."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from acogida import testing
from acogida.plan.models import Offer, PlanApplication

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """Pages in English (the default is Spanish): the assertions read English text."""
    return Client(headers={"Accept-Language": "en"})


def _login(client, role: str = "caseworker"):
    client.force_login(testing.make_user(role))
    return client


def test_the_home_page_lists_the_plan_places_with_their_figures(client):
    f.decide(f.offer(f.eligible_person()), "accepted")
    testing.make_point("CDMX", "Estadio Palillo", "Ciudad de México", "Iztacalco")
    page = _login(client).get(reverse("plan-home")).content.decode()
    assert "Punto TAP" in page and "Estadio Palillo" not in page
    assert reverse("plan-place", args=["point:TAP"]) in page


def test_the_place_page_shows_offers_and_the_bulk_form(client):
    person = f.eligible_person()
    f.offer(person)
    page = _login(client).get(reverse("plan-place", args=["point:TAP"])).content.decode()
    assert person.full_name in page
    assert reverse("plan-bulk-offer", args=["point:TAP"]) in page
    assert 'value="accept"' in page
    assert _login(client).get(reverse("plan-place", args=["point:NOPE"])).status_code == 404


def test_bulk_offer_from_the_page(client):
    f.eligible_person()
    response = _login(client).post(reverse("plan-bulk-offer", args=["point:TAP"]),
                                   {"on": "2018-10-27"}, follow=True)
    assert Offer.objects.count() == 1
    assert "1 people in 1 offers" in response.content.decode()
    refused = client.post(reverse("plan-bulk-offer", args=["point:TAP"]), {"on": "2018-10-01"},
                          follow=True)
    assert "2018-10-26" in refused.content.decode()


def test_an_outcome_from_the_page_with_and_without_htmx(client):
    offer = f.offer(f.eligible_person())
    _login(client)
    url = reverse("plan-offer-decide", args=[offer.pk])
    row = client.post(url, {"to": "accept", "on": "2018-10-28", "place": "point:TAP"},
                      headers={"HX-Request": "true"})
    assert row.status_code == 200 and "<tr" in row.content.decode()
    offer.refresh_from_db()
    assert offer.status == "accepted"
    again = client.post(url, {"to": "decline", "place": "point:TAP"}, follow=True)
    assert "nothing changed" in again.content.decode()
    offer.refresh_from_db()
    assert offer.status == "accepted"


def test_the_persons_plan_page_and_its_forms(client):
    person = f.person_in()
    _login(client)
    url = reverse("person-plan", args=[person.registration_number])
    page = client.get(url).content.decode()
    assert "Applications to INM or COMAR" in page or "INM" in page
    client.post(reverse("person-plan-application", args=[person.registration_number]),
                {"kind": "refugee_status", "filed_on": "2018-10-22"})
    assert PlanApplication.objects.filter(person=person).exists()
    client.post(reverse("person-plan-offer", args=[person.registration_number]),
                {"place": "point:TAP", "offered_on": "2018-10-26"})
    offer = Offer.objects.get()
    f.decide(offer, "accepted")
    response = client.post(reverse("person-plan-pet", args=[person.registration_number]),
                           {"employer": "Vivero", "starts_on": "2018-11-05",
                            "ends_on": "2018-11-01"}, follow=True)
    assert response.status_code == 200
    assert "after it starts" in response.content.decode()
    assert offer.offered_on == date(2018, 10, 26)


def test_the_person_page_links_to_the_plan_for_plan_readers(client):
    person = f.person_in()
    link = reverse("person-plan", args=[person.registration_number])
    assert link in _login(client).get(reverse("person-detail",
                                              args=[person.registration_number])).content.decode()
    assert link not in _login(client, "shelter").get(
        reverse("person-detail", args=[person.registration_number])).content.decode()


def test_the_medical_line_on_the_page_never_says_what_was_received(client):
    person = f.eligible_person()
    f.offer(person)
    page = _login(client, "registration").get(
        reverse("person-plan", args=[person.registration_number])).content.decode()
    assert "confidential" in page


def test_figures_page_for_coordinators_has_no_names(client):
    person = f.eligible_person()
    f.decide(f.offer(person), "accepted")
    page = _login(client, "coordinator").get(reverse("plan-figures")).content.decode()
    assert "&lt;5 people accepted Mexico" in page.replace("&#x27;", "'")  # suppressed
    assert person.first_surname not in page
    nav = _login(client, "coordinator").get(reverse("plan-figures")).content.decode()
    assert reverse("plan-figures") in nav
    bad = client.get(reverse("plan-figures"), {"date_from": "yesterday"})
    assert bad.status_code == 200
