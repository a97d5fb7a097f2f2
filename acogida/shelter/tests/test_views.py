"""The shelter pages: rules hold through the forms, names only for stay.read roles, nothing
sensitive for the shelter role, the roll-call sheet prints, proposals edit and confirm."""

import pytest
from django.urls import reverse

from acogida import testing
from acogida.shelter import proposals
from acogida.shelter.models import Stay

from .factories import adult_man, check_in, make_shelter, unaccompanied_child
from .test_proposals import SENSITIVE, family_with_sm

pytestmark = pytest.mark.django_db


def login(client, role):
    client.force_login(testing.make_user(role))
    return client


def test_list_shows_occupancy_and_over_capacity_in_red(client):
    shelter, sections = make_shelter(sections={"Hombres": ("men", 1)})
    check_in(sections["Hombres"], person=adult_man())
    check_in(sections["Hombres"], person=adult_man(given_names="Luis"),
             override_reason="Lluvia torrencial")
    page = login(client, "coordinator").get(reverse("shelter-list")).content.decode()
    assert shelter.name in page and 'class="over"' in page and "occupancy over" in page


def test_coordinator_sees_numbers_not_names(client):
    household = testing.make_household()
    shelter, sections = make_shelter()
    check_in(sections["Familias"], household=household)
    page = login(client, "coordinator").get(reverse("shelter-detail", args=[shelter.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "Familias" in text
    assert "Hernández" not in text and "Ana Yolanda" not in text


def test_shelter_role_sees_names_never_sensitive_needs(client):
    household = family_with_sm()
    shelter, sections = make_shelter(medical_post=True)
    check_in(sections["Familias"], household=household)
    login(client, "shelter")
    page = client.get(reverse("shelter-detail", args=[shelter.pk])).content.decode()
    assert "Ana Yolanda" in page
    roll = client.get(reverse("shelter-roll-call", args=[shelter.pk, sections["Familias"].pk]))
    for text in (page, roll.content.decode()):
        for word in ("Pregnant", "Embarazada", "Serious medical", "grave", "violence",
                     "violencia"):
            assert word not in text


def test_check_in_through_the_form_keeps_the_rules(client):
    shelter, sections = make_shelter()
    child = unaccompanied_child()
    login(client, "shelter")
    response = client.post(reverse("shelter-check-in", args=[shelter.pk]), {
        "person": child.registration_number, "section": sections["Hombres"].pk}, follow=True)
    assert "child_safe" in response.content.decode()
    assert not Stay.objects.exists()
    # the shelter role cannot override, even by posting a reason
    response = client.post(reverse("shelter-check-in", args=[shelter.pk]), {
        "person": child.registration_number, "section": sections["Hombres"].pk,
        "override_reason": "porque sí"})
    assert response.status_code == 403 and not Stay.objects.exists()
    client.post(reverse("shelter-check-in", args=[shelter.pk]), {
        "person": child.registration_number, "section": sections["Niñez"].pk})
    assert Stay.objects.filter(person=child, section=sections["Niñez"]).exists()


def test_full_section_through_the_form_and_caseworker_override(client):
    shelter, sections = make_shelter(sections={"Hombres": ("men", 1)})
    check_in(sections["Hombres"], person=adult_man())
    man = adult_man(given_names="Luis")
    login(client, "shelter")
    response = client.post(reverse("shelter-check-in", args=[shelter.pk]), {
        "person": man.registration_number, "section": sections["Hombres"].pk}, follow=True)
    assert "1 of 1" in response.content.decode() or "1 de 1" in response.content.decode()
    login(client, "caseworker")
    client.post(reverse("shelter-check-in", args=[shelter.pk]), {
        "person": man.registration_number, "section": sections["Hombres"].pk,
        "override_reason": "Noche de frío"})
    page = client.get(reverse("shelter-detail", args=[shelter.pk])).content.decode()
    assert "Noche de frío" in page


def test_household_check_in_from_search(client):
    household = testing.make_household()
    shelter, sections = make_shelter()
    login(client, "shelter")
    results = client.get(reverse("shelter-check-in-search", args=[shelter.pk]),
                         {"q": "Hernández"}, headers={"HX-Request": "true"})
    assert household.number in results.content.decode()
    head = household.members.get(relationship="head").person
    client.post(reverse("shelter-check-in", args=[shelter.pk]), {
        "person": head.registration_number, "household": household.number,
        "section": sections["Familias"].pk})
    assert Stay.objects.filter(household=household).count() == 5


def test_roll_call_sheet_prints_and_records(client):
    shelter, sections = make_shelter()
    stay = check_in(sections["Hombres"], person=adult_man())[0]
    login(client, "shelter")
    url = reverse("shelter-roll-call", args=[shelter.pk, sections["Hombres"].pk])
    page = client.get(url).content.decode()
    assert "Carlos Reyes" in page and "shelter.css" in page
    response = client.post(url, {"stay": [stay.pk], "night": "2018-11-20"}, follow=True)
    assert response.status_code == 200
    stay.refresh_from_db()
    assert stay.absent_nights == 1
    from pathlib import Path

    css = Path(testing.__file__).parent / "shelter/static/shelter/shelter.css"
    assert "@media print" in css.read_text()


def test_placement_page_edit_and_confirm(client):
    household = family_with_sm()
    _shelter, sections = make_shelter(medical_post=True)
    login(client, "shelter")
    response = client.post(reverse("placement-home"), {"time_limit_s": "1"})
    assert response.status_code == 302
    proposal_url = response["Location"]
    page = client.get(proposal_url).content.decode()
    assert household.number in page
    for word in SENSITIVE:
        assert word not in page
    proposal_id = int(proposal_url.rstrip("/").rsplit("/", 1)[1])
    lines = client.post(reverse("placement-line", args=[proposal_id]), {
        "household": household.number, "section": sections["Hombres"].pk},
        headers={"HX-Request": "true"})
    assert lines.status_code == 200 and "Hombres" in lines.content.decode()
    response = client.post(reverse("placement-confirm", args=[proposal_id]), follow=True)
    assert "section_kind" in response.content.decode() or "hombres" in \
        response.content.decode().lower()
    assert not Stay.objects.exists()
    client.post(reverse("placement-line", args=[proposal_id]), {
        "household": household.number, "section": sections["Familias"].pk})
    client.post(reverse("placement-confirm", args=[proposal_id]))
    assert Stay.objects.count() == 5
    assert proposals.get_proposal(user=testing.make_user("admin"),
                                  proposal_id=proposal_id).status == "confirmed"
