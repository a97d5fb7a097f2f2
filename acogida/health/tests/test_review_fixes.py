"""The review's findings on medical care: audited refusals of API writes, the audited urgent
flag, no download through break-glass, counts only for the plan, bad input as 422 / 409 (never a
500), small-cell suppression, overdue children counted in SQL, demo referrals that fit."""

import json
import random
from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.core.errors import Conflict, Forbidden, InvalidInput
from acogida.health import demo, schedule, selectors, services
from acogida.health.models import Encounter, Vaccination
from acogida.registry.models import Person

from . import factories as f

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_refused_api_writes_are_audited_with_the_person():
    person = f.patient()
    client = testing.api_client(testing.make_user("caseworker"))
    bodies = {"/api/v1/health/encounters": {
                  "person": person.registration_number, "facility_kind": "imss_clinic",
                  "reason": "respiratory", "triage": "routine"},
              "/api/v1/health/vaccinations": {"person": person.registration_number,
                                              "vaccine": "TD", "dose": 1},
              "/api/v1/health/referrals": {"person": person.registration_number,
                                           "to_facility": "Hospital", "urgency": "urgent",
                                           "reason": "Fiebre"}}
    for url, body in bodies.items():
        assert post(client, url, body).status_code == 403, url
    # not JSON at all: still refused, still audited (without a person)
    assert client.post("/api/v1/health/referrals/1/transitions", "{",
                       content_type="application/json").status_code == 403
    denied = AuditEntry.objects.filter(action="health.denied")
    assert denied.count() == 4
    assert [e.subject for e in denied.order_by("id")][:3] == [person.registration_number] * 3
    assert Encounter.objects.count() == 0
    # medical staff still write
    doctor = testing.api_client(f.medic())
    assert post(doctor, "/api/v1/health/encounters",
                bodies["/api/v1/health/encounters"]).status_code == 201


def test_urgent_flag_read_is_audited():
    medic, person = f.medic(), f.patient()
    f.referral(medic, person, urgency="urgent")
    shelter = testing.make_user("shelter")
    response = testing.api_client(shelter).get(
        f"/api/v1/people/{person.registration_number}/health/urgent-referral")
    assert response.json() == {"open_urgent_referral": True}
    entry = AuditEntry.objects.get(action="health.urgent_flag")
    assert entry.subject == person.registration_number and entry.actor == shelter.username


def test_encounters_since_counts_without_reading_the_record():
    medic, person = f.medic(), f.patient()
    today = date.today()
    f.encounter(medic, person, date=today - timedelta(days=10))
    f.encounter(medic, person, date=today, facility_kind="imss_clinic")
    assert selectors.encounters_since(actor=testing.SYSTEM, user=medic, person=person,
                                      since=today - timedelta(days=3)) == 1
    assert selectors.encounters_since(actor=testing.SYSTEM, user=medic, person=person,
                                      since=None) == 2
    assert selectors.encounters_since(actor=testing.SYSTEM, user=medic, person=person,
                                      since=None, facility_kind="imss_clinic") == 1
    assert AuditEntry.objects.filter(action="health.plan",
                                     subject=person.registration_number).count() == 3
    with pytest.raises(Forbidden):
        selectors.encounters_since(actor=testing.SYSTEM, user=testing.make_user("caseworker"),
                                   person=person, since=None)
    assert AuditEntry.objects.filter(action="health.denied").count() == 1


def test_unicode_digit_dose_is_a_field_error(client):
    doctor = f.medic()
    client.force_login(doctor)
    person = f.patient()
    response = client.post(reverse("health-vaccination-new"),
                           {"person": person.registration_number, "vaccine": "TD", "dose": "²"})
    assert response.status_code == 422
    assert Vaccination.objects.count() == 0


@pytest.mark.parametrize("page,field", [("9" * 25, "page"), ("100001", "page"), ("²", "page"),
                                        ("-1", "page")])
def test_huge_or_odd_page_is_422_naming_it(page, field):
    doctor = testing.api_client(f.medic())
    person = f.patient()
    for url in (f"/api/v1/health/encounters?person={person.registration_number}&page={page}",
                f"/api/v1/health/referrals?page={page}"):
        response = doctor.get(url)
        assert response.status_code == 422, (url, response.content)
        assert [e["field"] for e in response.json()["errors"]] == [field]
    response = doctor.get(f"/api/v1/health/referrals?page_size={'9' * 25}")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["page_size"]
    assert doctor.get("/api/v1/health/referrals?page=100000&page_size=500").json()[
        "page_size"] == 200


def test_huge_page_on_the_home_page_is_not_a_500(client):
    client.force_login(f.medic())
    response = client.get(reverse("health-home") + "?page=" + "9" * 25)
    assert response.status_code in (200, 422)


def test_record_many_refuses_unknown_and_missing_keys_with_the_row():
    medic, person = f.medic(), f.patient()
    good = {"registration_number": person.registration_number, "vaccine": "TD", "dose": 1}
    with pytest.raises(InvalidInput) as refused:
        services.record_many(actor=testing.SYSTEM, user=medic,
                             vaccinations=[good, {**good, "dose": 2, "colour": "red"}])
    assert [(e.field, e.row) for e in refused.value.errors] == [("colour", 1)]
    with pytest.raises(InvalidInput) as refused:
        services.record_many(actor=testing.SYSTEM, user=medic, encounters=[
            {"registration_number": person.registration_number, "reason": "respiratory"}])
    assert sorted((e.field, e.row) for e in refused.value.errors) == [
        ("facility_kind", 0), ("triage", 0)]
    with pytest.raises(InvalidInput):
        services.record_many(actor=testing.SYSTEM, user=medic, vaccinations=["TD"])
    assert Vaccination.objects.count() == 0


def test_record_many_maps_a_concurrent_duplicate_dose_to_409(monkeypatch):
    medic, person = f.medic(), f.patient()

    def clash(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(Vaccination.objects, "bulk_create", clash)
    with pytest.raises(Conflict):
        services.record_many(actor=testing.SYSTEM, user=medic, vaccinations=[
            {"registration_number": person.registration_number, "vaccine": "TD", "dose": 1}])


def test_an_encounter_cannot_predate_birth():
    medic = f.medic()
    baby = f.child(date.today() - timedelta(days=30))
    with pytest.raises(InvalidInput) as refused:
        f.encounter(medic, baby, date=date.today() - timedelta(days=60))
    assert [e.field for e in refused.value.errors] == ["date"]
    with pytest.raises(InvalidInput):
        services.record_many(actor=testing.SYSTEM, user=medic, encounters=[{
            "registration_number": baby.registration_number, "facility_kind": "imss_clinic",
            "reason": "respiratory", "triage": "routine",
            "date": date.today() - timedelta(days=60)}])


def test_stats_suppress_small_cells_but_not_five_or_more():
    medic = f.medic()
    today = date.today()
    for i in range(5):
        person = f.patient(given_names=f"Persona {i}", first_surname="Prueba")
        f.encounter(medic, person, reason="respiratory", date=today)
    f.encounter(medic, person, reason="injury", date=today - timedelta(days=1))
    stats = selectors.health_stats(user=testing.make_user("coordinator"))
    assert stats["encounters_by_reason"] == {"injury": "<5", "respiratory": 5}
    assert stats["encounters_per_day"] == [
        {"date": today - timedelta(days=1), "count": "<5"}, {"date": today, "count": 5}]
    assert stats["open_urgent_referrals"] == 0


def _old_overdue(today: date) -> int:
    """The computation the SQL replaced: every child under five, in Python."""
    five = schedule.add_months(today, -60)
    return sum(1 for child in Person.objects.filter(date_of_birth__gt=five)
               if schedule.has_overdue(child.date_of_birth,
                                       list(child.vaccinations.all()), today))


def test_overdue_children_in_sql_equal_the_python_computation():
    rng = random.Random(5)
    today = date(2018, 11, 30)
    # births around month ends (add_months clamps) and every age up to past five
    days = [today - timedelta(days=n) for n in
            (0, 20, 31, 45, 61, 62, 75, 92, 120, 150, 183, 200, 214, 366, 367, 400, 420, 548,
             560, 1000, 1461, 1470, 1826, 1830, 1860)]
    days += [date(2018, 1, 29), date(2018, 1, 31), date(2017, 8, 31), date(2016, 12, 31),
             date(2018, 9, 30), date(2018, 8, 31), date(2014, 5, 31)]
    for i, born in enumerate(days):
        child = f.child(born, given_names=f"Niña {i}")
        due = [d for d in schedule.SCHEDULE
               if schedule.add_months(born, d.months) <= today]
        for dose in rng.sample(due, rng.randrange(0, len(due) + 1)) if due else []:
            Vaccination.objects.create(person=child, vaccine=dose.vaccine, dose=dose.dose,
                                       date=born, created_at=timezone.now())
    for when in (today, today + timedelta(days=1), date(2019, 3, 1), date(2019, 2, 28)):
        assert selectors.overdue_children(when) == _old_overdue(when), when
    assert _old_overdue(today) > 0


def test_demo_referral_reasons_fit_sex_and_age():
    rng = random.Random(1)
    today = date(2018, 11, 5)
    man = Person(sex="male", date_of_birth=date(1980, 1, 1))
    baby = Person(sex="female", date_of_birth=date(2018, 6, 1))
    woman = Person(sex="female", date_of_birth=date(1995, 1, 1))
    for _ in range(50):
        for urgency in demo.REFERRAL_REASONS:
            for person in (man, baby):
                reason = demo.referral_reason(rng, urgency, person, today)
                assert "embarazo" not in reason.lower() and "prenatal" not in reason.lower()
            assert "Lactante" not in demo.referral_reason(rng, urgency, man, today)
            assert "Hipertensión" not in demo.referral_reason(rng, urgency, baby, today)
    seen = {demo.referral_reason(rng, "emergency", woman, today) for _ in range(50)}
    assert any("embarazo" in r for r in seen)
